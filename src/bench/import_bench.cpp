#include "bench/import_bench.hpp"

#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdint>
#include <expected>
#include <ostream>
#include <random>
#include <string>
#include <unordered_map>
#include <utility>
#include <vector>

#include <fmt/format.h>

#include "bench/timer.hpp"
#include "consensus/chainparams.hpp"
#include "sync/block_import.hpp"
#include "util/peak_rss.hpp"
#include "util/json.hpp"
#include "wire/codec.hpp"

namespace peregrine::bench {
namespace {

namespace fs = std::filesystem;
using Clock = std::chrono::steady_clock;
constexpr const char* kName = "peregrine bench import";

// Visits every record's block bytes, reading the file as an importer does.
template <class Visit>
std::expected<void, std::string> for_each_record(const fs::path& file, const wire::Magic& magic, Visit&& visit) {
  auto reader = sync::BlkFileReader::open(file, magic);
  if (!reader) return std::unexpected(reader.error());
  for (;;) {
    auto record = reader->next();
    if (!record) return std::unexpected(record.error());
    if (!*record) return {};
    if (auto v = visit(**record); !v) return v;
  }
}

// What the file holds, found once before anything is timed.
struct FileInfo {
  std::size_t bytes = 0;
  std::size_t blocks = 0;
  std::uint64_t transactions = 0;
  std::uint64_t inputs = 0; // spending inputs (coinbases excluded), as ChainStats counts them
  int height = -1;          // of the file's last block: where a full import must end
};

// Heights follow parent links from the network's genesis, so a file that is not one chain from
// genesis in order is refused here rather than mistaken for a slow or short import.
std::expected<FileInfo, std::string> scan_file(const fs::path& file, const consensus::ChainParams& params) {
  FileInfo info;
  std::error_code ec;
  info.bytes = fs::file_size(file, ec);
  std::unordered_map<Hash256, int> heights{{params.genesis_hash, 0}};
  auto visited = for_each_record(
      file, params.magic, [&](ByteSpan raw) -> std::expected<void, std::string> {
        auto block = wire::from_bytes<wire::Block>(raw);
        if (!block)
          return std::unexpected(
              fmt::format("block {} does not decode: {}", info.blocks, block.error().message()));
        const Hash256 hash = wire::block_hash(block->header);
        int height = 0;
        if (hash != params.genesis_hash) {
          auto parent = heights.find(block->header.prev_block);
          if (parent == heights.end())
            return std::unexpected(fmt::format(
                "block {} ({}) comes before its parent: the bench needs one chain from genesis, in order",
                info.blocks, hash.to_hex()));
          height = parent->second + 1;
          heights.emplace(hash, height);
        }
        ++info.blocks;
        info.transactions += block->txs.size();
        for (std::size_t t = 1; t < block->txs.size(); ++t) info.inputs += block->txs[t].inputs.size();
        info.height = std::max(info.height, height);
        return {};
      });
  if (!visited) return std::unexpected(visited.error());
  if (info.blocks == 0) return std::unexpected(std::string("no blocks in the file"));
  return info;
}

// Baseline: the work no importer can skip. Reads from the page cache, as the import runs do.
std::expected<void, std::string> read_and_decode(const fs::path& file, const wire::Magic& magic) {
  return for_each_record(file, magic, [](ByteSpan raw) -> std::expected<void, std::string> {
    auto block = wire::from_bytes<wire::Block>(raw);
    if (!block) return std::unexpected(std::string("a block does not decode"));
    keep(wire::block_hash(block->header));
    for (const auto& tx : block->txs) keep(wire::txid(tx));
    return {};
  });
}

// A run's datadir, removed with everything in it however the run ends.
struct ScratchDatadir {
  explicit ScratchDatadir(fs::path p) : path(std::move(p)) {}
  fs::path path;
  ScratchDatadir(const ScratchDatadir&) = delete;
  ScratchDatadir& operator=(const ScratchDatadir&) = delete;
  ~ScratchDatadir() {
    std::error_code ec;
    fs::remove_all(path, ec);
  }
};

std::uint64_t dir_bytes(const fs::path& dir) {
  std::uint64_t total = 0;
  std::error_code ec;
  for (fs::recursive_directory_iterator it(dir, ec), end; !ec && it != end; it.increment(ec)) {
    std::error_code fe;
    if (!it->is_regular_file(fe)) continue;
    const auto size = it->file_size(fe);
    if (!fe) total += size;
  }
  return total;
}

struct RunResult {
  double seconds = 0;
  sync::ChainStats stats;
  int height = 0;
  std::vector<sync::InvalidBlock> invalid;
  std::size_t waiting = 0;     // prev-blk-not-found: cannot happen in an ordered file
  std::size_t undecodable = 0;
  std::uint64_t blocks_bytes = 0, chainstate_bytes = 0, headers_bytes = 0;
};

// One import into an empty datadir: timed from reading the file to the final flush; opening and
// closing the stores is setup, not the hot path.
std::expected<RunResult, std::string> import_once(const ImportBenchOptions& o,
                                                  const consensus::ChainParams& params,
                                                  const fs::path& datadir) {
  RunResult result;
  {
    auto stores = sync::ChainStores::open(datadir, params, o.dbcache_bytes);
    if (!stores) return std::unexpected(stores.error());
    util::Logger log(util::Logger::null_sink()); // invalid blocks are reported from invalid_blocks()
    sync::HeaderTree tree(params);
    sync::ChainStateOptions cs;
    cs.dbcache_bytes = o.dbcache_bytes;
    cs.par = o.threads;
    cs.assumevalid = o.assumevalid.has_value();
    if (o.assumevalid) cs.assumevalid_block = *o.assumevalid;
    sync::ChainState chain(tree, *stores->headers, *stores->blocks, *stores->utxo, log, cs);
    if (auto i = chain.init(); !i) return std::unexpected(i.error());

    const auto t0 = Clock::now();
    sync::ChainWorker worker(chain, tree, sync::ChainWorker::Mode::thread);
    sync::BlockImporter importer(worker, tree, *stores->headers);
    if (auto a = importer.add_file(o.file); !a) return std::unexpected(a.error());
    if (auto d = importer.drain(); !d) return std::unexpected(d.error());
    result.undecodable = importer.counts().undecodable;
    result.waiting = importer.waiting();
    if (auto f = worker.stop(); !f) return std::unexpected(f.error());
    result.seconds = std::chrono::duration<double>(Clock::now() - t0).count();
    result.stats = chain.stats();
    result.height = chain.tip().height;
    result.invalid = importer.invalid_headers();
    result.invalid.insert(result.invalid.end(), chain.invalid_blocks().begin(), chain.invalid_blocks().end());
  } // the chain state, then the stores, close here: sizes are of what stays on disk
  result.blocks_bytes = dir_bytes(datadir / "blocks");
  result.chainstate_bytes = dir_bytes(datadir / "chainstate");
  result.headers_bytes = dir_bytes(datadir / "headers");
  return result;
}

double median(std::vector<double> v) {
  std::sort(v.begin(), v.end());
  const std::size_t n = v.size();
  return n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
}

double per_second(double count, double seconds) { return seconds > 0 ? count / seconds : 0.0; }

} // namespace

std::optional<fs::path> default_import_file(consensus::Network network) {
  const fs::path chain = fs::path(PEREGRINE_DEFAULT_SHARED_DATA) / "chain";
  switch (network) {
  case consensus::Network::main: return chain / "mainnet_blocks_0_599.blk";
  case consensus::Network::testnet3: return chain / "testnet3_blocks_0_4000.blk";
  case consensus::Network::regtest: return chain / "regtest_blocks_0_206.blk";
  default: return std::nullopt;
  }
}

bool run_import_bench(std::ostream& out, std::ostream& err, const ImportBenchOptions& o) {
  const auto& params = consensus::chain_params(o.network);
  const std::string network(consensus::to_string(o.network));
  auto info = scan_file(o.file, params);
  if (!info) {
    err << fmt::format("{}: {} (is --network={} right?)\n", kName, info.error(), network);
    return false;
  }

  // (1) Baseline A: the read+decode floor.
  std::string floor_error;
  Timing floor = measure(
      [&] {
        if (auto r = read_and_decode(o.file, params.magic); !r && floor_error.empty())
          floor_error = r.error();
      },
      o.seconds);
  if (!floor_error.empty()) {
    err << kName << ": " << floor_error << "\n";
    return false;
  }
  const double floor_s = floor.median_ns / 1e9;

  // (2) The import, each run into a fresh datadir.
  std::vector<RunResult> runs;
  std::mt19937_64 rng{std::random_device{}()};
  for (unsigned i = 0; i < o.runs; ++i) {
    ScratchDatadir datadir{o.scratch / fmt::format("peregrine-bench-import-{}-{}-{:x}", ::getpid(), i,
                                                   rng() & 0xffffffffu)};
    std::error_code ec;
    fs::create_directories(datadir.path, ec);
    if (ec) {
      err << fmt::format("{}: cannot create {}: {}\n", kName, datadir.path.string(), ec.message());
      return false;
    }
    auto run = import_once(o, params, datadir.path);
    if (!run) {
      err << fmt::format("{}: run {}: {}\n", kName, i + 1, run.error());
      return false;
    }
    // A run that is not the whole file, valid, is not a figure of the hot path.
    std::string problem;
    if (!run->invalid.empty()) {
      const auto& bad = run->invalid.front();
      problem = fmt::format("block {} ({}) is invalid: {}", bad.height, bad.hash.to_hex(), bad.reason);
    } else if (run->undecodable || run->waiting) {
      problem = fmt::format("{} blocks did not decode, {} came before their parent", run->undecodable,
                            run->waiting);
    } else if (run->height != info->height) {
      problem = fmt::format("the import ended at height {}, the file's chain at {}", run->height,
                            info->height);
    }
    if (!problem.empty()) {
      err << fmt::format("{}: run {}: {}\n", kName, i + 1, problem);
      return false;
    }
    runs.push_back(std::move(*run));
  }

  std::vector<double> seconds;
  for (const auto& r : runs) seconds.push_back(r.seconds);
  const double import_s = median(seconds);
  const double min_s = *std::min_element(seconds.begin(), seconds.end());
  const double max_s = *std::max_element(seconds.begin(), seconds.end());
  const RunResult& last = runs.back(); // the runs do the same work: the figures of any one
  const auto blocks = static_cast<double>(last.stats.blocks_connected);
  const auto inputs = static_cast<double>(last.stats.inputs);
  const double ratio = import_s / floor_s;
  const double rss = util::peak_rss_mib();
  const std::string scripts =
      o.assumevalid ? fmt::format("assumevalid {}", o.assumevalid->to_hex()) : "every script checked";

  if (o.json) {
    namespace js = util::json;
    js::Value doc = js::Value::object();
    doc.set("benchmark", "import");
    doc.set("file", o.file.string());
    doc.set("network", network);
    doc.set("file_bytes", static_cast<std::uint64_t>(info->bytes));
    doc.set("file_blocks", static_cast<std::uint64_t>(info->blocks));
    doc.set("height", static_cast<std::int64_t>(last.height));
    doc.set("blocks", last.stats.blocks_connected);
    doc.set("transactions", last.stats.transactions);
    doc.set("inputs", last.stats.inputs);
    doc.set("scripts_skipped_blocks", last.stats.scripts_skipped_blocks);
    doc.set("flushes", last.stats.flushes);
    doc.set("dbcache_mib", static_cast<std::uint64_t>(o.dbcache_bytes >> 20));
    doc.set("threads", o.threads);
    doc.set("runs", o.runs);
    doc.set("import_s_median", import_s);
    doc.set("import_s_min", min_s);
    doc.set("import_s_max", max_s);
    doc.set("blocks_per_s", per_second(blocks, import_s));
    doc.set("inputs_per_s", per_second(inputs, import_s));
    doc.set("decode_floor_s", floor_s);
    doc.set("ratio_import_to_decode_floor", ratio);
    doc.set("peak_rss_mib", rss);
    doc.set("datadir_blocks_bytes", last.blocks_bytes);
    doc.set("datadir_chainstate_bytes", last.chainstate_bytes);
    doc.set("datadir_headers_bytes", last.headers_bytes);
    out << doc.dump() << "\n";
    return true;
  }

  out << fmt::format("bench import: {} ({}, {} blocks, {} bytes); {}, dbcache {} MiB, {} script "
                     "threads, {} runs into fresh datadirs in {}\n",
                     o.file.filename().string(), network, info->blocks, info->bytes, scripts,
                     o.dbcache_bytes >> 20, o.threads, o.runs, o.scratch.string());
  out << fmt::format("blocks          {} connected, height {}\n", last.stats.blocks_connected,
                     last.height);
  out << fmt::format("transactions    {}\n", last.stats.transactions);
  out << fmt::format("inputs          {}\n", last.stats.inputs);
  if (last.stats.scripts_skipped_blocks)
    out << fmt::format("scripts skipped in {} blocks (assumevalid)\n", last.stats.scripts_skipped_blocks);
  out << fmt::format("{:<34} {:>10} {:>10} {:>10} {:>12} {:>12}\n", "phase", "median s", "min s",
                     "max s", "blocks/s", "inputs/s");
  out << fmt::format("{:<34} {:>10.4f} {:>10.4f} {:>10.4f} {:>12.0f} {:>12.0f}\n",
                     "read+decode floor (baseline)", floor_s, floor.min_ns / 1e9, floor.max_ns / 1e9,
                     per_second(static_cast<double>(info->blocks), floor_s),
                     per_second(static_cast<double>(info->inputs), floor_s));
  out << fmt::format("{:<34} {:>10.4f} {:>10.4f} {:>10.4f} {:>12.0f} {:>12.0f}\n",
                     "import (fresh datadir, flushed)", import_s, min_s, max_s,
                     per_second(blocks, import_s), per_second(inputs, import_s));
  out << fmt::format("ratio import/read+decode floor: {:.1f}\n", ratio);
  out << fmt::format("peak RSS: {:.1f} MiB\n", rss);
  out << fmt::format("datadir after import: blocks {:.2f} MB, chainstate {:.2f} MB, headers {:.2f} MB\n",
                     static_cast<double>(last.blocks_bytes) / 1e6,
                     static_cast<double>(last.chainstate_bytes) / 1e6,
                     static_cast<double>(last.headers_bytes) / 1e6);
  return true;
}

} // namespace peregrine::bench
