#include "bench/coins_bench.hpp"

#include <malloc.h>
#include <unistd.h>

#include <chrono>
#include <optional>
#include <ostream>
#include <random>
#include <string>
#include <unordered_map>
#include <vector>

#include <fmt/format.h>

#include "bench/timer.hpp"
#include "consensus/chainparams.hpp"
#include "sync/coins_cache.hpp"
#include "util/json.hpp"

namespace peregrine::bench {
namespace {

namespace fs = std::filesystem;
using Clock = std::chrono::steady_clock;
using consensus::Coin;

// The cache as it was before the compact table: a node map of Coin objects, SipHash over the
// outpoint's bytes. Kept here as the baseline.
struct OldEntry {
  std::optional<Coin> coin;
  bool dirty = false;
  bool fresh = false;
};
struct OldHasher {
  crypto::SipKey key;
  std::size_t operator()(const wire::OutPoint& o) const {
    crypto::SipHasher h(key);
    h.write(o.txid.span());
    h.write_u32(o.index);
    return static_cast<std::size_t>(h.finalize());
  }
};
using OldMap = std::unordered_map<wire::OutPoint, OldEntry, OldHasher>;

} // namespace

Bytes standard_script(std::mt19937_64& rng) {
  const auto roll = rng() % 100;
  Bytes s;
  if (roll < 40) s = {0x00, 20};
  else if (roll < 65) s = {0x76, 0xa9, 20};
  else if (roll < 85) s = {0x51, 32};
  else if (roll < 95) s = {0xa9, 20};
  else s = {0x00, 32};
  const std::size_t payload = s.back();
  for (std::size_t i = 0; i < payload; ++i) s.push_back(static_cast<std::uint8_t>(rng()));
  if (roll >= 40 && roll < 65) s.insert(s.end(), {0x88, 0xac});
  if (roll >= 85 && roll < 95) s.push_back(0x87);
  return s;
}

namespace {

struct Workload {
  std::vector<wire::OutPoint> outpoints; // in the set
  std::vector<wire::OutPoint> absent;    // never created: new outputs, as BIP30 asks about them
  std::vector<Coin> coins;
};

Workload make_workload(std::size_t n, std::size_t absent) {
  std::mt19937_64 rng(42);
  auto random_outpoint = [&] {
    wire::OutPoint o;
    for (auto& b : o.txid.bytes) b = static_cast<std::uint8_t>(rng());
    o.index = static_cast<std::uint32_t>(rng() % 4);
    return o;
  };
  Workload w;
  for (std::size_t i = 0; i < n; ++i) {
    w.outpoints.push_back(random_outpoint());
    w.coins.push_back(Coin{{static_cast<std::int64_t>(rng() % 100'000'000), standard_script(rng)},
                           static_cast<int>(rng() % 900'000), rng() % 100 == 0});
  }
  for (std::size_t i = 0; i < absent; ++i) w.absent.push_back(random_outpoint());
  return w;
}

std::size_t heap_in_use() {
  const struct mallinfo2 m = mallinfo2();
  return m.uordblks + m.hblkhd;
}

double ns_per(Clock::time_point start, std::size_t count) {
  return std::chrono::duration<double, std::nano>(Clock::now() - start).count() / static_cast<double>(count);
}

struct Row {
  std::string name;
  double ours = 0;
  double baseline = 0;
  std::string unit;
  std::string what;
};

std::expected<std::unique_ptr<sync::UtxoDb>, std::string> open_db(const fs::path& dir, const sync::LevelDbTuning& t) {
  return sync::UtxoDb::open(dir, consensus::chain_params(consensus::Network::regtest), t);
}

} // namespace

bool run_coins_bench(std::ostream& out, std::ostream& err, const CoinsBenchOptions& o) {
  std::error_code ec;
  const fs::path dir = o.scratch / fmt::format("peregrine-bench-coins-{}", ::getpid());
  fs::create_directories(dir, ec);
  auto fail = [&](const std::string& message) {
    fs::remove_all(dir, ec);
    err << "peregrine bench coins: " << message << "\n";
    return false;
  };
  const std::size_t n = o.coins;
  const std::size_t k = std::min(o.disk_lookups, n / 4);
  const Workload w = make_workload(n, k);
  const sync::LevelDbTuning tuned = sync::utxo_db_tuning(sync::utxo_db_cache_bytes(std::size_t{450} << 20));
  const sync::LevelDbTuning defaults; // LevelDB's own: no filter, snappy, 8 MiB block cache
  auto ours_db = open_db(dir / "ours", tuned);
  auto old_db = open_db(dir / "old", defaults);
  if (!ours_db) return fail(ours_db.error());
  if (!old_db) return fail(old_db.error());
  std::vector<Row> rows;

  // Memory and adds: the whole set into each layout, as connecting blocks adds it.
  auto cache = std::make_unique<sync::CoinsCache>(**ours_db);
  std::size_t heap0 = heap_in_use();
  auto start = Clock::now();
  for (std::size_t i = 0; i < n; ++i) cache->add(w.outpoints[i], w.coins[i]);
  const double add_ns = ns_per(start, n);
  const double ours_bytes = static_cast<double>(heap_in_use() - heap0) / static_cast<double>(n);
  const double reported_bytes = static_cast<double>(cache->memory_usage()) / static_cast<double>(n);

  OldMap old(0, OldHasher{{1, 2}});
  heap0 = heap_in_use();
  start = Clock::now();
  for (std::size_t i = 0; i < n; ++i) old.try_emplace(w.outpoints[i], OldEntry{w.coins[i], true, true});
  const double old_add_ns = ns_per(start, n);
  const double old_bytes = static_cast<double>(heap_in_use() - heap0) / static_cast<double>(n);
  rows.push_back({"bytes per coin", ours_bytes, old_bytes, "B",
                  fmt::format("heap growth (mallinfo2) per cached coin; memory_usage() says {:.1f}", reported_bytes)});
  rows.push_back({"add", add_ns, old_add_ns, "ns", "a new coin into the cache, growth included"});

  // Hits: random coins of the full set, as inputs spend them.
  std::size_t at = 0;
  const Timing hit = measure([&] { keep(cache->have(w.outpoints[at++ % n])); }, o.seconds);
  at = 0;
  const Timing old_hit = measure([&] { keep(old.find(w.outpoints[at++ % n])); }, o.seconds);
  rows.push_back({"hit", hit.median_ns, old_hit.median_ns, "ns", "have() of a cached coin; baseline: find()"});

  // Spends that hit, of the first half: decode the record and drop the entry (fresh: never
  // written). The old spend found the entry twice (fetch, then spend) and moved the coin out.
  const std::size_t half = n / 2;
  start = Clock::now();
  for (std::size_t i = 0; i < half; ++i) keep(cache->spend(w.outpoints[i]));
  const double spend_ns = ns_per(start, half);
  start = Clock::now();
  for (std::size_t i = 0; i < half; ++i) {
    keep(old.find(w.outpoints[i]));
    auto it = old.find(w.outpoints[i]);
    Coin coin = std::move(*it->second.coin);
    old.erase(it);
    keep(coin);
  }
  const double old_spend_ns = ns_per(start, half);
  rows.push_back({"spend, hit", spend_ns, old_spend_ns, "ns", "spend a cached fresh coin, returning it"});

  // Flush of the second half, every coin dirty, in one synced batch. The baseline is the old
  // flush: coins moved into a vector of changes, encoded, written.
  start = Clock::now();
  if (auto f = cache->flush(Hash256{}); !f) return fail(f.error());
  const double flush_ns = ns_per(start, n - half);
  start = Clock::now();
  {
    std::vector<sync::CoinChange> changes;
    changes.reserve(old.size());
    for (auto& [outpoint, e] : old) changes.push_back({outpoint, std::move(e.coin)});
    if (auto f = (*old_db)->apply(changes, Hash256{}); !f) return fail(f.error());
  }
  old = OldMap();
  const double old_flush_ns = ns_per(start, n - half);
  rows.push_back({"flush", 1e9 / flush_ns, 1e9 / old_flush_ns, "coins/s",
                  "write every coin (dirty) and the best block in one synced batch"});

  cache.reset();

  // From disk: both databases reopened, so the coins are in tables, not in the write buffer.
  ours_db->reset();
  old_db->reset();
  ours_db = open_db(dir / "ours", tuned);
  old_db = open_db(dir / "old", defaults);
  if (!ours_db) return fail(ours_db.error());
  if (!old_db) return fail(old_db.error());
  cache = std::make_unique<sync::CoinsCache>(**ours_db);
  std::string record;
  start = Clock::now();
  for (std::size_t i = 0; i < k; ++i) keep((*ours_db)->get_record(w.outpoints[n - 1 - i], record));
  const double get_ns = ns_per(start, k);
  start = Clock::now(); // other coins of the flushed half: none is in LevelDB's block cache yet
  for (std::size_t i = 0; i < k; ++i) keep(cache->spend(w.outpoints[half + i]));
  const double miss_ns = ns_per(start, k);
  rows.push_back({"spend, miss", miss_ns, get_ns, "ns", "spend a coin read from disk; baseline: LevelDB Get"});

  start = Clock::now();
  for (std::size_t i = 0; i < k; ++i) keep(cache->have(w.absent[i]));
  const double absent_ns = ns_per(start, k);
  start = Clock::now();
  for (std::size_t i = 0; i < k; ++i) keep((*old_db)->get_record(w.absent[i], record));
  const double old_absent_ns = ns_per(start, k);
  rows.push_back({"absent", absent_ns, old_absent_ns, "ns",
                  "have() of a new output (BIP30); baseline: LevelDB Get with LevelDB's defaults"});
  const std::uint64_t ours_disk = (*ours_db)->disk_bytes(), old_disk = (*old_db)->disk_bytes();
  cache.reset();
  ours_db->reset();
  old_db->reset();
  fs::remove_all(dir, ec);

  if (o.json) {
    namespace js = util::json;
    js::Value doc = js::Value::object();
    doc.set("benchmark", "coins");
    doc.set("coins", static_cast<std::uint64_t>(n));
    doc.set("disk_lookups", static_cast<std::uint64_t>(k));
    js::Value list = js::Value::array();
    for (const auto& r : rows) {
      js::Value v = js::Value::object();
      v.set("phase", r.name);
      v.set("ours", r.ours);
      v.set("baseline", r.baseline);
      v.set("ratio", r.ours / r.baseline);
      v.set("unit", r.unit);
      list.push_back(std::move(v));
    }
    doc.set("phases", std::move(list));
    out << doc.dump() << "\n";
    return true;
  }
  out << fmt::format("bench coins: {} coins (P2WPKH, P2PKH, P2TR, P2SH, P2WSH), {} read from disk per miss "
                     "phase; database {:.1f} MiB (LevelDB defaults: {:.1f} MiB)\n",
                     n, k, static_cast<double>(ours_disk) / (1 << 20), static_cast<double>(old_disk) / (1 << 20));
  out << fmt::format("{:<13} {:>12} {:>12} {:>7} {:<8} {}\n", "phase", "ours", "baseline", "ratio", "unit", "what");
  for (const auto& r : rows)
    out << fmt::format("{:<13} {:>12.1f} {:>12.1f} {:>7.2f} {:<8} {}\n", r.name, r.ours, r.baseline,
                       r.ours / r.baseline, r.unit, r.what);
  return true;
}

} // namespace peregrine::bench
