#include "sync/header_tree.hpp"

#include <algorithm>

#include "consensus/pow.hpp"

namespace peregrine::sync {
namespace {

using consensus::ArithU256;
using consensus::HeaderError;

// Blocks of work below the best header that a competing chain may be and still be stored.
constexpr int kStorageWorkSlack = 144;

// The skip pointer of a header at `height` goes to the height with its lowest set bit cleared, so
// a walk down takes O(log² n) steps instead of n.
int skip_height(int height) { return height & (height - 1); }

// Retargeting and median time past read the chain through this: O(1) on the best chain, skip
// pointers elsewhere.
class EntryAncestry final : public consensus::HeaderAncestry {
public:
  EntryAncestry(const HeaderTree& tree, const HeaderEntry& tip)
      : tree_(tree), tip_(tip), on_best_(tree.on_best_chain(tip)) {}
  std::optional<Entry> at(int height) const override {
    if (height < 0 || height > tip_.height) return std::nullopt;
    const HeaderEntry* e = on_best_ ? tree_.at_height(height) : tip_.ancestor(height);
    return Entry{e->time, e->bits};
  }

private:
  const HeaderTree& tree_;
  const HeaderEntry& tip_;
  bool on_best_;
};

} // namespace

wire::BlockHeader HeaderEntry::header() const {
  wire::BlockHeader h;
  h.version = version;
  if (prev) h.prev_block = *prev->hash;
  h.merkle_root = merkle_root;
  h.time = time;
  h.bits = bits;
  h.nonce = nonce;
  return h;
}

const HeaderEntry* HeaderEntry::ancestor(int target) const {
  if (target < 0 || target > height) return nullptr;
  const HeaderEntry* e = this;
  while (e->height > target) e = (e->skip && e->skip->height >= target) ? e->skip : e->prev;
  return e;
}

HeaderTree::HeaderTree(const consensus::ChainParams& params) : params_(params) {
  auto [it, inserted] = entries_.try_emplace(params.genesis_hash);
  HeaderEntry& g = it->second;
  const wire::BlockHeader& h = params.genesis.header;
  g.hash = &it->first;
  g.merkle_root = h.merkle_root;
  g.version = h.version;
  g.time = h.time;
  g.bits = h.bits;
  g.nonce = h.nonce;
  g.chain_work = proof(h.bits);
  g.sequence = next_sequence_++;
  best_chain_.push_back(&g);
}

const ArithU256& HeaderTree::proof(std::uint32_t bits) const {
  if (bits != cached_bits_ || cached_proof_.is_zero()) {
    cached_bits_ = bits;
    cached_proof_ = consensus::block_proof(bits);
  }
  return cached_proof_;
}

const HeaderEntry* HeaderTree::find(const Hash256& hash) const {
  auto it = entries_.find(hash);
  return it == entries_.end() ? nullptr : &it->second;
}

const HeaderEntry* HeaderTree::at_height(int height) const {
  if (height < 0 || height >= static_cast<int>(best_chain_.size())) return nullptr;
  return best_chain_[height];
}

bool HeaderTree::on_best_chain(const HeaderEntry& entry) const {
  return at_height(entry.height) == &entry;
}

std::expected<HeaderTree::Accepted, HeaderError> HeaderTree::accept(const wire::BlockHeader& header,
                                                                    std::int64_t now) {
  const Hash256 hash = wire::block_hash(header);
  if (auto it = entries_.find(hash); it != entries_.end()) {
    if (!it->second.valid()) return std::unexpected(it->second.failure);
    return Accepted{&it->second, false};
  }
  if (auto pow = consensus::check_header(hash, header, params_); !pow) return std::unexpected(pow.error());
  auto parent_it = entries_.find(header.prev_block);
  if (parent_it == entries_.end()) return std::unexpected(HeaderError::prev_blk_not_found);
  HeaderEntry& parent = parent_it->second;
  if (!parent.valid()) return std::unexpected(HeaderError::bad_prevblk);
  if (parent.height + 1 < last_checkpoint_height_)
    return std::unexpected(HeaderError::bad_fork_prior_to_checkpoint);

  auto contextual = consensus::check_header_contextual(hash, header, EntryAncestry(*this, parent),
                                                       parent.height, now, params_);
  if (!contextual) {
    // A header from the future may become valid later: not remembered as failed.
    if (contextual.error() == HeaderError::time_too_new) return std::unexpected(contextual.error());
    HeaderEntry& failed = insert(header, hash, parent);
    failed.status = kHeaderFailed;
    failed.failure = contextual.error();
    return std::unexpected(contextual.error());
  }
  HeaderEntry& entry = insert(header, hash, parent);
  consider_best(entry);
  return Accepted{&entry, true};
}

const HeaderEntry* HeaderTree::restore(const wire::BlockHeader& header, const Hash256& hash,
                                       HeaderStatus status, HeaderError failure) {
  if (auto it = entries_.find(hash); it != entries_.end()) return &it->second;
  auto parent_it = entries_.find(header.prev_block);
  if (parent_it == entries_.end()) return nullptr;
  HeaderEntry& entry = insert(header, hash, parent_it->second);
  entry.status = parent_it->second.valid() ? status : kHeaderFailed;
  entry.failure = parent_it->second.valid() ? failure : HeaderError::bad_prevblk;
  if (entry.valid()) consider_best(entry);
  return &entry;
}

HeaderEntry& HeaderTree::insert(const wire::BlockHeader& header, const Hash256& hash, HeaderEntry& parent) {
  auto [it, inserted] = entries_.try_emplace(hash);
  HeaderEntry& e = it->second;
  e.hash = &it->first;
  e.prev = &parent;
  e.height = parent.height + 1;
  e.skip = const_cast<HeaderEntry*>(parent.ancestor(skip_height(e.height)));
  e.merkle_root = header.merkle_root;
  e.version = header.version;
  e.time = header.time;
  e.bits = header.bits;
  e.nonce = header.nonce;
  e.chain_work = parent.chain_work + proof(header.bits);
  e.sequence = next_sequence_++;
  return e;
}

void HeaderTree::consider_best(HeaderEntry& entry) {
  for (const auto& checkpoint : params_.checkpoints) {
    if (checkpoint.height == entry.height && checkpoint.hash == *entry.hash)
      last_checkpoint_height_ = std::max(last_checkpoint_height_, entry.height);
  }
  if (!(entry.chain_work > best().chain_work)) return;
  // Walk back to where the new chain meets the old one, then replace the old chain's tail.
  std::vector<HeaderEntry*> branch;
  HeaderEntry* e = &entry;
  while (!on_best_chain(*e)) {
    branch.push_back(e);
    e = e->prev;
  }
  best_chain_.resize(e->height + 1);
  best_chain_.insert(best_chain_.end(), branch.rbegin(), branch.rend());
}

std::vector<Hash256> HeaderTree::locator(const HeaderEntry* from) const {
  if (!from) from = &best();
  std::vector<Hash256> hashes;
  int step = 1;
  for (const HeaderEntry* e = from; e;) {
    hashes.push_back(*e->hash);
    if (e->height == 0) break;
    if (hashes.size() >= 10) step *= 2;
    e = e->ancestor(std::max(e->height - step, 0));
  }
  return hashes;
}

const HeaderEntry& HeaderTree::find_fork(const std::vector<Hash256>& locator) const {
  for (const Hash256& hash : locator) {
    const HeaderEntry* e = find(hash);
    if (e && on_best_chain(*e)) return *e;
  }
  return genesis();
}

ArithU256 HeaderTree::storage_work_threshold() const {
  ArithU256 minimum = ArithU256::from_hash(params_.minimum_chain_work);
  ArithU256 slack = proof(best().bits) * static_cast<std::uint32_t>(kStorageWorkSlack);
  ArithU256 near_best = best().chain_work > slack ? best().chain_work - slack : ArithU256{};
  return std::max(minimum, near_best);
}

} // namespace peregrine::sync

namespace peregrine::sync {

void HeaderTree::set_data_pos(const HeaderEntry& entry, DataPos pos) {
  auto& e = const_cast<HeaderEntry&>(entry); // entries are the tree's own; callers see them const
  e.data_pos = pos;
  e.data_flags |= kHaveData;
}

void HeaderTree::set_undo_pos(const HeaderEntry& entry, DataPos pos) {
  auto& e = const_cast<HeaderEntry&>(entry);
  e.undo_pos = pos;
  e.data_flags |= kHaveUndo;
}

void HeaderTree::restore_data(const HeaderEntry& entry, std::uint8_t flags, DataPos data, DataPos undo) {
  auto& e = const_cast<HeaderEntry&>(entry);
  e.data_flags = flags;
  e.data_pos = data;
  e.undo_pos = undo;
}

void HeaderTree::clear_data(const HeaderEntry& entry, std::uint8_t flags) {
  const_cast<HeaderEntry&>(entry).data_flags &= static_cast<std::uint8_t>(~flags);
}

std::vector<const HeaderEntry*> HeaderTree::invalidate(const HeaderEntry& entry) {
  std::vector<const HeaderEntry*> changed;
  for (auto& [hash, e] : entries_) {
    if (!e.valid() || e.height < entry.height || e.ancestor(entry.height) != &entry) continue;
    e.status = kHeaderFailed;
    e.failure = consensus::HeaderError::invalid_block;
    changed.push_back(&e);
  }
  // Rare (a block that passed its header's proof of work yet broke a rule): a full scan is fine.
  HeaderEntry* best = best_chain_.front();
  for (auto& [hash, e] : entries_) {
    if (e.valid() && (e.chain_work > best->chain_work || (e.chain_work == best->chain_work && e.sequence < best->sequence)))
      best = &e;
  }
  best_chain_.clear();
  for (HeaderEntry* e = best; e; e = e->prev) best_chain_.push_back(e);
  std::reverse(best_chain_.begin(), best_chain_.end());
  return changed;
}

std::int64_t HeaderTree::median_time_past(const HeaderEntry& entry) const {
  return consensus::median_time_past(EntryAncestry(*this, entry), entry.height).value_or(entry.time);
}

} // namespace peregrine::sync
