#include "bench/generate_bench.hpp"

#include <ostream>
#include <vector>

#include <fmt/format.h>

#include "bench/timer.hpp"
#include "crypto/sha256.hpp"
#include "util/json.hpp"
#include "util/stopwatch.hpp"
#include "wire/block.hpp"
#include "wire/codec.hpp"
#include "workload/generator.hpp"

namespace peregrine::bench {
namespace {

constexpr std::uint32_t kBlocks = 220; // ~110 full blocks once coins have matured: ~600,000 transactions

struct Row {
  std::string name;
  std::string what;
  double tx_per_second = 0;
};

// One whole chain, blocks kept only long enough to copy the last one out.
std::expected<Row, std::string> time_generation(unsigned threads, Bytes& last_block) {
  workload::GeneratorParams p = workload::default_params();
  p.blocks = kBlocks;
  p.threads = threads;
  const util::Stopwatch clock;
  auto stats = workload::generate_chain(p, [&](ByteSpan block) -> std::expected<void, std::string> {
    last_block.assign(block.begin(), block.end());
    return {};
  });
  if (!stats) return std::unexpected(stats.error());
  const double seconds = std::chrono::duration<double>(clock.elapsed()).count();
  return Row{fmt::format("generate, {} thread{}", threads, threads > 1 ? "s" : ""),
             "plan, build, serialize and hash every transaction, assemble and grind every block",
             static_cast<double>(stats->transactions) / seconds};
}

} // namespace

bool run_generate_bench(std::ostream& out, std::ostream& err, unsigned threads, double seconds, bool json) {
  Bytes last_block;
  std::vector<Row> rows;
  std::vector<unsigned> runs = {1};
  if (threads > 1) runs.push_back(threads);
  for (unsigned t : runs) {
    auto row = time_generation(t, last_block);
    if (!row) {
      err << "peregrine bench generate: " << row.error() << "\n";
      return false;
    }
    rows.push_back(*row);
  }

  // The floor: the same kind of transactions (the last block's) serialized and hashed, which
  // every generated transaction needs at least once.
  auto block = wire::from_bytes<wire::Block>(last_block);
  if (!block) {
    err << "peregrine bench generate: the last block does not decode: " << block.error().message() << "\n";
    return false;
  }
  const std::size_t txs = block->txs.size() - 1;
  Bytes buffer;
  const Timing floor = measure([&] {
    for (std::size_t i = 1; i < block->txs.size(); ++i) {
      buffer.clear();
      wire::Writer w(buffer);
      write(w, block->txs[i]);
      keep(crypto::sha256d(buffer));
    }
  }, seconds);
  const double floor_rate = static_cast<double>(txs) / (floor.median_ns / 1e9);
  rows.push_back({"serialize + sha256d", "baseline: the last block's transactions, one thread", floor_rate});

  if (json) {
    namespace js = util::json;
    js::Value doc = js::Value::object();
    doc.set("benchmark", "generate");
    doc.set("blocks", static_cast<std::uint64_t>(kBlocks));
    js::Value list = js::Value::array();
    for (const auto& r : rows) {
      js::Value v = js::Value::object();
      v.set("phase", r.name);
      v.set("tx_per_second", r.tx_per_second);
      v.set("ratio_to_baseline", r.tx_per_second / floor_rate);
      list.push_back(std::move(v));
    }
    doc.set("phases", std::move(list));
    out << doc.dump() << "\n";
    return true;
  }
  out << fmt::format("bench generate: {} regtest blocks of trivial transactions (default shape), baseline {} s\n",
                     kBlocks, seconds);
  out << fmt::format("{:<22} {:>12} {:>12}  {}\n", "phase", "tx/s", "x baseline", "what");
  for (const auto& r : rows)
    out << fmt::format("{:<22} {:>12.0f} {:>12.2f}  {}\n", r.name, r.tx_per_second, r.tx_per_second / floor_rate,
                       r.what);
  return true;
}

} // namespace peregrine::bench
