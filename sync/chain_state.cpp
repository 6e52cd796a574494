#include "sync/chain_state.hpp"

#include <algorithm>

#include <fmt/format.h>

#include "consensus/block_inputs.hpp"
#include "consensus/script_flags_for_block.hpp"
#include "wire/codec.hpp"

namespace peregrine::sync {
namespace {

constexpr std::string_view kLog = "chain";
constexpr int kBip34ImpliesBip30Limit = 1'983'702; // Core: a BIP34 coinbase height could repeat from here

// The two mainnet blocks whose coinbases repeat earlier ones (Core's IsBIP30Repeat): BIP30 is not
// enforced for them. Identified by hash, so no other network can match.
bool is_bip30_repeat(const Hash256& hash) {
  static const Hash256 repeats[] = {
      *Hash256::from_hex("00000000000a4d0a398161ffc163c503763b1f4360639393e0e4c8e300e0caec"),
      *Hash256::from_hex("00000000000743f190a18c5577a3c2d2a1f610ae9601ac046a38084ccb7cd721"),
  };
  return std::find(std::begin(repeats), std::end(repeats), hash) != std::end(repeats);
}

// Outputs no one can spend never enter the UTXO set (Core's IsUnspendable).
bool unspendable(const Bytes& script) {
  return script.size() > 10'000 || (!script.empty() && script[0] == 0x6a);
}

std::string where(const HeaderEntry& e) { return fmt::format("block {} ({})", e.height, e.hash->to_hex()); }

} // namespace

ChainState::ChainState(HeaderTree& tree, HeaderStore& headers, BlockStore& blocks, UtxoDb& utxo, util::Logger& log,
                       ChainStateOptions options)
    : tree_(tree), headers_(headers), blocks_(blocks), utxo_(utxo), log_(log), options_(std::move(options)),
      params_(tree.params()), cache_(utxo), pool_(std::make_unique<util::ThreadPool>(options_.par)),
      tip_(&tree.genesis()) {
  if (!options_.assumevalid_block) options_.assumevalid_block = params_.assume_valid;
}

std::expected<void, std::string> ChainState::init() {
  // A database that has never been written holds the set of genesis alone (its coinbase is unspendable).
  if (utxo_.best_block().is_zero()) {
    tip_ = &tree_.genesis();
    return {};
  }
  const HeaderEntry* entry = tree_.find(utxo_.best_block());
  if (!entry || !entry->valid())
    return std::unexpected(fmt::format("the UTXO database is at block {}, which the header store {}: rebuild the "
                                       "datadir (import its block files again)",
                                       utxo_.best_block().to_hex(), entry ? "marks invalid" : "does not know"));
  tip_ = entry;
  return {};
}

std::expected<wire::Block, std::string> ChainState::read_block(const HeaderEntry& entry) const {
  auto raw = blocks_.read_block(BlockPos{entry.data_pos.file, entry.data_pos.offset});
  if (!raw) return std::unexpected(raw.error());
  auto block = wire::from_bytes<wire::Block>(*raw);
  if (!block || wire::block_hash(block->header) != *entry.hash)
    return std::unexpected(fmt::format("the block store's copy of {} is corrupt", where(entry)));
  return std::move(*block);
}

std::expected<void, std::string> ChainState::process_block(const wire::Block& block, ByteSpan raw,
                                                           consensus::HeaderError* header_error) {
  auto accepted = tree_.accept(block.header, std::chrono::duration_cast<std::chrono::seconds>(
                                                 std::chrono::system_clock::now().time_since_epoch())
                                                 .count());
  if (!accepted) {
    if (header_error) *header_error = accepted.error();
    if (accepted.error() != consensus::HeaderError::prev_blk_not_found) {
      const HeaderEntry* parent = tree_.find(block.header.prev_block);
      invalid_.push_back({parent ? parent->height + 1 : -1, wire::block_hash(block.header),
                          std::string(consensus::to_string(accepted.error()))});
    }
    return {};
  }
  const HeaderEntry& entry = *accepted->entry;
  if (!entry.have_data()) {
    auto pos = blocks_.write_block(raw);
    if (!pos) return std::unexpected(pos.error());
    tree_.set_data_pos(entry, DataPos{pos->file, pos->offset});
    const HeaderEntry* changed[] = {&entry};
    if (auto w = headers_.write(changed); !w) return w;
  }
  return activate_best_chain();
}

std::expected<void, std::string> ChainState::activate_best_chain() {
  while (true) {
    const HeaderEntry& target = tree_.best();
    // Back to where the tip's chain meets the best one, then forward through stored blocks.
    while (target.ancestor(tip_->height) != tip_) {
      if (auto d = disconnect_tip(); !d) return d;
    }
    if (tip_ == &target) return maybe_flush();
    const HeaderEntry* next = target.ancestor(tip_->height + 1);
    if (!next->have_data()) return maybe_flush(); // wait for the block
    auto step = connect(*next);
    if (!step) return std::unexpected(step.error());
    if (auto f = maybe_flush(); !f) return f;
    // After an invalid block the best header changed: loop to the new target.
  }
}

bool ChainState::skip_scripts(const HeaderEntry& entry) const {
  if (!options_.assumevalid || !options_.assumevalid_block || options_.assumevalid_block->is_zero()) return false;
  const HeaderEntry* assumed = tree_.find(*options_.assumevalid_block);
  if (!assumed || !assumed->valid() || assumed->ancestor(entry.height) != &entry) return false;
  // Only on a chain with the minimum chain work: a peer cannot make a low-work chain skip scripts.
  return !(tree_.best().chain_work < consensus::ArithU256::from_hash(params_.minimum_chain_work));
}

void ChainState::mark_invalid(const HeaderEntry& entry, std::string reason) {
  log_.warn(kLog, "{} is invalid: {}", where(entry), reason);
  invalid_.push_back({entry.height, *entry.hash, std::move(reason)});
  auto changed = tree_.invalidate(entry);
  if (auto w = headers_.write(changed); !w) log_.error(kLog, "{}", w.error());
}

std::expected<ChainState::Step, std::string> ChainState::connect(const HeaderEntry& entry) {
  auto loaded = read_block(entry);
  if (!loaded) return std::unexpected(loaded.error());
  const wire::Block& block = *loaded;
  const int height = entry.height;

  if (auto r = consensus::check_block(block, params_, false); !r) {
    mark_invalid(entry, r.error().reason());
    return Step::invalid;
  }
  const std::int64_t prev_mtp = tree_.median_time_past(*entry.prev);
  if (auto r = consensus::check_block_contextual(block, {height, prev_mtp}, params_); !r) {
    mark_invalid(entry, r.error().reason());
    return Step::invalid;
  }

  const HeaderEntry* bip34 = entry.ancestor(params_.bip34_height);
  const bool bip34_implies_bip30 = bip34 && *bip34->hash == params_.bip34_hash && height < kBip34ImpliesBip30Limit;
  const bool repeat = is_bip30_repeat(*entry.hash);
  if (!repeat && !bip34_implies_bip30) {
    for (const auto& tx : block.txs) {
      const Hash256 txid = wire::txid(tx);
      for (std::uint32_t i = 0; i < tx.outputs.size(); ++i) {
        auto existing = cache_.fetch({txid, i});
        if (!existing) return std::unexpected(existing.error());
        if (*existing) {
          mark_invalid(entry, "bad-txns-BIP30");
          return Step::invalid;
        }
      }
    }
  }

  // Apply to the cache in block order (a transaction may spend an earlier one's outputs), keeping
  // the undo data; then judge the block with the coins it spent, and undo it if it fails.
  BlockUndo undo;
  std::vector<consensus::SpentCoin> coins;
  std::size_t applied = 0;
  std::string missing;
  for (const auto& tx : block.txs) {
    const bool coinbase = tx.is_coinbase();
    if (!coinbase) {
      undo.txs.emplace_back();
      for (const auto& in : tx.inputs) {
        auto spent = cache_.spend(in.prevout);
        if (!spent) return std::unexpected(spent.error());
        if (!*spent) {
          missing = "bad-txns-inputs-missingorspent";
          break;
        }
        coins.push_back({(*spent)->output, (*spent)->coinbase, (*spent)->height});
        undo.txs.back().push_back(std::move(**spent));
      }
      if (!missing.empty()) {
        // Restore this transaction's spends too: unapply expects whole transactions.
        const auto& partial = undo.txs.back();
        for (std::size_t k = partial.size(); k-- > 0;) cache_.add(tx.inputs[k].prevout, partial[k]);
        undo.txs.pop_back();
        break;
      }
    }
    const Hash256 txid = wire::txid(tx);
    for (std::uint32_t i = 0; i < tx.outputs.size(); ++i) {
      if (unspendable(tx.outputs[i].script_pubkey)) continue;
      cache_.add({txid, i}, consensus::Coin{tx.outputs[i], height, coinbase}, coinbase);
    }
    ++applied;
  }

  std::string failure = missing;
  if (failure.empty()) {
    auto flags = consensus::script_flags_for_block(params_, height, *entry.hash);
    if (!flags) return std::unexpected(flags.error());
    consensus::InputsContext ctx;
    ctx.height = height;
    ctx.prev_median_time_past = prev_mtp;
    ctx.median_time_past_at = [&](int h) { return tree_.median_time_past(*entry.ancestor(h)); };
    ctx.flags = *flags;
    ctx.check_scripts = !skip_scripts(entry);
    ctx.pool = pool_.get();
    if (!ctx.check_scripts) ++stats_.scripts_skipped_blocks;
    auto checked = consensus::check_block_inputs(block, coins, ctx, params_);
    if (!checked) failure = checked.error().reason();
  }
  if (!failure.empty()) {
    if (auto u = unapply(block, undo, applied); !u) return std::unexpected(u.error());
    mark_invalid(entry, failure);
    return Step::invalid;
  }

  auto pos = blocks_.write_undo(encode_undo(undo), *entry.prev->hash); // Core checksums with the parent's hash
  if (!pos) return std::unexpected(pos.error());
  tree_.set_undo_pos(entry, DataPos{pos->file, pos->offset});
  const HeaderEntry* changed[] = {&entry};
  if (auto w = headers_.write(changed); !w) return std::unexpected(w.error());
  tip_ = &entry;
  ++stats_.blocks_connected;
  stats_.transactions += block.txs.size();
  stats_.inputs += coins.size();
  return Step::connected;
}

std::expected<void, std::string> ChainState::unapply(const wire::Block& block, const BlockUndo& undo,
                                                     std::size_t tx_count) {
  std::size_t undo_index = 0;
  for (std::size_t t = 0; t < tx_count; ++t) undo_index += !block.txs[t].is_coinbase();
  for (std::size_t t = tx_count; t-- > 0;) {
    const auto& tx = block.txs[t];
    const Hash256 txid = wire::txid(tx);
    for (std::uint32_t i = static_cast<std::uint32_t>(tx.outputs.size()); i-- > 0;) {
      if (unspendable(tx.outputs[i].script_pubkey)) continue;
      auto removed = cache_.spend({txid, i});
      if (!removed) return std::unexpected(removed.error());
      if (!*removed)
        return std::unexpected(fmt::format("UTXO set inconsistent: output {}:{} to disconnect is missing", txid.to_hex(), i));
    }
    if (tx.is_coinbase()) continue;
    const auto& spent = undo.txs.at(--undo_index);
    if (spent.size() != tx.inputs.size())
      return std::unexpected(fmt::format("undo data of transaction {} does not match it", txid.to_hex()));
    for (std::size_t k = tx.inputs.size(); k-- > 0;) cache_.add(tx.inputs[k].prevout, spent[k]);
  }
  return {};
}

std::expected<void, std::string> ChainState::disconnect_tip() {
  const HeaderEntry& entry = *tip_;
  if (!entry.prev) return std::unexpected("cannot disconnect the genesis block");
  if (!entry.have_undo()) return std::unexpected(fmt::format("no undo data for {}", where(entry)));
  auto block = read_block(entry);
  if (!block) return std::unexpected(block.error());
  auto raw_undo = blocks_.read_undo(BlockPos{entry.undo_pos.file, entry.undo_pos.offset}, *entry.prev->hash);
  if (!raw_undo) return std::unexpected(raw_undo.error());
  auto undo = decode_undo(*raw_undo);
  if (!undo) return std::unexpected(fmt::format("undo data of {} does not decode", where(entry)));
  if (auto u = unapply(*block, *undo, block->txs.size()); !u) return u;
  tip_ = entry.prev;
  ++stats_.blocks_disconnected;
  log_.info(kLog, "disconnected {}", where(entry));
  return {};
}

std::expected<void, std::string> ChainState::maybe_flush() {
  if (cache_.memory_usage() > options_.dbcache_bytes ||
      std::chrono::steady_clock::now() - last_flush_ > options_.flush_interval)
    return flush();
  return {};
}

std::expected<void, std::string> ChainState::flush() {
  // Order matters: the database may only name a block whose data, undo and header are on disk.
  if (auto s = blocks_.sync(); !s) return s;
  if (auto s = headers_.sync(); !s) return s;
  if (auto f = cache_.flush(*tip_->hash); !f) return f;
  last_flush_ = std::chrono::steady_clock::now();
  ++stats_.flushes;
  return {};
}

} // namespace peregrine::sync
