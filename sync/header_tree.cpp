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

} // namespace

// Retargeting and median time past read the chain through this: O(1) on the best chain, skip
// pointers elsewhere. Its user holds the tree's lock.
class EntryAncestry final : public consensus::HeaderAncestry {
public:
  EntryAncestry(const HeaderTree& tree, const HeaderEntry& tip)
      : tree_(tree), tip_(tip), on_best_(tree.on_best_chain_locked(tip)) {}
  std::optional<Entry> at(int height) const override {
    if (height < 0 || height > tip_.height) return std::nullopt;
    const HeaderEntry* e = on_best_ ? tree_.at_height_locked(height) : tip_.ancestor(height);
    return Entry{e->time, e->bits};
  }

private:
  const HeaderTree& tree_;
  const HeaderEntry& tip_;
  bool on_best_;
};

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
  genesis_ = &g;
}

ArithU256 HeaderTree::proof(std::uint32_t bits) const {
  std::lock_guard lock(proof_mutex_);
  if (bits != cached_bits_ || cached_proof_.is_zero()) {
    cached_bits_ = bits;
    cached_proof_ = consensus::block_proof(bits);
  }
  return cached_proof_;
}

const HeaderEntry* HeaderTree::find_locked(const Hash256& hash) const {
  auto it = entries_.find(hash);
  return it == entries_.end() ? nullptr : &it->second;
}

const HeaderEntry* HeaderTree::find(const Hash256& hash) const {
  std::shared_lock lock(mutex_);
  return find_locked(hash);
}

const HeaderEntry* HeaderTree::at_height_locked(int height) const {
  if (height < 0 || height >= static_cast<int>(best_chain_.size())) return nullptr;
  return best_chain_[height];
}

const HeaderEntry* HeaderTree::at_height(int height) const {
  std::shared_lock lock(mutex_);
  return at_height_locked(height);
}

bool HeaderTree::on_best_chain(const HeaderEntry& entry) const {
  std::shared_lock lock(mutex_);
  return on_best_chain_locked(entry);
}

const HeaderEntry& HeaderTree::best() const {
  std::shared_lock lock(mutex_);
  return best_locked();
}

std::size_t HeaderTree::size() const {
  std::shared_lock lock(mutex_);
  return entries_.size();
}

std::expected<HeaderTree::Accepted, HeaderError> HeaderTree::accept(const wire::BlockHeader& header,
                                                                    std::int64_t now) {
  const Hash256 hash = wire::block_hash(header);
  std::unique_lock lock(mutex_);
  if (auto it = entries_.find(hash); it != entries_.end()) {
    if (!it->second.valid()) return std::unexpected(it->second.failure());
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
    failed.failure_.store(contextual.error(), std::memory_order_relaxed);
    failed.status_.store(kHeaderFailed, std::memory_order_release);
    return std::unexpected(contextual.error());
  }
  HeaderEntry& entry = insert(header, hash, parent);
  consider_best(entry);
  return Accepted{&entry, true};
}

const HeaderEntry* HeaderTree::restore(const wire::BlockHeader& header, const Hash256& hash,
                                       HeaderStatus status, HeaderError failure) {
  std::unique_lock lock(mutex_);
  if (auto it = entries_.find(hash); it != entries_.end()) return &it->second;
  auto parent_it = entries_.find(header.prev_block);
  if (parent_it == entries_.end()) return nullptr;
  HeaderEntry& entry = insert(header, hash, parent_it->second);
  entry.failure_.store(parent_it->second.valid() ? failure : HeaderError::bad_prevblk, std::memory_order_relaxed);
  entry.status_.store(parent_it->second.valid() ? status : kHeaderFailed, std::memory_order_release);
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
  if (!(entry.chain_work > best_locked().chain_work)) return;
  // Walk back to where the new chain meets the old one, then replace the old chain's tail.
  std::vector<HeaderEntry*> branch;
  HeaderEntry* e = &entry;
  while (!on_best_chain_locked(*e)) {
    branch.push_back(e);
    e = e->prev;
  }
  best_chain_.resize(e->height + 1);
  best_chain_.insert(best_chain_.end(), branch.rbegin(), branch.rend());
}

std::vector<Hash256> HeaderTree::locator(const HeaderEntry* from) const {
  if (!from) from = &best(); // entries never change their ancestors: the walk needs no lock
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
  std::shared_lock lock(mutex_);
  for (const Hash256& hash : locator) {
    const HeaderEntry* e = find_locked(hash);
    if (e && on_best_chain_locked(*e)) return *e;
  }
  return genesis();
}

ArithU256 HeaderTree::storage_work_threshold() const {
  const HeaderEntry& best_entry = best();
  ArithU256 minimum = ArithU256::from_hash(params_.minimum_chain_work);
  ArithU256 slack = proof(best_entry.bits) * static_cast<std::uint32_t>(kStorageWorkSlack);
  ArithU256 near_best = best_entry.chain_work > slack ? best_entry.chain_work - slack : ArithU256{};
  return std::max(minimum, near_best);
}

} // namespace peregrine::sync

namespace peregrine::sync {

void HeaderTree::set_data_pos(const HeaderEntry& entry, DataPos pos) {
  auto& e = const_cast<HeaderEntry&>(entry); // entries are the tree's own; callers see them const
  e.data_pos_.store(HeaderEntry::pack(pos), std::memory_order_relaxed);
  e.data_flags_.fetch_and(static_cast<std::uint8_t>(~kDataDurable), std::memory_order_relaxed);
  e.data_flags_.fetch_or(kHaveData, std::memory_order_release);
}

void HeaderTree::set_undo_pos(const HeaderEntry& entry, DataPos pos) {
  auto& e = const_cast<HeaderEntry&>(entry);
  e.undo_pos_.store(HeaderEntry::pack(pos), std::memory_order_relaxed);
  e.data_flags_.fetch_and(static_cast<std::uint8_t>(~kUndoDurable), std::memory_order_relaxed);
  e.data_flags_.fetch_or(kHaveUndo, std::memory_order_release);
}

void HeaderTree::restore_data(const HeaderEntry& entry, std::uint8_t flags, DataPos data, DataPos undo) {
  auto& e = const_cast<HeaderEntry&>(entry);
  e.data_pos_.store(HeaderEntry::pack(data), std::memory_order_relaxed);
  e.undo_pos_.store(HeaderEntry::pack(undo), std::memory_order_relaxed);
  flags &= kHaveData | kHaveUndo; // what the store recorded was durable
  e.data_flags_.store(static_cast<std::uint8_t>(flags | (flags & kHaveData ? kDataDurable : 0) |
                                                (flags & kHaveUndo ? kUndoDurable : 0)),
                      std::memory_order_release);
}

void HeaderTree::mark_durable(const HeaderEntry& entry) {
  auto& e = const_cast<HeaderEntry&>(entry);
  const std::uint8_t f = e.data_flags_.load(std::memory_order_relaxed);
  e.data_flags_.fetch_or(static_cast<std::uint8_t>((f & kHaveData ? kDataDurable : 0) | (f & kHaveUndo ? kUndoDurable : 0)),
                         std::memory_order_release);
}

void HeaderTree::clear_data(const HeaderEntry& entry, std::uint8_t flags) {
  if (flags & kHaveData) flags |= kDataDurable;
  if (flags & kHaveUndo) flags |= kUndoDurable;
  const_cast<HeaderEntry&>(entry).data_flags_.fetch_and(static_cast<std::uint8_t>(~flags), std::memory_order_release);
}

std::vector<const HeaderEntry*> HeaderTree::invalidate(const HeaderEntry& entry) {
  std::unique_lock lock(mutex_);
  std::vector<const HeaderEntry*> changed;
  for (auto& [hash, e] : entries_) {
    if (!e.valid() || e.height < entry.height || e.ancestor(entry.height) != &entry) continue;
    e.failure_.store(consensus::HeaderError::invalid_block, std::memory_order_relaxed);
    e.status_.store(kHeaderFailed, std::memory_order_release);
    changed.push_back(&e);
  }
  reselect_best_locked();
  return changed;
}

void HeaderTree::reselect_best_locked() {
  // Rare (a block that broke a rule, or the operator's say): a full scan is fine.
  auto better = [this](const HeaderEntry& a, const HeaderEntry& b) {
    if (a.chain_work != b.chain_work) return a.chain_work > b.chain_work;
    if (&a == precious_ || &b == precious_) return &a == precious_;
    return a.sequence < b.sequence;
  };
  HeaderEntry* best = best_chain_.front();
  for (auto& [hash, e] : entries_)
    if (e.valid() && better(e, *best)) best = &e;
  best_chain_.clear();
  for (HeaderEntry* e = best; e; e = e->prev) best_chain_.push_back(e);
  std::reverse(best_chain_.begin(), best_chain_.end());
}

std::vector<const HeaderEntry*> HeaderTree::reconsider(const HeaderEntry& entry) {
  using consensus::HeaderError;
  std::unique_lock lock(mutex_);
  std::vector<HeaderEntry*> related;
  for (auto& [hash, e] : entries_) {
    if (e.valid()) continue;
    const HeaderError why = e.failure();
    if (why != HeaderError::invalid_block && why != HeaderError::bad_prevblk) continue;
    const bool descendant = e.height >= entry.height && e.ancestor(entry.height) == &entry;
    const bool ancestor = e.height < entry.height && entry.ancestor(e.height) == &e;
    if (descendant || ancestor) related.push_back(&e);
  }
  // Parents first, so a child is only made valid under a valid parent.
  std::sort(related.begin(), related.end(), [](const HeaderEntry* a, const HeaderEntry* b) { return a->height < b->height; });
  std::vector<const HeaderEntry*> changed;
  for (HeaderEntry* e : related) {
    if (e->prev && !e->prev->valid()) continue;
    e->failure_.store(HeaderError{}, std::memory_order_relaxed);
    e->status_.store(kHeaderValid, std::memory_order_release);
    changed.push_back(e);
  }
  if (!changed.empty()) reselect_best_locked();
  return changed;
}

bool HeaderTree::prefer(const HeaderEntry& entry) {
  std::unique_lock lock(mutex_);
  if (!entry.valid()) return false;
  precious_ = &entry;
  const HeaderEntry* before = &best_locked();
  if (entry.chain_work != before->chain_work) return false; // more work wins anyway; less never
  reselect_best_locked();
  return &best_locked() != before;
}

std::int64_t HeaderTree::median_time_past_locked(const HeaderEntry& entry) const {
  return consensus::median_time_past(EntryAncestry(*this, entry), entry.height).value_or(entry.time);
}

std::int64_t HeaderTree::median_time_past(const HeaderEntry& entry) const {
  std::shared_lock lock(mutex_);
  return median_time_past_locked(entry);
}

} // namespace peregrine::sync
