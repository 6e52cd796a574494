#include "node/bench_command.hpp"

#include <algorithm>
#include <filesystem>
#include <ostream>
#include <thread>

#include <fmt/format.h>

#include "bench/addrbook_bench.hpp"
#include "bench/coins_bench.hpp"
#include "bench/snapshot_bench.hpp"
#include "bench/decode_bench.hpp"
#include "bench/generate_bench.hpp"
#include "bench/header_tree_bench.hpp"
#include "bench/headers_bench.hpp"
#include "bench/import_bench.hpp"
#include "bench/p2p_bench.hpp"
#include "bench/verify_bench.hpp"
#include "node/commands.hpp"

namespace peregrine::node {
namespace {

// `bench import [FILE]`: FILE needs --network (its blk magic must match); without FILE, the shared
// chain file of --network, testnet3's when none is given. Temporary datadirs go under --datadir if
// given (to measure a chosen disk), else the system's temporary folder.
int run_import_bench_command(const Context& ctx, const ParsedArgs& args, double seconds) {
  constexpr std::string_view kName = "peregrine bench import";
  auto usage = [&](std::string_view message) { return command_misused(ctx, kName, message); };
  const auto& positional = args.positional();
  if (positional.size() > 2) return usage("takes at most one FILE of blk-framed blocks");
  bench::ImportBenchOptions o;
  o.network = ctx.network_given ? ctx.network : consensus::Network::testnet3;
  if (positional.size() == 2) {
    if (!ctx.network_given) return usage("give --network for FILE (its blocks' magic must match)");
    o.file = positional[1];
  } else {
    auto file = bench::default_import_file(o.network);
    if (!file)
      return usage(fmt::format("no default file for --network={}: give FILE",
                               consensus::to_string(o.network)));
    o.file = *file;
  }
  const unsigned cores = std::max(1u, std::thread::hardware_concurrency());
  auto threads = parse_uint_option(args, "threads", cores, 1, 1024);
  if (!threads) return usage(threads.error().message);
  auto runs = parse_uint_option(args, "runs", 3, 1, 100);
  if (!runs) return usage(runs.error().message);
  auto dbcache = parse_uint_option(args, "dbcache", 450, 0, 1 << 20);
  if (!dbcache) return usage(dbcache.error().message);
  auto assumevalid = parse_assumevalid_option(args); // default 0 here: every script checked
  if (!assumevalid) return usage(assumevalid.error().message);
  if (*assumevalid && !(*assumevalid)->is_zero()) o.assumevalid = **assumevalid;

  o.threads = static_cast<unsigned>(*threads);
  o.runs = static_cast<unsigned>(*runs);
  o.dbcache_bytes = static_cast<std::size_t>(*dbcache) << 20;
  o.seconds = seconds;
  o.json = args.has("json");
  o.scratch = args.has("datadir") ? ctx.datadir : std::filesystem::temp_directory_path();
  return bench::run_import_bench(ctx.out, ctx.err, o) ? kExitOk : kExitFailure;
}

// `bench coins`: scratch databases go under --datadir if given, else the system's temporary folder.
int run_coins_bench_command(const Context& ctx, const ParsedArgs& args, double seconds) {
  constexpr std::string_view kName = "peregrine bench coins";
  if (args.positional().size() > 1) return command_misused(ctx, kName, "takes no files");
  auto coins = parse_uint_option(args, "coins", 1'000'000, 1'000, 100'000'000);
  if (!coins) return command_misused(ctx, kName, coins.error().message);
  bench::CoinsBenchOptions o;
  o.coins = static_cast<std::size_t>(*coins);
  o.seconds = seconds;
  o.json = args.has("json");
  o.scratch = args.has("datadir") ? ctx.datadir : std::filesystem::temp_directory_path();
  return bench::run_coins_bench(ctx.out, ctx.err, o) ? kExitOk : kExitFailure;
}

// `bench snapshot`: as `bench coins`, scratch under --datadir if given.
int run_snapshot_bench_command(const Context& ctx, const ParsedArgs& args) {
  constexpr std::string_view kName = "peregrine bench snapshot";
  if (args.positional().size() > 1) return command_misused(ctx, kName, "takes no files");
  auto coins = parse_uint_option(args, "coins", 1'000'000, 1'000, 200'000'000);
  if (!coins) return command_misused(ctx, kName, coins.error().message);
  bench::SnapshotBenchOptions o;
  o.coins = static_cast<std::size_t>(*coins);
  o.json = args.has("json");
  o.scratch = args.has("datadir") ? ctx.datadir : std::filesystem::temp_directory_path();
  return bench::run_snapshot_bench(ctx.out, ctx.err, o) ? kExitOk : kExitFailure;
}

} // namespace

std::vector<OptionSpec> bench_options() {
  return {
      {"seconds", ArgKind::value, "S", "time spent on each measured phase (default 2)"},
      {"json", ArgKind::flag, "", "print the figures as one JSON object instead of a table"},
      {"threads", ArgKind::value, "N",
       "verify: threads of the parallel run; import: script-check threads; generate: threads of the "
       "second run (default: one per core)"},
      {"runs", ArgKind::value, "N", "import: runs, each into a fresh temporary datadir (default 3)"},
      {"coins", ArgKind::value, "N", "coins, snapshot: size of the coin set (default 1,000,000)"},
      {"headers", ArgKind::value, "N", "header-tree: headers mined and indexed (default 100,000)"},
      {"dbcache", ArgKind::value, "MIB", "import: coins cache size in MiB (default 450)"},
      {"assumevalid", ArgKind::value, "0|HASH",
       "import: skip scripts of ancestors of HASH (default 0: check every script)"},
  };
}

int run_bench_command(const Context& ctx, const ParsedArgs& args) {
  auto seconds = parse_uint_option(args, "seconds", 2, 1, 3600);
  if (!seconds) {
    ctx.err << "peregrine bench: " << seconds.error().message << "\n";
    return kExitUsage;
  }
  const std::string& name = args.positional().at(0);
  const std::size_t files = args.positional().size() - 1;
  if (name == "verify") {
    const unsigned cores = std::max(1u, std::thread::hardware_concurrency());
    auto threads = parse_uint_option(args, "threads", cores, 1, 1024);
    if (!threads) {
      ctx.err << "peregrine bench: " << threads.error().message << "\n";
      return kExitUsage;
    }
    if (files == 1) {
      ctx.err << "peregrine bench verify: give both BLOCK and SPENT, or neither\n";
      return kExitUsage;
    }
    using std::filesystem::path;
    path block = files ? path(args.positional()[1]) : bench::default_verify_block();
    path spent = files ? path(args.positional()[2]) : bench::default_verify_spent();
    bool ok = bench::run_verify_bench(ctx.out, ctx.err, block, spent,
                                      static_cast<unsigned>(*threads),
                                      static_cast<double>(*seconds), args.has("json"));
    return ok ? kExitOk : kExitFailure;
  }
  if (name == "decode" || name == "p2p") {
    if (files > 1) {
      ctx.err << fmt::format("peregrine bench {}: takes at most one BLOCK file\n", name);
      return kExitUsage;
    }
    std::filesystem::path block = files ? std::filesystem::path(args.positional()[1])
                                        : bench::default_decode_block();
    bool ok = name == "decode"
                  ? bench::run_decode_bench(ctx.out, ctx.err, block, static_cast<double>(*seconds),
                                            args.has("json"))
                  : bench::run_p2p_bench(ctx.out, ctx.err, block, static_cast<double>(*seconds),
                                         args.has("json"));
    return ok ? kExitOk : kExitFailure;
  }
  if (name == "headers") {
    if (files > 1) {
      ctx.err << "peregrine bench headers: takes at most one FILE of raw headers\n";
      return kExitUsage;
    }
    std::optional<std::filesystem::path> file;
    if (files) file = args.positional()[1];
    bool ok = bench::run_headers_bench(ctx.out, ctx.err, file, ctx.network,
                                       static_cast<double>(*seconds), args.has("json"));
    return ok ? kExitOk : kExitFailure;
  }
  if (name == "header-tree") {
    if (files > 0) {
      ctx.err << "peregrine bench header-tree: takes no files\n";
      return kExitUsage;
    }
    auto headers = parse_uint_option(args, "headers", 100'000, 1'000, 10'000'000);
    if (!headers) return command_misused(ctx, "peregrine bench header-tree", headers.error().message);
    return bench::run_header_tree_bench(ctx.out, ctx.err, static_cast<int>(*headers)) ? kExitOk : kExitFailure;
  }
  if (name == "addrbook") {
    if (files > 0) {
      ctx.err << "peregrine bench addrbook: takes no files\n";
      return kExitUsage;
    }
    bool ok = bench::run_addrbook_bench(ctx.out, ctx.err, static_cast<double>(*seconds),
                                        args.has("json"));
    return ok ? kExitOk : kExitFailure;
  }
  if (name == "import") return run_import_bench_command(ctx, args, static_cast<double>(*seconds));
  if (name == "generate") {
    if (files > 0) {
      ctx.err << "peregrine bench generate: takes no files\n";
      return kExitUsage;
    }
    const unsigned cores = std::max(1u, std::thread::hardware_concurrency());
    auto threads = parse_uint_option(args, "threads", cores, 1, 1024);
    if (!threads) {
      ctx.err << "peregrine bench: " << threads.error().message << "\n";
      return kExitUsage;
    }
    bool ok = bench::run_generate_bench(ctx.out, ctx.err, static_cast<unsigned>(*threads),
                                        static_cast<double>(*seconds), args.has("json"));
    return ok ? kExitOk : kExitFailure;
  }
  if (name == "coins") return run_coins_bench_command(ctx, args, static_cast<double>(*seconds));
  if (name == "snapshot") return run_snapshot_bench_command(ctx, args);
  ctx.err << fmt::format(
      "peregrine bench: unknown benchmark '{}' (available: decode, verify, p2p, addrbook, headers, "
      "header-tree, import, generate, coins)\n",
      name);
  return kExitUsage;
}

} // namespace peregrine::node
