#include "bench/headers_bench.hpp"

#include <chrono>
#include <ostream>
#include <string>
#include <vector>

#include <fmt/format.h>

#include "bench/timer.hpp"
#include "consensus/chainparams.hpp"
#include "consensus/header_run.hpp"
#include "crypto/sha256.hpp"
#include "util/file.hpp"
#include "util/json.hpp"
#include "wire/block.hpp"

namespace peregrine::bench {
namespace {

using namespace consensus;

struct Run {
  std::string name;
  Bytes headers;
  int start_height = 0;
  std::vector<ContextHeader> context;
};

struct Phase {
  std::string name;
  std::string what;
  double ns_per_header = 0;
  Timing timing;
};

std::filesystem::path shared(const char* relative) {
  return std::filesystem::path(PEREGRINE_DEFAULT_SHARED_DATA) / relative;
}

std::expected<Run, std::string> load_run(std::string name, const std::filesystem::path& file,
                                         int start_height,
                                         const std::filesystem::path* context_csv) {
  Run run{std::move(name), {}, start_height, {}};
  auto bytes = util::read_file(file);
  if (!bytes) return std::unexpected(bytes.error());
  if (bytes->empty() || bytes->size() % wire::kBlockHeaderSize != 0)
    return std::unexpected(fmt::format("{}: not a whole number of 80-byte headers", file.string()));
  run.headers = std::move(*bytes);
  if (context_csv) {
    auto text = util::read_text_file(*context_csv);
    if (!text) return std::unexpected(text.error());
    auto rows = parse_header_context(*text);
    if (!rows) return std::unexpected(fmt::format("{}: {}", context_csv->string(), rows.error()));
    run.context = std::move(*rows);
  }
  return run;
}

std::expected<std::vector<Run>, std::string>
load_runs(const std::optional<std::filesystem::path>& file) {
  std::vector<Run> runs;
  if (file) {
    auto run = load_run(file->filename().string(), *file, 0, nullptr);
    if (!run) return std::unexpected(run.error());
    runs.push_back(std::move(*run));
    return runs;
  }
  const auto csv = shared("chain/mainnet_diffchange_headers.csv");
  auto from_genesis =
      load_run("check 0-10236", shared("chain/mainnet_headers_0_10236.bin"), 0, nullptr);
  if (!from_genesis) return std::unexpected(from_genesis.error());
  auto on_context =
      load_run("check 80001-100000", shared("chain/mainnet_headers_80001_100000.bin"), 80001, &csv);
  if (!on_context) return std::unexpected(on_context.error());
  runs.push_back(std::move(*from_genesis));
  runs.push_back(std::move(*on_context));
  return runs;
}

std::size_t header_count(const Run& run) { return run.headers.size() / wire::kBlockHeaderSize; }

} // namespace

bool run_headers_bench(std::ostream& out, std::ostream& err,
                       const std::optional<std::filesystem::path>& file, Network network,
                       double seconds, bool json) {
  auto runs = load_runs(file);
  if (!runs) {
    err << "peregrine bench headers: " << runs.error()
        << "\n(give a file of raw 80-byte headers from genesis, e.g. "
           "../shared/data/chain/mainnet_headers_0_10236.bin)\n";
    return false;
  }
  const ChainParams& params = chain_params(file ? network : Network::main);
  const std::int64_t now = std::chrono::duration_cast<std::chrono::seconds>(
                               std::chrono::system_clock::now().time_since_epoch())
                               .count();
  // Timing a run that stops early would flatter it: every header must pass first.
  std::size_t total = 0;
  for (const Run& run : *runs) {
    const HeaderRunResult r =
        check_header_run(run.headers, run.start_height, run.context, now, params);
    if (r.failure) {
      err << fmt::format(
          "peregrine bench headers: {}: header {} fails: {}\n(a FILE must hold headers from "
          "the genesis of --network; check it with 'peregrine check-headers')\n",
          run.name, r.failure->height, r.failure->reason);
      return false;
    }
    total += r.count;
  }

  const Run& first = runs->front();
  std::vector<Phase> phases;
  phases.push_back(
      {"sha256d", "baseline: double SHA-256 of each 80-byte header", 0,
       measure(
           [&] {
             for (std::size_t at = 0; at < first.headers.size(); at += wire::kBlockHeaderSize)
               keep(crypto::sha256d(ByteSpan(first.headers).subspan(at, wire::kBlockHeaderSize)));
           },
           seconds)});
  phases.back().ns_per_header =
      phases.back().timing.median_ns / static_cast<double>(header_count(first));
  for (const Run& run : *runs) {
    Timing t = measure(
        [&] { keep(check_header_run(run.headers, run.start_height, run.context, now, params)); },
        seconds);
    phases.push_back({run.name, "hash, proof of work and every contextual rule, chain work", 0, t});
    phases.back().ns_per_header = t.median_ns / static_cast<double>(header_count(run));
  }
  const double baseline = phases.front().ns_per_header;

  if (json) {
    namespace js = util::json;
    js::Value doc = js::Value::object();
    doc.set("benchmark", "headers");
    doc.set("network", std::string(to_string(params.network)));
    doc.set("headers", static_cast<std::uint64_t>(total));
    js::Value list = js::Value::array();
    for (const auto& p : phases) {
      js::Value v = js::Value::object();
      v.set("phase", p.name);
      v.set("headers_per_second", 1e9 / p.ns_per_header);
      v.set("ns_per_header", p.ns_per_header);
      v.set("samples", static_cast<std::uint64_t>(p.timing.samples));
      v.set("ratio_to_sha256d", p.ns_per_header / baseline);
      list.push_back(std::move(v));
    }
    doc.set("phases", std::move(list));
    out << doc.dump() << "\n";
    return true;
  }

  out << fmt::format("bench headers: {} {} headers in {} file(s), {} s per phase\n", total,
                     to_string(params.network), runs->size(), seconds);
  out << fmt::format("{:<20} {:>12} {:>10} {:>10} {:>10}  {}\n", "phase", "headers/s", "ns/header",
                     "best ns", "x sha256d", "what");
  for (const auto& p : phases) {
    const double best = p.timing.min_ns * p.ns_per_header / p.timing.median_ns;
    out << fmt::format("{:<20} {:>12.0f} {:>10.1f} {:>10.1f} {:>10.2f}  {}\n", p.name,
                       1e9 / p.ns_per_header, p.ns_per_header, best, p.ns_per_header / baseline,
                       p.what);
  }
  return true;
}

} // namespace peregrine::bench
