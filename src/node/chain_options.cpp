#include "node/chain_options.hpp"

#include <algorithm>
#include <thread>

#include <fmt/format.h>

namespace peregrine::node {
namespace {

// Core's MIN_DISK_SPACE_FOR_BLOCK_FILES: room for the last 288 blocks of 4 MB with their undo data.
constexpr std::uint64_t kMinPruneMiB = 550;

} // namespace

std::vector<OptionSpec> chain_options() {
  return {
      {"dbcache", ArgKind::value, "MIB", "coins cache size in MiB (default 450; 0 flushes after every block)"},
      {"par", ArgKind::value, "N", "script-check threads (default: one per core)"},
      {"assumevalid", ArgKind::value, "0|HASH",
       "skip scripts of ancestors of this block (default: the network's; 0 checks every script)"},
      {"script-lookahead", ArgKind::value, "N",
       "blocks whose coins are updated while earlier blocks' scripts are checked (default 16; 1: none)"},
      {"prune", ArgKind::value, "MIB",
       "delete the oldest block and undo files to stay under MIB (at least 550; default 0: keep all)"},
      {"fastprune", ArgKind::flag, "", "regtest only: 64 KiB block files, so tests can prune small chains"},
  };
}

std::expected<sync::ChainStateOptions, UsageError> parse_chain_options(const ParsedArgs& args) {
  sync::ChainStateOptions options;
  auto dbcache = parse_uint_option(args, "dbcache", 450, 0, 1 << 20); // 0: flush after every block (tests)
  if (!dbcache) return std::unexpected(dbcache.error());
  options.dbcache_bytes = static_cast<std::size_t>(*dbcache) << 20;
  const unsigned cores = std::max(1u, std::thread::hardware_concurrency());
  auto par = parse_uint_option(args, "par", cores, 1, 1024);
  if (!par) return std::unexpected(par.error());
  options.par = static_cast<unsigned>(*par);
  auto lookahead = parse_uint_option(args, "script-lookahead", 16, 1, 1024);
  if (!lookahead) return std::unexpected(lookahead.error());
  options.script_lookahead = *lookahead;
  auto prune = parse_uint_option(args, "prune", 0, 0, 1ull << 40);
  if (!prune) return std::unexpected(prune.error());
  if (*prune != 0 && *prune < kMinPruneMiB)
    return std::unexpected(UsageError{fmt::format("--prune={} is below the minimum of {} MiB", *prune, kMinPruneMiB)});
  options.prune_target_bytes = *prune << 20;
  auto assumevalid = parse_assumevalid_option(args);
  if (!assumevalid) return std::unexpected(assumevalid.error());
  if (*assumevalid && (*assumevalid)->is_zero()) options.assumevalid = false;
  else if (*assumevalid) options.assumevalid_block = **assumevalid;
  return options;
}

std::expected<std::uint32_t, UsageError> parse_block_file_size(const ParsedArgs& args, consensus::Network network) {
  if (!args.has("fastprune")) return sync::kDefaultMaxBlockFileSize;
  if (network != consensus::Network::regtest) return std::unexpected(UsageError{"--fastprune is for regtest only"});
  return std::uint32_t{64} << 10; // Core's -fastprune file size
}

} // namespace peregrine::node
