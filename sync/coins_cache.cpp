#include "sync/coins_cache.hpp"

#include <algorithm>
#include <random>
#include <utility>
#include <vector>

#include <fmt/format.h>

#include "wire/writer.hpp"

namespace peregrine::sync {
namespace {

using Entry = CoinTable::Entry;

crypto::SipKey random_key() {
  std::random_device rd;
  auto word = [&] { return (std::uint64_t{rd()} << 32) | rd(); };
  return {word(), word()};
}

std::expected<consensus::Coin, std::string> decode(const wire::OutPoint& outpoint, ByteSpan record) {
  auto coin = consensus::decode_coin(record);
  if (!coin)
    return std::unexpected(fmt::format("coin {}:{} does not decode: {}", outpoint.txid.to_hex(), outpoint.index,
                                       coin.error().message()));
  return std::move(*coin);
}

ByteSpan span_of(const std::string& s) { return {reinterpret_cast<const std::uint8_t*>(s.data()), s.size()}; }

} // namespace

// Txids are chosen by whoever makes transactions: the table's hash is salted (SipHash-2-4 with a
// random key), so no one can aim coins at one bucket.
CoinsCache::CoinsCache(UtxoDb& db, std::size_t part_bytes) : db_(db), part_bytes_(part_bytes), table_(random_key()) {}

std::expected<bool, std::string> CoinsCache::read(const wire::OutPoint& outpoint) {
  const auto started = std::chrono::steady_clock::now();
  auto found = db_.get_record(outpoint, record_);
  ++lookups_.misses;
  lookups_.miss_time += std::chrono::steady_clock::now() - started;
  return found;
}

std::expected<bool, std::string> CoinsCache::have(const wire::OutPoint& outpoint) {
  if (const Entry* e = table_.find(outpoint)) {
    ++lookups_.hits;
    return !e->spent();
  }
  auto found = read(outpoint);
  if (!found || !*found) return found;
  if (auto coin = decode(outpoint, span_of(record_)); !coin) return std::unexpected(coin.error());
  return true; // not cached: see the header
}

std::expected<std::optional<consensus::Coin>, std::string> CoinsCache::find(const wire::OutPoint& outpoint) const {
  if (const Entry* e = table_.find(outpoint)) {
    if (e->spent()) return std::optional<consensus::Coin>{};
    auto coin = decode(outpoint, e->record());
    if (!coin) return std::unexpected(coin.error());
    return std::optional<consensus::Coin>(std::move(*coin));
  }
  return db_.get(outpoint);
}

void CoinsCache::put(const wire::OutPoint& outpoint, ByteSpan record, bool possible_overwrite) {
  auto [e, added] = table_.try_emplace(outpoint);
  // Fresh only if the database cannot have a coin here: a new outpoint, not overwriting, or one we
  // know is absent there (fresh before; a spent entry never is).
  const bool fresh = !possible_overwrite && (added || e.fresh());
  e.flags = static_cast<std::uint8_t>(Entry::kLive | Entry::kDirty | (fresh ? Entry::kFresh : 0));
  table_.set_record(e, record);
}

void CoinsCache::add(const wire::OutPoint& outpoint, const wire::TxOut& output, int height, bool coinbase,
                     bool possible_overwrite) {
  scratch_.clear();
  wire::Writer w(scratch_);
  consensus::write_varint(w, static_cast<std::uint32_t>(height) * 2u + (coinbase ? 1u : 0u));
  consensus::write_compressed_txout(w, output);
  put(outpoint, scratch_, possible_overwrite);
}

void CoinsCache::warm_record(const wire::OutPoint& outpoint, ByteSpan record) {
  auto [e, added] = table_.try_emplace(outpoint);
  if (added) table_.set_record(e, record); // clean: the database holds the same
}

void CoinsCache::warm(const wire::OutPoint& outpoint, const consensus::Coin& coin) {
  if (cached(outpoint)) return;
  warm_record(outpoint, consensus::encode_coin(coin));
}

std::expected<std::optional<consensus::Coin>, std::string> CoinsCache::spend(const wire::OutPoint& outpoint) {
  Entry* e = table_.find(outpoint);
  if (!e) {
    auto found = read(outpoint);
    if (!found) return std::unexpected(found.error());
    if (!*found) return std::optional<consensus::Coin>{};
    auto coin = decode(outpoint, span_of(record_));
    if (!coin) return std::unexpected(coin.error());
    // Read from disk, so its deletion must be written.
    table_.try_emplace(outpoint).first.flags = Entry::kLive | Entry::kDirty | Entry::kSpent;
    return std::optional<consensus::Coin>(std::move(*coin));
  }
  ++lookups_.hits;
  if (e->spent()) return std::optional<consensus::Coin>{};
  auto coin = decode(outpoint, e->record());
  if (!coin) return std::unexpected(coin.error());
  if (e->fresh()) {
    table_.erase(*e); // the database never saw it: nothing to delete there
  } else {
    table_.set_record(*e, {});
    e->flags = Entry::kLive | Entry::kDirty | Entry::kSpent;
  }
  return std::optional<consensus::Coin>(std::move(*coin));
}

std::size_t CoinsCache::dirty_count() const {
  std::size_t n = 0;
  table_.for_each([&](const Entry& e) { n += e.dirty(); });
  return n;
}

std::expected<void, std::string> CoinsCache::flush(const Hash256& best_block, std::uint64_t chain_tx, Keep keep) {
  // In key order: LevelDB inserts the batch into a skip list, and a key next to the last one
  // inserted finds its place in memory the last search warmed (random order: a cache miss per
  // level, several times slower). The txid's first 8 bytes order nearly every key.
  // Each dirty entry as its txid's first 4 bytes (which order nearly every key) above its number:
  // 8 bytes an entry (kFlushBytesPerEntry), so the list costs little next to the cache.
  std::vector<std::uint64_t> dirty;
  table_.for_each_numbered([&](std::uint32_t number, const Entry& e) {
    if (!e.dirty()) return;
    std::uint64_t prefix = 0;
    for (int i = 0; i < 4; ++i) prefix = (prefix << 8) | e.outpoint.txid.bytes[i];
    dirty.push_back(prefix << 32 | number);
  });
  std::sort(dirty.begin(), dirty.end());
  // Up to part_bytes_ in one atomic batch; beyond, in parts of that size (see UtxoDb), so the
  // batch and LevelDB's write buffer stay small whatever the cache holds. The cache is untouched
  // until everything is durable: a failed write leaves it as it was.
  UtxoDb::Batch batch;
  bool in_parts = false;
  for (const std::uint64_t item : dirty) {
    const Entry* e = &table_.entry(static_cast<std::uint32_t>(item));
    if (e->spent()) batch.erase(e->outpoint);
    else batch.put(e->outpoint, e->record());
    if (batch.bytes() < part_bytes_) continue;
    if (!in_parts)
      if (auto begun = db_.begin_flush(best_block); !begun) return begun;
    in_parts = true;
    if (auto written = db_.write_part(batch); !written) return written;
  }
  dirty = {};
  if (in_parts) {
    if (auto written = db_.write_part(batch); !written) return written;
    if (auto finished = db_.finish_flush(best_block, chain_tx); !finished) return finished;
  } else if (auto written = db_.write(batch, best_block, chain_tx); !written) {
    return written;
  }
  if (keep == Keep::nothing) {
    table_.clear();
    return {};
  }
  table_.for_each([&](Entry& e) {
    if (e.spent()) table_.erase(e);
    else e.flags = Entry::kLive; // what the database now holds
  });
  return {};
}

} // namespace peregrine::sync
