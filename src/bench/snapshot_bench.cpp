#include "bench/snapshot_bench.hpp"

#include <unistd.h>

#include <chrono>
#include <fstream>
#include <ostream>
#include <random>
#include <string>
#include <vector>

#include <fmt/format.h>

#include "bench/coins_bench.hpp"
#include "bench/timer.hpp"
#include "consensus/chainparams.hpp"
#include "crypto/sha256.hpp"
#include "sync/snapshot_dump.hpp"
#include "sync/snapshot_format.hpp"
#include "sync/snapshot_load.hpp"
#include "sync/utxo_db.hpp"
#include "sync/utxo_stats.hpp"
#include "util/json.hpp"

namespace peregrine::bench {
namespace {

namespace fs = std::filesystem;
using Clock = std::chrono::steady_clock;

double seconds_since(Clock::time_point t0) { return std::chrono::duration<double>(Clock::now() - t0).count(); }

struct Row {
  std::string name;
  double ours = 0;     // seconds
  double baseline = 0; // seconds
  std::string what;
};

} // namespace

bool run_snapshot_bench(std::ostream& out, std::ostream& err, const SnapshotBenchOptions& o) {
  std::error_code ec;
  const fs::path dir = o.scratch / fmt::format("peregrine-bench-snapshot-{}", ::getpid());
  fs::remove_all(dir, ec);
  fs::create_directories(dir, ec);
  auto fail = [&](const std::string& message) {
    fs::remove_all(dir, ec);
    err << "peregrine bench snapshot: " << message << "\n";
    return false;
  };
  const auto& params = consensus::chain_params(consensus::Network::regtest);

  // The set: N coins, one to four outputs a txid, written as a chain flush would.
  auto source = sync::UtxoDb::open(dir / "source", params);
  if (!source) return fail(source.error());
  {
    std::mt19937_64 rng(42);
    sync::UtxoDb::Batch batch;
    if (auto b = (*source)->begin_flush(params.genesis_hash); !b) return fail(b.error());
    for (std::size_t i = 0; i < o.coins;) {
      wire::OutPoint op;
      for (auto& b : op.txid.bytes) b = static_cast<std::uint8_t>(rng());
      const std::size_t outputs = std::min<std::size_t>(1 + rng() % 4, o.coins - i);
      for (std::size_t k = 0; k < outputs; ++k, ++i) {
        op.index = static_cast<std::uint32_t>(k);
        consensus::Coin coin{{static_cast<std::int64_t>(rng() % 100'000'000), standard_script(rng)},
                             static_cast<int>(rng() % 900'000), rng() % 100 == 0};
        batch.put(op, consensus::encode_coin(coin));
      }
      if (batch.bytes() >= (std::size_t{16} << 20))
        if (auto w = (*source)->write_part(batch); !w) return fail(w.error());
    }
    if (auto w = (*source)->write_part(batch); !w) return fail(w.error());
    if (auto f = (*source)->finish_flush(params.genesis_hash); !f) return fail(f.error());
  }
  std::vector<Row> rows;

  // Dump, against one utxo-stats pass.
  auto t0 = Clock::now();
  sync::UtxoStatsAccumulator pass(false);
  auto walked = (*source)->for_each([&](const wire::OutPoint& op, const consensus::Coin& coin) { pass.add(op, coin); });
  if (!walked) return fail(walked.error());
  auto stats = pass.finish();
  const double stats_s = seconds_since(t0);
  if (!stats) return fail(stats.error());
  const fs::path file = dir / "set.dat";
  t0 = Clock::now();
  auto dump = sync::dump_utxo_snapshot(**source, params.magic, sync::kSnapshotVersionCore, 900'000, file);
  const double dump_s = seconds_since(t0);
  if (!dump) return fail(dump.error());
  if (dump->stats.hash_serialized_3 != stats->hash_serialized_3) return fail("the dump's hash is not utxo-stats'");
  rows.push_back({"dump", dump_s, stats_s, "write the set as Core's file, fsynced; baseline: the same pass over the database with hash_serialized_3, nothing written"});

  // Read through, against reading and hashing the bytes once.
  t0 = Clock::now();
  {
    std::ifstream in(file, std::ios::binary);
    std::vector<char> buffer(std::size_t{1} << 20);
    crypto::Sha256 sha;
    while (in.read(buffer.data(), static_cast<std::streamsize>(buffer.size())) || in.gcount() > 0)
      sha.write(ByteSpan(reinterpret_cast<const std::uint8_t*>(buffer.data()), static_cast<std::size_t>(in.gcount())));
    keep(sha.finalize());
  }
  const double raw_s = seconds_since(t0);
  t0 = Clock::now();
  {
    std::ifstream in(file, std::ios::binary);
    auto reader = sync::SnapshotReader::open(in, &params.magic);
    if (!reader) return fail(reader.error());
    sync::UtxoStatsAccumulator acc(false);
    for (;;) {
      auto next = (*reader)->next();
      if (!next) return fail(next.error());
      if (!*next) break;
      acc.add((*next)->outpoint, (*next)->coin);
    }
    auto s = acc.finish();
    if (!s || s->hash_serialized_3 != stats->hash_serialized_3) return fail("the file reads to another set");
    keep((*reader)->chunk_hashes());
  }
  const double read_s = seconds_since(t0);
  rows.push_back({"read", read_s, raw_s, "every coin checked, hash_serialized_3 and chunk leaves (a load's reading); baseline: read + SHA-256 of the file"});

  // Load, against writing the same records in the same parts.
  t0 = Clock::now();
  {
    auto copy = sync::UtxoDb::open(dir / "copy", params);
    if (!copy) return fail(copy.error());
    if (auto b = (*copy)->begin_flush(params.genesis_hash); !b) return fail(b.error());
    sync::UtxoDb::Batch batch;
    std::string error;
    auto walked = (*source)->for_each([&](const wire::OutPoint& op, const consensus::Coin& coin) {
      batch.put(op, consensus::encode_coin(coin));
      if (batch.bytes() >= (std::size_t{16} << 20) && error.empty())
        if (auto w = (*copy)->write_part(batch); !w) error = w.error();
    });
    if (!walked) return fail(walked.error());
    if (!error.empty()) return fail(error);
    if (auto w = (*copy)->write_part(batch); !w) return fail(w.error());
    if (auto f = (*copy)->finish_flush(params.genesis_hash); !f) return fail(f.error());
  }
  const double copy_s = seconds_since(t0);
  t0 = Clock::now();
  {
    std::ifstream in(file, std::ios::binary);
    auto reader = sync::SnapshotReader::open(in, &params.magic);
    if (!reader) return fail(reader.error());
    auto loaded = sync::load_utxo_snapshot(**reader, {params.genesis_hash, 900'000, stats->hash_serialized_3, 0}, params,
                                           dir / "loaded");
    if (!loaded) return fail(loaded.error());
  }
  const double load_s = seconds_since(t0);
  rows.push_back({"load", load_s, copy_s, "file into a new database, checked; baseline: the same records copied between databases"});
  const auto bytes = dump->bytes;
  fs::remove_all(dir, ec);

  if (o.json) {
    namespace js = util::json;
    js::Value doc = js::Value::object();
    doc.set("benchmark", "snapshot");
    doc.set("coins", static_cast<std::uint64_t>(o.coins));
    doc.set("file_bytes", bytes);
    js::Value list = js::Value::array();
    for (const auto& r : rows) {
      js::Value v = js::Value::object();
      v.set("phase", r.name);
      v.set("seconds", r.ours);
      v.set("baseline_seconds", r.baseline);
      v.set("ratio", r.ours / r.baseline);
      list.push_back(std::move(v));
    }
    doc.set("phases", std::move(list));
    out << doc.dump() << "\n";
    return true;
  }
  out << fmt::format("bench snapshot: {} coins, file {:.1f} MiB ({:.1f} B a coin)\n", o.coins,
                     static_cast<double>(bytes) / (1 << 20), static_cast<double>(bytes) / static_cast<double>(o.coins));
  out << fmt::format("{:<6} {:>9} {:>12} {:>9} {:>7}  {}\n", "phase", "seconds", "coins/s", "baseline", "ratio", "what");
  for (const auto& r : rows)
    out << fmt::format("{:<6} {:>9.3f} {:>12.0f} {:>9.3f} {:>7.2f}  {}\n", r.name, r.ours,
                       static_cast<double>(o.coins) / r.ours, r.baseline, r.ours / r.baseline, r.what);
  return true;
}

} // namespace peregrine::bench
