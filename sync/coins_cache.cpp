#include "sync/coins_cache.hpp"

#include <random>
#include <vector>

namespace peregrine::sync {
namespace {

// Map node, key, entry and bookkeeping: what one cached coin costs besides its script.
constexpr std::size_t kEntryOverhead = 128;

crypto::SipKey random_key() {
  std::random_device rd;
  auto word = [&] { return (std::uint64_t{rd()} << 32) | rd(); };
  return {word(), word()};
}

} // namespace

// Txids are chosen by whoever makes transactions: a salted hash keeps them from aiming at one bucket.
std::size_t CoinsCache::Hasher::operator()(const wire::OutPoint& o) const {
  crypto::SipHasher h(key);
  h.write(o.txid.span());
  h.write_u32(o.index);
  return static_cast<std::size_t>(h.finalize());
}

CoinsCache::CoinsCache(UtxoDb& db) : db_(db), entries_(0, Hasher{random_key()}) {}

std::size_t CoinsCache::entry_bytes(const Entry& e) {
  return kEntryOverhead + (e.coin ? e.coin->output.script_pubkey.capacity() : 0);
}

CoinsCache::Entry& CoinsCache::insert(const wire::OutPoint& outpoint, Entry entry) {
  auto [it, inserted] = entries_.try_emplace(outpoint);
  if (!inserted) memory_ -= entry_bytes(it->second);
  it->second = std::move(entry);
  memory_ += entry_bytes(it->second);
  return it->second;
}

std::expected<const consensus::Coin*, std::string> CoinsCache::fetch(const wire::OutPoint& outpoint) {
  if (auto it = entries_.find(outpoint); it != entries_.end()) {
    ++lookups_.hits;
    return it->second.coin ? &*it->second.coin : nullptr;
  }
  const auto started = std::chrono::steady_clock::now();
  auto stored = db_.get(outpoint);
  ++lookups_.misses;
  lookups_.miss_time += std::chrono::steady_clock::now() - started;
  if (!stored) return std::unexpected(stored.error());
  if (!*stored) return nullptr; // misses are not cached: they would only fill memory
  return &*insert(outpoint, Entry{std::move(**stored), false, false}).coin;
}

bool CoinsCache::warm(const wire::OutPoint& outpoint, consensus::Coin coin) {
  if (entries_.contains(outpoint)) return false;
  insert(outpoint, Entry{std::move(coin), false, false});
  return true;
}

void CoinsCache::add(const wire::OutPoint& outpoint, consensus::Coin coin, bool possible_overwrite) {
  auto it = entries_.find(outpoint);
  // Fresh only if the database cannot have a coin here: a new outpoint, not overwriting, or one we
  // know is absent there (fresh before).
  const bool fresh = !possible_overwrite && (it == entries_.end() ? true : it->second.fresh);
  insert(outpoint, Entry{std::move(coin), true, fresh});
}

std::expected<std::optional<consensus::Coin>, std::string> CoinsCache::spend(const wire::OutPoint& outpoint) {
  auto found = fetch(outpoint);
  if (!found) return std::unexpected(found.error());
  if (!*found) return std::optional<consensus::Coin>{};
  auto it = entries_.find(outpoint);
  memory_ -= entry_bytes(it->second);
  consensus::Coin coin = std::move(*it->second.coin);
  if (it->second.fresh) {
    entries_.erase(it); // the database never saw it: nothing to delete there
  } else {
    it->second.coin.reset();
    it->second.dirty = true;
    memory_ += entry_bytes(it->second);
  }
  return std::optional<consensus::Coin>(std::move(coin));
}

std::size_t CoinsCache::dirty_count() const {
  std::size_t n = 0;
  for (const auto& [outpoint, e] : entries_) n += e.dirty;
  return n;
}

std::expected<void, std::string> CoinsCache::flush(const Hash256& best_block, std::uint64_t chain_tx) {
  std::vector<CoinChange> changes;
  changes.reserve(dirty_count());
  for (auto& [outpoint, e] : entries_) {
    if (!e.dirty) continue;
    changes.push_back(CoinChange{outpoint, std::move(e.coin)});
  }
  if (auto written = db_.apply(changes, best_block, chain_tx); !written) {
    // The batch did not happen: put the coins back so memory still matches what was connected.
    for (auto& change : changes) entries_.at(change.outpoint).coin = std::move(change.coin);
    return written;
  }
  entries_.clear();
  memory_ = 0;
  return {};
}

} // namespace peregrine::sync
