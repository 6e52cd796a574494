#include "node/import_command.hpp"

#include <algorithm>
#include <chrono>
#include <csignal>
#include <map>
#include <ostream>
#include <thread>

#include <fmt/format.h>

#include "node/commands.hpp"
#include "sync/chain_state.hpp"
#include "util/file.hpp"
#include "util/json.hpp"
#include "wire/blk_file.hpp"
#include "wire/codec.hpp"

namespace peregrine::node {
namespace {

namespace json = util::json;
using Clock = std::chrono::steady_clock;
constexpr std::string_view kName = "peregrine import";

// Set by SIGINT/SIGTERM: the import stops between blocks, flushes, and reports.
volatile std::sig_atomic_t g_stop = 0;
void request_stop(int) { g_stop = 1; }

int fail(const Context& ctx, std::string_view message) {
  ctx.err << kName << ": " << message << "\n";
  return kExitFailure;
}

// The datadir's stores, opened together and closed in reverse.
struct Stores {
  std::unique_ptr<sync::HeaderStore> headers;
  std::unique_ptr<sync::BlockStore> blocks;
  std::unique_ptr<sync::UtxoDb> utxo;
};

std::expected<Stores, std::string> open_stores(const std::filesystem::path& datadir,
                                               const consensus::ChainParams& params) {
  Stores s;
  auto headers = sync::HeaderStore::open(datadir / "headers", params);
  if (!headers) return std::unexpected(headers.error());
  auto blocks = sync::BlockStore::open(datadir / "blocks", params);
  if (!blocks) return std::unexpected(blocks.error());
  auto utxo = sync::UtxoDb::open(datadir / "chainstate", params);
  if (!utxo) return std::unexpected(utxo.error());
  s.headers = std::move(*headers);
  s.blocks = std::move(*blocks);
  s.utxo = std::move(*utxo);
  return s;
}

// --reindex: the datadir's own block files become the input of a fresh import. They move aside to
// blocks.reindex (kept if an interrupted reindex left one) and are deleted once the import is done.
std::expected<std::vector<std::filesystem::path>, std::string> prepare_reindex(const std::filesystem::path& datadir) {
  namespace fs = std::filesystem;
  std::error_code ec;
  const fs::path old_blocks = datadir / "blocks.reindex";
  if (!fs::exists(old_blocks)) {
    if (!fs::exists(datadir / "blocks")) return std::unexpected(fmt::format("{} has no blocks folder to reindex", datadir.string()));
    fs::rename(datadir / "blocks", old_blocks, ec);
  } else {
    fs::remove_all(datadir / "blocks", ec);
  }
  if (!ec) fs::remove_all(datadir / "headers", ec);
  if (!ec) fs::remove_all(datadir / "chainstate", ec);
  if (ec) return std::unexpected(fmt::format("cannot prepare {} for a reindex: {}", datadir.string(), ec.message()));
  std::vector<fs::path> files;
  for (const auto& e : fs::directory_iterator(old_blocks, ec)) {
    const std::string name = e.path().filename().string();
    if (name.starts_with("blk") && name.ends_with(".dat")) files.push_back(e.path());
  }
  std::sort(files.begin(), files.end()); // blk00000.dat, blk00001.dat, ...: numbered in order
  return files;
}

} // namespace

std::vector<OptionSpec> import_options() {
  return {
      {"dbcache", ArgKind::value, "MIB", "coins cache size in MiB (default 450; 0 flushes after every block)"},
      {"par", ArgKind::value, "N", "script-check threads (default: one per core)"},
      {"assumevalid", ArgKind::value, "0|HASH",
       "skip scripts of ancestors of this block (default: the network's; 0 checks every script)"},
      {"reindex", ArgKind::flag, "",
       "rebuild headers and UTXO set from the datadir's own block files (after corruption)"},
  };
}

int run_import_command(const Context& ctx, const ParsedArgs& args) {
  const auto& params = consensus::chain_params(ctx.network);
  auto dbcache = parse_uint_option(args, "dbcache", 450, 0, 1 << 20); // 0: flush after every block (tests)
  if (!dbcache) return fail(ctx, dbcache.error().message);
  const unsigned cores = std::max(1u, std::thread::hardware_concurrency());
  auto par = parse_uint_option(args, "par", cores, 1, 1024);
  if (!par) return fail(ctx, par.error().message);
  sync::ChainStateOptions options;
  options.dbcache_bytes = static_cast<std::size_t>(*dbcache) << 20;
  options.par = static_cast<unsigned>(*par);
  if (auto av = args.value("assumevalid")) {
    if (*av == "0") {
      options.assumevalid = false;
    } else {
      auto hash = Hash256::from_hex(*av);
      if (!hash) return fail(ctx, fmt::format("--assumevalid: '{}' is neither 0 nor a block hash", *av));
      options.assumevalid_block = *hash;
    }
  }

  std::vector<std::filesystem::path> files;
  if (args.has("reindex")) {
    auto own = prepare_reindex(ctx.datadir);
    if (!own) return fail(ctx, own.error());
    files = std::move(*own);
  }
  for (const auto& p : args.positional()) files.emplace_back(p);
  if (files.empty()) return fail(ctx, "no block files: give FILE... or --reindex");

  auto stores = open_stores(ctx.datadir, params);
  if (!stores) return fail(ctx, stores.error());
  util::Logger log;
  sync::HeaderTree tree(params);
  if (auto loaded = stores->headers->load_into(tree); !loaded) return fail(ctx, loaded.error());
  sync::ChainState chain(tree, *stores->headers, *stores->blocks, *stores->utxo, log, options);
  if (auto i = chain.init(); !i) return fail(ctx, i.error());
  const int start_height = chain.tip().height;
  // Blocks stored by an interrupted run are connected first (crash recovery).
  if (auto a = chain.activate_best_chain(); !a) return fail(ctx, a.error());

  g_stop = 0;
  std::signal(SIGINT, request_stop);
  std::signal(SIGTERM, request_stop);
  const auto t0 = Clock::now();
  const auto inputs0 = chain.stats().inputs;
  std::size_t read = 0, already = 0;
  // Blocks waiting for their parent, by the parent's hash.
  std::multimap<Hash256, Bytes> waiting;
  std::size_t undecodable = 0;
  // One block, then any of its descendants that were waiting for it (a work list, not recursion:
  // a file in reverse order would otherwise nest as deep as it is long).
  auto process = [&](ByteSpan first) -> std::expected<void, std::string> {
    std::vector<Bytes> todo;
    todo.emplace_back(first.begin(), first.end());
    while (!todo.empty()) {
      Bytes raw = std::move(todo.back());
      todo.pop_back();
      auto block = wire::from_bytes<wire::Block>(raw);
      if (!block) {
        ++undecodable;
        continue;
      }
      const Hash256 hash = wire::block_hash(block->header);
      if (const auto* known = tree.find(hash); known && known->have_data()) {
        ++already;
        continue;
      }
      consensus::HeaderError header_error{};
      if (auto r = chain.process_block(*block, raw, &header_error); !r) return r;
      if (header_error == consensus::HeaderError::prev_blk_not_found) {
        waiting.emplace(block->header.prev_block, std::move(raw));
        continue;
      }
      auto [begin, end] = waiting.equal_range(hash);
      for (auto it = begin; it != end; ++it) todo.push_back(std::move(it->second));
      waiting.erase(begin, end);
    }
    return {};
  };

  for (const auto& path : files) {
    auto contents = util::read_file(path);
    if (!contents) return fail(ctx, contents.error());
    wire::Reader r(*contents);
    while (!r.at_end() && !g_stop) {
      auto record = wire::read_blk_record(r, params.magic);
      if (!record) {
        // Core's files end in zero padding; anything else is reported.
        if (std::all_of(contents->begin() + static_cast<std::ptrdiff_t>(r.position()), contents->end(),
                        [](auto b) { return b == 0; }))
          break;
        return fail(ctx, fmt::format("{}: {}", path.string(), record.error().message()));
      }
      ++read;
      if (auto p = process(record->block); !p) return fail(ctx, p.error());
    }
  }
  if (auto f = chain.flush(); !f) return fail(ctx, f.error());
  std::signal(SIGINT, SIG_DFL);
  std::signal(SIGTERM, SIG_DFL);
  if (args.has("reindex") && !g_stop) std::filesystem::remove_all(ctx.datadir / "blocks.reindex");
  const double seconds = std::chrono::duration<double>(Clock::now() - t0).count();

  json::Value out = json::Value::object();
  out.set("network", std::string(consensus::to_string(ctx.network)));
  out.set("datadir", ctx.datadir.string());
  out.set("blocks_read", static_cast<std::uint64_t>(read));
  out.set("blocks_already_stored", static_cast<std::uint64_t>(already));
  out.set("blocks_undecodable", static_cast<std::uint64_t>(undecodable));
  out.set("blocks_waiting_for_parent", static_cast<std::uint64_t>(waiting.size()));
  out.set("start_height", static_cast<std::int64_t>(start_height));
  out.set("height", static_cast<std::int64_t>(chain.tip().height));
  out.set("tip", chain.tip().hash->to_hex());
  out.set("blocks_connected", chain.stats().blocks_connected);
  out.set("inputs", chain.stats().inputs - inputs0);
  out.set("script_checks_skipped_blocks", chain.stats().scripts_skipped_blocks);
  json::Value invalid = json::Value::array();
  for (const auto& bad : chain.invalid_blocks()) {
    json::Value b = json::Value::object();
    b.set("height", static_cast<std::int64_t>(bad.height));
    b.set("hash", bad.hash.to_hex());
    b.set("reason", bad.reason);
    invalid.push_back(std::move(b));
  }
  out.set("invalid", std::move(invalid));
  out.set("interrupted", g_stop != 0);
  out.set("seconds", seconds);
  out.set("blocks_per_second", seconds > 0 ? static_cast<double>(chain.stats().blocks_connected) / seconds : 0.0);
  out.set("inputs_per_second", seconds > 0 ? static_cast<double>(chain.stats().inputs - inputs0) / seconds : 0.0);
  out.set("utxo_disk_bytes", stores->utxo->disk_bytes());
  ctx.out << out.dump_pretty() << "\n";
  return chain.invalid_blocks().empty() && !g_stop ? kExitOk : kExitFailure;
}

} // namespace peregrine::node
