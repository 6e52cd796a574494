#include "node/utxo_stats_command.hpp"

#include <filesystem>
#include <ostream>

#include <fmt/format.h>

#include "consensus/chainparams.hpp"
#include "node/commands.hpp"
#include "sync/header_store.hpp"
#include "sync/header_tree.hpp"
#include "sync/utxo_db.hpp"
#include "sync/utxo_stats.hpp"

namespace peregrine::node {
namespace {

namespace fs = std::filesystem;

int fail(const Context& ctx, std::string_view message) {
  ctx.err << "peregrine utxo-stats: " << message << "\n";
  return kExitFailure;
}

} // namespace

std::expected<int, std::string> best_block_height(const fs::path& datadir, const consensus::ChainParams& params,
                                                  const Hash256& best_block) {
  const fs::path dir = datadir / "headers";
  std::error_code ec;
  if (best_block.is_zero() || !fs::is_directory(dir, ec)) return -1;
  auto store = sync::HeaderStore::open(dir, params);
  if (!store) return std::unexpected(store.error());
  sync::HeaderTree tree(params);
  auto loaded = (*store)->load_into(tree);
  if (!loaded) return std::unexpected(loaded.error());
  const sync::HeaderEntry* entry = tree.find(best_block);
  return entry ? entry->height : -1;
}

int run_utxo_stats_command(const Context& ctx, const ParsedArgs&) {
  std::error_code ec;
  if (!fs::is_directory(ctx.datadir, ec)) return fail(ctx, fmt::format("no datadir {}", ctx.datadir.string()));
  // Checked before opening, which would create an empty database.
  const fs::path chainstate = ctx.datadir / "chainstate";
  if (!fs::exists(chainstate / "CURRENT", ec))
    return fail(ctx, fmt::format("no UTXO database in {} (run import or sync first)", chainstate.string()));

  const consensus::ChainParams& params = ctx.params();
  auto db = sync::UtxoDb::open(chainstate, params);
  if (!db) {
    return fail(ctx, ctx.network_given ? db.error()
                                       : fmt::format("{} (is --network={} the datadir's network?)", db.error(),
                                                     consensus::to_string(ctx.network)));
  }
  auto stats = sync::compute_utxo_stats(**db);
  if (!stats) return fail(ctx, stats.error());
  auto height = best_block_height(ctx.datadir, params, stats->best_block);
  if (!height) return fail(ctx, height.error());
  stats->height = *height;
  ctx.out << sync::to_json(*stats).dump_pretty() << "\n";
  return kExitOk;
}

} // namespace peregrine::node
