#include "node/import_command.hpp"


#include <algorithm>
#include <chrono>
#include <csignal>
#include <ostream>
#include <thread>

#include <fmt/format.h>

#include "node/chain_options.hpp"
#include "node/commands.hpp"
#include "node/recovery.hpp"
#include "node/sync_report.hpp"
#include "sync/ibd_profile.hpp"
#include "util/peak_rss.hpp"
#include "sync/block_import.hpp"
#include "util/datadir_lock.hpp"
#include "util/json.hpp"

namespace peregrine::node {
namespace {

namespace json = util::json;
using Clock = std::chrono::steady_clock;
constexpr std::string_view kName = "peregrine import";

// Set by SIGINT/SIGTERM: the import stops between blocks, flushes, and reports.
volatile std::sig_atomic_t g_stop = 0;
void request_stop(int) { g_stop = 1; }

int fail(const Context& ctx, std::string_view message) { return command_failed(ctx, kName, message); }
// A wrong option value: the command line is wrong.
int usage(const Context& ctx, const UsageError& error) { return command_misused(ctx, kName, error.message); }

} // namespace

std::vector<OptionSpec> import_options() {
  std::vector<OptionSpec> options = chain_options();
  options.push_back({"reindex", ArgKind::flag, "",
                     "rebuild headers and UTXO set from the datadir's own block files (after corruption)"});
  options.push_back({"trace", ArgKind::value, "FILE.csv", "write each connected block's size and stage times to FILE.csv"});
  return options;
}

int run_import_command(const Context& ctx, const ParsedArgs& args) {
  const auto& params = ctx.params();
  auto parsed = parse_chain_options(args);
  if (!parsed) return usage(ctx, parsed.error());
  const sync::ChainStateOptions options = *parsed;

  // Before anything in the datadir is touched, --reindex's moves included.
  auto lock = util::DatadirLock::acquire(ctx.datadir);
  if (!lock) return fail(ctx, lock.error());

  std::vector<std::filesystem::path> files;
  if (args.has("reindex")) {
    auto own = prepare_reindex(ctx.datadir);
    if (!own) return fail(ctx, own.error());
    files = std::move(*own);
  }
  for (const auto& p : args.positional()) files.emplace_back(p);
  if (files.empty()) return usage(ctx, UsageError{"no block files: give FILE... or --reindex"});

  auto file_size = parse_block_file_size(args, ctx.network);
  if (!file_size) return usage(ctx, file_size.error());
  auto stores = sync::ChainStores::open(ctx.datadir, params, options.dbcache_bytes, *file_size);
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
  sync::IbdProfile profile;
  if (auto trace = args.value("trace")) {
    if (auto opened = profile.open_trace(*trace); !opened) return fail(ctx, opened.error());
  }
  chain.on_block_traced = [&profile](const sync::BlockTrace& t) { profile.block_traced(t); };
  const auto t0 = Clock::now();
  const auto inputs0 = chain.stats().inputs;
  // This thread reads, decodes and hashes; the chain thread stores and connects.
  sync::ChainWorker worker(chain, tree, sync::ChainWorker::Mode::thread);
  sync::BlockImporter importer(worker, tree, *stores->headers);
  importer.set_profile(&profile);
  for (const auto& path : files) {
    if (auto a = importer.add_file(path, &g_stop); !a) return fail(ctx, a.error());
  }
  if (auto d = importer.drain(); !d) return fail(ctx, d.error());
  if (auto f = worker.stop(); !f) return fail(ctx, f.error());
  std::signal(SIGINT, SIG_DFL);
  std::signal(SIGTERM, SIG_DFL);
  if (args.has("reindex") && !g_stop) std::filesystem::remove_all(ctx.datadir / "blocks.reindex");
  const double seconds = std::chrono::duration<double>(Clock::now() - t0).count();
  sync::ProfileTotals totals;
  totals.wall = Clock::now() - t0;
  totals.timings = chain.stats().time;
  totals.chain = sync::chain_thread_profile(totals.timings, worker.thread_times());
  totals.feeder = sync::reader_thread_profile(importer.times());
  totals.script_threads = std::max(options.par, 1u);
  totals.prefetch = chain.prefetch_stats();
  totals.flushes = chain.stats().flushes;
  ctx.err << sync::format_profile(totals);

  json::Value out = json::Value::object();
  out.set("network", std::string(consensus::to_string(ctx.network)));
  out.set("datadir", ctx.datadir.string());
  out.set("blocks_read", importer.counts().read);
  out.set("blocks_already_stored", importer.counts().already_stored);
  out.set("blocks_undecodable", importer.counts().undecodable);
  out.set("blocks_waiting_for_parent", static_cast<std::uint64_t>(importer.waiting()));
  out.set("start_height", static_cast<std::int64_t>(start_height));
  out.set("height", static_cast<std::int64_t>(chain.tip().height));
  out.set("tip", chain.tip().hash->to_hex());
  out.set("blocks_connected", chain.stats().blocks_connected);
  out.set("inputs", chain.stats().inputs - inputs0);
  out.set("script_checks_skipped_blocks", chain.stats().scripts_skipped_blocks);
  std::vector<sync::InvalidBlock> invalid = importer.invalid_headers();
  invalid.insert(invalid.end(), chain.invalid_blocks().begin(), chain.invalid_blocks().end());
  out.set("invalid", invalid_blocks_json(invalid));
  out.set("interrupted", g_stop != 0);
  out.set("seconds", seconds);
  out.set("blocks_per_second", seconds > 0 ? static_cast<double>(chain.stats().blocks_connected) / seconds : 0.0);
  out.set("inputs_per_second", seconds > 0 ? static_cast<double>(chain.stats().inputs - inputs0) / seconds : 0.0);
  out.set("utxo_disk_bytes", stores->utxo->disk_bytes());
  out.set("block_files_disk_bytes", stores->blocks->disk_bytes());
  out.set("files_pruned", chain.stats().files_pruned);
  out.set("peak_rss_mib", util::peak_rss_mib());
  out.set("profile", sync::profile_json(totals));
  ctx.out << out.dump_pretty() << "\n";
  return invalid.empty() && !g_stop ? kExitOk : kExitFailure;
}

} // namespace peregrine::node
