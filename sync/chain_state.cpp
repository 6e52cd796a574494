#include "sync/chain_state.hpp"

#include <algorithm>
#include <utility>
#include <set>

#include <fmt/format.h>

#include "consensus/block_inputs.hpp"
#include "consensus/pow.hpp"
#include "consensus/script_flags_for_block.hpp"
#include "util/stopwatch.hpp"
#include "wire/codec.hpp"

namespace peregrine::sync {
namespace {

using util::Stopwatch;
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

// Core: assumevalid skips scripts only of blocks this far (in work) behind the best header.
constexpr std::int64_t kAssumeValidMinimumLead = 60 * 60 * 24 * 7 * 2;
// Flushes of at least this many cache entries are logged.
constexpr std::size_t kLoggedFlushCoins = 10'000;
// Core's MIN_BLOCKS_TO_KEEP: --prune keeps the data and undo data of this many blocks below the tip.
constexpr int kMinBlocksToKeep = 288;

void note_top(std::map<std::uint32_t, int>& tops, std::uint32_t file, int height) {
  auto [it, added] = tops.try_emplace(file, height);
  if (!added) it->second = std::max(it->second, height);
}

std::string where(const HeaderEntry& e) { return fmt::format("block {} ({})", e.height, e.hash->to_hex()); }

} // namespace

std::size_t ReceivedBlock::memory_bytes() const {
  // Decoded, a block takes about three times its serialized size (a vector per script and witness
  // item, and the transactions' own structs): a measured rule of thumb, not an exact count.
  constexpr std::size_t kDecodedFactor = 3;
  return raw.capacity() + (block ? kDecodedFactor * wire::serialized_size(*block) : 0);
}

ChainState::ChainState(HeaderTree& tree, HeaderStore& headers, BlockStore& blocks, UtxoDb& utxo, util::Logger& log,
                       ChainStateOptions options)
    : tree_(tree), headers_(headers), blocks_(blocks), utxo_(utxo), log_(log), options_(std::move(options)),
      params_(tree.params()), cache_(utxo), prefetcher_(utxo, options_.prefetch_threads), pool_(std::make_unique<util::ThreadPool>(options_.par)),
      checker_(std::make_unique<ScriptChecker>(*pool_)), tip_(&tree.genesis()) {
  if (!options_.assumevalid_block) options_.assumevalid_block = params_.assume_valid;
}

std::expected<void, std::string> ChainState::init() {
  tree_.for_each([&](const HeaderEntry& e) {
    if (e.have_data()) note_top(block_file_top_, e.data_pos().file, e.height);
    if (e.have_undo()) note_top(undo_file_top_, e.undo_pos().file, e.height);
  });
  // A snapshot loaded into this database (RPC loadtxoutset) and cut short: its coins are no
  // block's set. Back to empty, as the load had never begun.
  if (const auto& unfinished = utxo_.unfinished_flush(); unfinished && utxo_.snapshot_base() == unfinished->to) {
    log_.warn(kLog, "a UTXO snapshot load toward block {} was interrupted: the chainstate is emptied",
              unfinished->to.to_hex());
    if (auto w = utxo_.wipe(); !w) return w;
    tip_ = &tree_.genesis();
    chain_tx_ = 1;
    return {};
  }
  // A database that has never been written holds the set of genesis alone (its coinbase is unspendable).
  if (utxo_.best_block().is_zero()) {
    tip_ = &tree_.genesis();
    chain_tx_ = 1;
    if (const auto& unfinished = utxo_.unfinished_flush()) return replay_flush(*unfinished);
    return {};
  }
  const HeaderEntry* entry = tree_.find(utxo_.best_block());
  if (!entry || !entry->valid())
    return std::unexpected(fmt::format("the UTXO database is at block {}, which the header store {}: "
                                       "`peregrine sync --reindex-chainstate` rebuilds the UTXO set from the block "
                                       "files (`--reindex` the block index too)",
                                       utxo_.best_block().to_hex(), entry ? "marks invalid" : "does not know"));
  tip_ = entry;
  chain_tx_ = utxo_.chain_tx();
  if (const auto& unfinished = utxo_.unfinished_flush()) return replay_flush(*unfinished);
  return {};
}

std::expected<wire::Block, std::string> ChainState::read_block(const HeaderEntry& entry) const {
  auto raw = blocks_.read_block(BlockPos{entry.data_pos().file, entry.data_pos().offset});
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
  ReceivedBlock received;
  received.entry = accepted->entry;
  received.block = std::make_shared<const wire::Block>(block);
  received.raw.assign(raw.begin(), raw.end());
  return process_block(std::move(received));
}

// A store that failed once (a full disk, an I/O error) fails every later call with the first
// error: nothing is retried, and the cache, which may hold blocks whose undo was never written,
// is never flushed over the last durable state (a restart resumes from there).
std::expected<void, std::string> ChainState::guarded(std::expected<void, std::string> result) {
  if (!result && store_failure_.empty()) store_failure_ = result.error();
  return result;
}

std::expected<void, std::string> ChainState::process_block(ReceivedBlock received) {
  if (!store_failure_.empty()) return std::unexpected(store_failure_);
  return guarded(process_block_unguarded(std::move(received)));
}

std::expected<void, std::string> ChainState::activate_best_chain() {
  if (!store_failure_.empty()) return std::unexpected(store_failure_);
  return guarded(activate_best_chain_unguarded());
}

std::expected<void, std::string> ChainState::wait_for_checks() {
  if (!store_failure_.empty()) return std::unexpected(store_failure_);
  return guarded(wait_for_checks_unguarded());
}

std::expected<void, std::string> ChainState::flush(CoinsCache::Keep keep) {
  if (!store_failure_.empty()) return std::unexpected(store_failure_);
  return guarded(flush_unguarded(keep));
}

std::expected<void, std::string> ChainState::process_block_unguarded(ReceivedBlock received) {
  const HeaderEntry& entry = *received.entry;
  // When pruning, a block connected already is not stored again: it was pruned.
  const bool connected = tip_->ancestor(entry.height) == &entry;
  if (!entry.have_data() && !(connected && options_.prune_target_bytes != 0)) {
    const Stopwatch timer;
    if (received.raw.empty()) received.raw = wire::to_bytes(*received.block);
    auto pos = blocks_.write_block(received.raw);
    if (!pos) return std::unexpected(pos.error());
    tree_.set_data_pos(entry, DataPos{pos->file, pos->offset});
    note_top(block_file_top_, pos->file, entry.height);
    // The header is recorded now (import learns headers from blocks), its position once durable.
    const HeaderEntry* changed[] = {&entry};
    if (auto w = headers_.write(changed); !w) return w;
    awaiting_fsync_.push_back(&entry);
    stats_.time.block_write += timer.elapsed();
  }
  Bytes().swap(received.raw); // stored: only the decoded block is needed now
  if (!connected && !parked_.contains(&entry)) {
    parked_bytes_ += received.memory_bytes();
    parked_.emplace(&entry, std::move(received));
  }
  auto activated = activate_best_chain();
  trim_parked();
  return activated;
}

void ChainState::trim_parked() {
  // Blocks at or below the tip were connected or lost to another branch: reading them back is
  // cheaper than keeping every fork. Above the budget, the highest go first (needed last).
  const int tip_height = applied_tip().height;
  for (auto it = parked_.begin(); it != parked_.end();) {
    if (it->first->height > tip_height) {
      ++it;
      continue;
    }
    parked_bytes_ -= it->second.memory_bytes();
    it = parked_.erase(it);
  }
  while (parked_bytes_ > options_.parked_bytes) {
    auto highest = std::max_element(parked_.begin(), parked_.end(),
                                    [](const auto& a, const auto& b) { return a.first->height < b.first->height; });
    parked_bytes_ -= highest->second.memory_bytes();
    parked_.erase(highest);
  }
}

std::expected<ReceivedBlock, std::string> ChainState::take_block(const HeaderEntry& entry) {
  if (auto it = parked_.find(&entry); it != parked_.end()) {
    ReceivedBlock taken = std::move(it->second);
    parked_bytes_ -= taken.memory_bytes();
    parked_.erase(it);
    return taken;
  }
  auto loaded = read_block(entry);
  if (!loaded) return std::unexpected(loaded.error());
  ReceivedBlock read;
  read.entry = &entry;
  read.block = std::make_shared<const wire::Block>(std::move(*loaded));
  return read;
}

void ChainState::prefetch(std::span<const ReceivedBlock> upcoming) {
  if (!prefetcher_.enabled()) return;
  std::unordered_set<Hash256> created; // outputs of these blocks are nowhere to be read yet
  std::vector<wire::OutPoint> wanted;
  for (const ReceivedBlock& received : upcoming) {
    const auto& txs = received.block->txs;
    for (std::size_t t = 0; t < txs.size(); ++t) {
      if (t > 0)
        for (const auto& in : txs[t].inputs)
          if (!created.contains(in.prevout.txid) && !cache_.cached(in.prevout)) wanted.push_back(in.prevout);
      if (received.txids.size() == txs.size()) created.insert(received.txids[t]);
    }
  }
  prefetcher_.request(std::move(wanted));
}

std::expected<void, std::string> ChainState::activate_best_chain_unguarded() {
  while (true) {
    if (auto s = settle(Wait::none); !s) return std::unexpected(s.error());
    const HeaderEntry& target = tree_.best();
    const HeaderEntry& at = applied_tip();
    if (target.ancestor(at.height) != &at) {
      // Off the best chain: settle what is under way, then disconnect back to where they meet.
      if (!pending_.empty()) {
        if (auto s = settle(Wait::all); !s) return std::unexpected(s.error());
      } else if (auto d = disconnect_tip(); !d) {
        return d;
      }
      continue;
    }
    if (&at == &target) return maybe_flush();
    const HeaderEntry* next = target.ancestor(at.height + 1);
    // Wait for the block; or for the tree's owner to invalidate a block found invalid here.
    if (!next->have_data() || failed(*next)) return maybe_flush();
    if (pending_.size() >= std::max<std::size_t>(options_.script_lookahead, 1) ||
        pending_bytes_ >= options_.script_lookahead_bytes) {
      if (auto s = settle(Wait::front); !s) return std::unexpected(s.error());
      continue;
    }
    if (auto c = connect(*next); !c) return std::unexpected(c.error());
    if (auto f = maybe_flush(); !f) return f;
    // After an invalid block the best header changed: the loop goes to the new target.
  }
}

std::expected<void, std::string> ChainState::wait_for_checks_unguarded() {
  while (!pending_.empty()) {
    auto settled = settle(Wait::all);
    if (!settled) return std::unexpected(settled.error());
    // A failed block moved the best chain: connect toward it (which may queue checks again).
    if (!*settled)
      if (auto a = activate_best_chain(); !a) return a;
  }
  return {};
}

bool ChainState::skip_scripts(const HeaderEntry& entry) const {
  if (!options_.assumevalid || !options_.assumevalid_block || options_.assumevalid_block->is_zero()) return false;
  const HeaderEntry* assumed = tree_.find(*options_.assumevalid_block);
  if (!assumed || !assumed->valid() || assumed->ancestor(entry.height) != &entry) return false;
  // Core's conditions: the assumed block is on the best header chain, that chain has the minimum
  // chain work, and it is at least two weeks of work past this block, so a peer can neither make a
  // low-work chain skip scripts nor hide a bad block just behind the assumed one.
  const HeaderEntry& best = tree_.best();
  if (best.ancestor(assumed->height) != assumed) return false;
  if (best.chain_work < consensus::ArithU256::from_hash(params_.minimum_chain_work)) return false;
  return consensus::proof_equivalent_time(best.chain_work, entry.chain_work, best.bits, params_.pow_target_spacing) >
         kAssumeValidMinimumLead;
}

void ChainState::mark_invalid(const HeaderEntry& entry, std::string reason) {
  log_.warn(kLog, "{} is invalid: {}", where(entry), reason);
  invalid_.push_back({entry.height, *entry.hash, std::move(reason)});
  if (defer_invalidation) {
    failed_.insert(&entry);
    defer_invalidation(entry);
    return;
  }
  auto changed = tree_.invalidate(entry);
  if (auto w = headers_.write(changed); !w) log_.error(kLog, "{}", w.error());
}

std::expected<bool, std::string> ChainState::connect(const HeaderEntry& entry) {
  auto taken = take_block(entry);
  if (!taken) return std::unexpected(taken.error());
  const std::shared_ptr<const wire::Block> shared = std::move(taken->block);
  const wire::Block& block = *shared;
  const int height = entry.height;
  std::vector<Hash256> txids = std::move(taken->txids);
  if (txids.size() != block.txs.size()) {
    txids.clear();
    txids.reserve(block.txs.size());
    for (const auto& tx : block.txs) txids.push_back(wire::txid(tx));
  }

  BlockTrace trace;
  trace.height = height;
  trace.hash = *entry.hash;
  trace.bytes = wire::serialized_size(block);
  trace.txs = block.txs.size();
  Stopwatch timer;
  if (auto r = consensus::check_block(block, params_, false, txids); !r) {
    mark_invalid(entry, r.error().detail());
    return false;
  }
  const std::int64_t prev_mtp = tree_.median_time_past(*entry.prev);
  if (auto r = consensus::check_block_contextual(block, {height, prev_mtp, taken->witness_checked}, params_); !r) {
    mark_invalid(entry, r.error().reason());
    return false;
  }
  trace.block_check = timer.restart();
  prefetcher_.deliver(cache_); // coins read ahead: lookups below find them in memory
  const CoinsCache::Lookups lookups_before = cache_.lookups();

  const HeaderEntry* bip34 = entry.ancestor(params_.bip34_height);
  const bool bip34_implies_bip30 = bip34 && *bip34->hash == params_.bip34_hash && height < kBip34ImpliesBip30Limit;
  if (!is_bip30_repeat(*entry.hash) && !bip34_implies_bip30) {
    for (std::size_t t = 0; t < block.txs.size(); ++t) {
      for (std::uint32_t i = 0; i < block.txs[t].outputs.size(); ++i) {
        auto existing = cache_.have({txids[t], i});
        if (!existing) return std::unexpected(existing.error());
        if (*existing) {
          mark_invalid(entry, "bad-txns-BIP30");
          return false;
        }
      }
    }
    trace.bip30_probes = cache_.lookups().misses - lookups_before.misses;
  }

  // Apply to the cache in block order (a transaction may spend an earlier one's outputs), keeping
  // the coins spent; then judge the block with them, and undo it if it fails.
  std::vector<consensus::Coin> coins;
  std::size_t applied = 0;
  std::string failure;
  for (std::size_t t = 0; t < block.txs.size() && failure.empty(); ++t) {
    const auto& tx = block.txs[t];
    const bool coinbase = tx.is_coinbase();
    if (!coinbase) {
      const std::size_t first = coins.size();
      for (const auto& in : tx.inputs) {
        auto spent = cache_.spend(in.prevout);
        if (!spent) return std::unexpected(spent.error());
        if (!*spent) {
          failure = "bad-txns-inputs-missingorspent";
          break;
        }
        coins.push_back(std::move(**spent));
      }
      if (!failure.empty()) {
        // Restore this transaction's spends too: unapply takes whole transactions.
        for (std::size_t k = coins.size(); k-- > first;) cache_.add(tx.inputs[k - first].prevout, coins[k]);
        coins.resize(first);
        break;
      }
    }
    for (std::uint32_t i = 0; i < tx.outputs.size(); ++i) {
      if (consensus::is_unspendable(tx.outputs[i].script_pubkey)) continue;
      cache_.add({txids[t], i}, tx.outputs[i], height, coinbase, coinbase);
    }
    ++applied;
  }

  const CoinsCache::Lookups& lookups = cache_.lookups();
  trace.coin_hits = lookups.hits - lookups_before.hits;
  trace.coin_misses = lookups.misses - lookups_before.misses;
  trace.coins_miss = lookups.miss_time - lookups_before.miss_time;
  trace.coins_hit = timer.restart() - trace.coins_miss;

  consensus::InputsResult checked;
  auto flags = consensus::script_flags_for_block(params_, height, *entry.hash);
  if (!flags) return std::unexpected(flags.error());
  if (failure.empty()) {
    consensus::InputsContext ctx;
    ctx.height = height;
    ctx.prev_median_time_past = prev_mtp;
    ctx.median_time_past_at = [&](int h) { return tree_.median_time_past(*entry.ancestor(h)); };
    ctx.flags = *flags;
    ctx.check_scripts = false; // below, in the background
    auto result = consensus::check_block_inputs(block, coins, ctx, params_);
    if (result) checked = std::move(*result);
    else failure = result.error().reason();
  }

  trace.block_check += timer.elapsed();
  trace.inputs = coins.size();
  // The coins spent, per transaction: the undo data.
  Pending pending{&entry, shared, {}, coins.size(), std::nullopt, trace};
  std::size_t at = 0;
  for (std::size_t t = 0; t < applied; ++t) {
    if (block.txs[t].is_coinbase()) continue;
    const std::size_t n = block.txs[t].inputs.size();
    pending.undo.txs.emplace_back(std::make_move_iterator(coins.begin() + static_cast<std::ptrdiff_t>(at)),
                                  std::make_move_iterator(coins.begin() + static_cast<std::ptrdiff_t>(at + n)));
    at += n;
  }
  if (!failure.empty()) {
    if (auto u = unapply(block, pending.undo, applied); !u) return std::unexpected(u.error());
    mark_invalid(entry, failure);
    return false;
  }
  // Decoded block (about three times its size) and, per input, its undo coin and spent output.
  constexpr std::size_t kBytesPerSpentCoin = 160;
  pending.memory = 3 * trace.bytes + trace.inputs * kBytesPerSpentCoin;
  if (skip_scripts(entry)) ++stats_.scripts_skipped_blocks;
  else if (!checked.spent.empty()) pending.scripts = checker_->submit(shared, std::move(checked.spent), *flags);
  pending_bytes_ += pending.memory;
  pending_.push_back(std::move(pending));
  return true;
}

std::expected<bool, std::string> ChainState::settle(Wait wait) {
  while (!pending_.empty()) {
    Pending& front = pending_.front();
    if (front.scripts) {
      if (wait == Wait::none && front.scripts->wait_for(std::chrono::seconds(0)) != std::future_status::ready)
        return true;
      ScriptVerdict verdict;
      const Stopwatch timer;
      try {
        // Taken once: a failed commit below must not leave a future to be read again.
        ScriptOutcome outcome = std::exchange(front.scripts, std::nullopt)->get();
        verdict = std::move(outcome.verdict);
        front.trace.script_cpu = outcome.time;
        front.trace.script_wait = timer.elapsed();
      } catch (const std::exception& e) {
        return std::unexpected(fmt::format("script checks of {} stopped: {}", where(*front.entry), e.what()));
      }
      if (verdict) {
        // Back to the failed block's parent: the blocks applied after it first, newest first.
        for (auto it = pending_.rbegin(); it != pending_.rend(); ++it)
          if (auto u = unapply(*it->block, it->undo, it->block->txs.size()); !u) return std::unexpected(u.error());
        const HeaderEntry& bad = *front.entry;
        pending_.clear(); // the checker may still check the later ones: it owns what it reads
        pending_bytes_ = 0;
        mark_invalid(bad, verdict->reason());
        return false;
      }
    }
    if (auto c = commit(front); !c) return std::unexpected(c.error());
    pending_bytes_ -= front.memory;
    pending_.pop_front();
    if (wait == Wait::front) wait = Wait::none;
  }
  return true;
}

std::expected<void, std::string> ChainState::commit(Pending& pending) {
  const HeaderEntry& entry = *pending.entry;
  const Stopwatch timer;
  auto pos = blocks_.write_undo(encode_undo(pending.undo), *entry.prev->hash); // Core checksums with the parent's hash
  if (!pos) return std::unexpected(pos.error());
  tree_.set_undo_pos(entry, DataPos{pos->file, pos->offset});
  note_top(undo_file_top_, pos->file, entry.height);
  awaiting_fsync_.push_back(&entry);
  tip_ = &entry;
  ++stats_.blocks_connected;
  stats_.transactions += pending.block->txs.size();
  if (chain_tx_ != 0) chain_tx_ += pending.block->txs.size();
  stats_.inputs += pending.inputs;
  pending.trace.undo_write = timer.elapsed();
  ChainTimings& t = stats_.time;
  t.block_check += pending.trace.block_check;
  t.coins_hit += pending.trace.coins_hit;
  t.coins_miss += pending.trace.coins_miss;
  t.coin_hits += pending.trace.coin_hits;
  t.coin_misses += pending.trace.coin_misses;
  t.bip30_probes += pending.trace.bip30_probes;
  t.script_cpu += pending.trace.script_cpu;
  t.script_wait += pending.trace.script_wait;
  t.undo_write += pending.trace.undo_write;
  emit_trace();
  last_trace_ = pending.trace;
  return {};
}

void ChainState::emit_trace() {
  if (last_trace_ && on_block_traced) on_block_traced(*last_trace_);
  last_trace_.reset();
}

std::expected<BlockUndo, std::string> ChainState::read_undo(const HeaderEntry& entry) const {
  if (!entry.prev || !entry.have_undo()) return std::unexpected(fmt::format("no undo data for {} (pruned?)", where(entry)));
  auto raw = blocks_.read_undo(BlockPos{entry.undo_pos().file, entry.undo_pos().offset}, *entry.prev->hash);
  // Undo data is written anew when blocks are connected again from genesis.
  constexpr std::string_view kRebuild = "if the undo file is damaged, `peregrine sync --reindex-chainstate` rebuilds "
                                        "the UTXO set and the undo data from the block files";
  if (!raw) return std::unexpected(fmt::format("{}; {}", raw.error(), kRebuild));
  auto undo = decode_undo(*raw);
  if (!undo) return std::unexpected(fmt::format("undo data of {} does not decode; {}", where(entry), kRebuild));
  return std::move(*undo);
}

std::expected<void, std::string> ChainState::unapply(const wire::Block& block, const BlockUndo& undo,
                                                     std::size_t tx_count, bool replay) {
  std::size_t undo_index = 0;
  for (std::size_t t = 0; t < tx_count; ++t) undo_index += !block.txs[t].is_coinbase();
  for (std::size_t t = tx_count; t-- > 0;) {
    const auto& tx = block.txs[t];
    const Hash256 txid = wire::txid(tx);
    for (std::uint32_t i = static_cast<std::uint32_t>(tx.outputs.size()); i-- > 0;) {
      if (consensus::is_unspendable(tx.outputs[i].script_pubkey)) continue;
      auto removed = cache_.spend({txid, i});
      if (!removed) return std::unexpected(removed.error());
      if (!*removed && !replay)
        return std::unexpected(fmt::format("UTXO set inconsistent: output {}:{} to disconnect is missing", txid.to_hex(), i));
    }
    if (tx.is_coinbase()) continue;
    const auto& spent = undo.txs.at(--undo_index);
    if (spent.size() != tx.inputs.size())
      return std::unexpected(fmt::format("undo data of transaction {} does not match it", txid.to_hex()));
    // In a replay the database may hold the coin already: it must be written over, not taken as new.
    for (std::size_t k = tx.inputs.size(); k-- > 0;) cache_.add(tx.inputs[k].prevout, spent[k], replay);
  }
  return {};
}

std::expected<void, std::string> ChainState::disconnect_tip() {
  const HeaderEntry& entry = *tip_;
  if (!entry.prev) return std::unexpected("cannot disconnect the genesis block");
  auto block = read_block(entry);
  if (!block) return std::unexpected(block.error());
  auto undo = read_undo(entry);
  if (!undo) return std::unexpected(undo.error());
  if (auto u = unapply(*block, *undo, block->txs.size()); !u) return u;
  prefetcher_.new_epoch(); // the coins it restored may differ from what a read under way saw
  tip_ = entry.prev;
  if (chain_tx_ != 0) chain_tx_ -= block->txs.size();
  ++stats_.blocks_disconnected;
  log_.info(kLog, "disconnected {}", where(entry));
  return {};
}

std::expected<void, std::string> ChainState::maybe_flush() {
  // Over the budget (dbcache, less what the database's own caches take) the cache is emptied; a
  // periodic flush keeps its coins warm.
  if (cache_.peak_usage() + utxo_.cache_bytes() > options_.dbcache_bytes) return flush(CoinsCache::Keep::nothing);
  if (std::chrono::steady_clock::now() - last_flush_ > options_.flush_interval || prune_due())
    return flush(CoinsCache::Keep::clean);
  return {};
}

std::expected<void, std::string> ChainState::flush_unguarded(CoinsCache::Keep keep) {
  if (auto w = wait_for_checks(); !w) return w;
  const Stopwatch timer;
  flushing_ = true;
  struct Done {
    std::atomic<bool>& flag;
    ~Done() { flag = false; }
  } done{flushing_};
  // Order matters: the database may only name a block whose data, undo and header are on disk,
  // and the header store may only name bytes that are (a power cut must not leave a record of a
  // block whose bytes were lost: the next start would find it unreadable).
  if (auto s = blocks_.sync(); !s) return s;
  for (const HeaderEntry* e : awaiting_fsync_) tree_.mark_durable(*e);
  if (auto w = headers_.write(awaiting_fsync_); !w) return w;
  awaiting_fsync_.clear();
  if (auto s = headers_.sync(); !s) return s;
  prefetcher_.new_epoch(); // reads under way may see the database before or after the batch
  // Big flushes are logged at their start and end, so that a crash test can tell a kill inside one.
  const std::size_t coins = cache_.size();
  const bool big = coins >= kLoggedFlushCoins;
  if (big) log_.info(kLog, "flushing the coins cache ({} entries, {:.0f} MiB) at height {}", coins,
                     static_cast<double>(cache_.memory_usage()) / (1 << 20), tip_->height);
  if (auto f = cache_.flush(*tip_->hash, chain_tx_, keep); !f) return f;
  if (big) log_.info(kLog, "flushed at height {} in {:.3f} s", tip_->height,
                     std::chrono::duration<double>(timer.elapsed()).count());
  last_flush_ = std::chrono::steady_clock::now();
  ++stats_.flushes;
  stats_.time.utxo_flush += timer.elapsed();
  if (last_trace_) last_trace_->utxo_flush += timer.elapsed();
  emit_trace();
  return prune(); // only now: the database no longer needs the blocks below its tip replayed
}

namespace {

// A file --prune may delete: below the one being written, holding nothing of the last blocks.
struct PruneCandidate {
  int top = -1; // its highest block; -1 if it holds none we know of
  bool undo = false;
  std::uint32_t file = 0;
  std::uint64_t bytes = 0;
};

std::vector<PruneCandidate> prune_candidates(const std::map<std::uint32_t, std::uint64_t>& files,
                                             std::uint32_t current, const std::map<std::uint32_t, int>& tops,
                                             int last_prunable, bool undo) {
  std::vector<PruneCandidate> out;
  for (const auto& [file, bytes] : files) {
    if (file >= current) break;
    auto top = tops.find(file);
    const int height = top == tops.end() ? -1 : top->second;
    if (height <= last_prunable) out.push_back({height, undo, file, bytes});
  }
  return out;
}

} // namespace

bool ChainState::prune_due() const {
  if (options_.prune_target_bytes == 0 || blocks_.disk_bytes() <= options_.prune_target_bytes) return false;
  const int last_prunable = tip_->height - kMinBlocksToKeep;
  return !prune_candidates(blocks_.block_files(), blocks_.current_block_file(), block_file_top_, last_prunable, false)
              .empty() ||
         !prune_candidates(blocks_.undo_files(), blocks_.current_undo_file(), undo_file_top_, last_prunable, true)
              .empty();
}

std::expected<void, std::string> ChainState::prune() {
  if (!prune_due()) return {};
  return prune_files(tip_->height - kMinBlocksToKeep, options_.prune_target_bytes);
}

std::expected<void, std::string> ChainState::prune_to(int height) {
  if (auto f = flush(CoinsCache::Keep::clean); !f) return f;
  return prune_files(std::min(height, tip_->height - kMinBlocksToKeep), 0);
}

void ChainState::forget_failures(std::span<const HeaderEntry* const> entries) {
  for (const HeaderEntry* e : entries) failed_.erase(e);
}

std::expected<void, std::string> ChainState::prune_files(int last_prunable, std::uint64_t target) {
  if (last_prunable < 0) return {};
  auto candidates =
      prune_candidates(blocks_.block_files(), blocks_.current_block_file(), block_file_top_, last_prunable, false);
  auto undo = prune_candidates(blocks_.undo_files(), blocks_.current_undo_file(), undo_file_top_, last_prunable, true);
  candidates.insert(candidates.end(), undo.begin(), undo.end());
  std::stable_sort(candidates.begin(), candidates.end(), [](const auto& a, const auto& b) { return a.top < b.top; });
  // Oldest blocks first, until under the target.
  std::set<std::uint32_t> blk_files, rev_files;
  std::uint64_t left = blocks_.disk_bytes();
  for (const auto& c : candidates) {
    if (left <= target) break;
    (c.undo ? rev_files : blk_files).insert(c.file);
    left -= std::min(left, c.bytes);
  }
  // The header store forgets the records first, durably; then the files go. A crash in between
  // leaves files nothing refers to, never a reference to a missing file.
  std::vector<const HeaderEntry*> changed;
  tree_.for_each([&](const HeaderEntry& e) {
    std::uint8_t gone = 0;
    if (e.have_data() && blk_files.contains(e.data_pos().file)) gone |= kHaveData;
    if (e.have_undo() && rev_files.contains(e.undo_pos().file)) gone |= kHaveUndo;
    if (!gone) return;
    tree_.clear_data(e, gone);
    changed.push_back(&e);
  });
  if (auto w = headers_.write(changed); !w) return w;
  if (auto s = headers_.sync(); !s) return s;
  for (const std::uint32_t file : blk_files) {
    if (auto r = blocks_.remove_block_file(file); !r) return r;
    block_file_top_.erase(file);
  }
  for (const std::uint32_t file : rev_files) {
    if (auto r = blocks_.remove_undo_file(file); !r) return r;
    undo_file_top_.erase(file);
  }
  stats_.files_pruned += blk_files.size() + rev_files.size();
  if (blk_files.empty() && rev_files.empty()) return {};
  log_.info(kLog, "pruned {} block and {} undo files below height {}", blk_files.size(), rev_files.size(),
            last_prunable + 1);
  return {};
}

} // namespace peregrine::sync
