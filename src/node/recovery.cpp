#include "node/recovery.hpp"

#include <algorithm>

#include <fmt/format.h>

#include "sync/block_import.hpp"
#include "util/file_io.hpp"
#include "util/log.hpp"

namespace peregrine::node {
namespace {

namespace fs = std::filesystem;
constexpr std::string_view kLog = "reindex";

// Pruning deletes the oldest files first: without blk00000.dat the chain cannot be rebuilt.
bool pruned(const fs::path& blocks) {
  std::error_code ec;
  return !fs::exists(blocks / sync::block_file_name(0)) && fs::exists(blocks) && !fs::is_empty(blocks, ec);
}

} // namespace

bool reindex_pending(const fs::path& datadir) { return fs::exists(datadir / "blocks.reindex"); }

std::expected<std::vector<fs::path>, std::string> prepare_reindex(const fs::path& datadir) {
  std::error_code ec;
  const fs::path old_blocks = datadir / "blocks.reindex";
  if (!fs::exists(old_blocks)) {
    if (!fs::exists(datadir / "blocks")) return std::unexpected(fmt::format("{} has no blocks folder to reindex", datadir.string()));
    if (pruned(datadir / "blocks"))
      return std::unexpected(fmt::format("{}: block files were pruned, so a reindex cannot rebuild the chain from "
                                         "them; import the blocks into a new datadir instead",
                                         datadir.string()));
    fs::rename(datadir / "blocks", old_blocks, ec);
    // Durable before the index goes: a power cut must not bring blocks/ back beside no index.
    if (!ec)
      if (auto d = util::sync_directory(old_blocks); !d) ec = d.error();
  } else {
    fs::remove_all(datadir / "blocks", ec);
  }
  if (!ec) fs::remove_all(datadir / "headers", ec);
  if (!ec) fs::remove_all(datadir / "chainstate", ec);
  if (!ec) fs::remove_all(datadir / "chainstate.wipe", ec);
  if (ec) return std::unexpected(fmt::format("cannot prepare {} for a reindex: {}", datadir.string(), ec.message()));
  std::vector<fs::path> files;
  for (const auto& e : fs::directory_iterator(old_blocks, ec)) {
    const std::string name = e.path().filename().string();
    if (name.starts_with("blk") && name.ends_with(".dat")) files.push_back(e.path());
  }
  if (ec) return std::unexpected(fmt::format("cannot list {}: {}", old_blocks.string(), ec.message()));
  std::sort(files.begin(), files.end()); // blk00000.dat, blk00001.dat, ...: numbered in order
  return files;
}

std::expected<void, std::string> prepare_reindex_chainstate(const fs::path& datadir) {
  if (!fs::exists(datadir / "headers") || !fs::exists(datadir / "blocks"))
    return std::unexpected(fmt::format("{} has no block index and block files to rebuild the UTXO set from",
                                       datadir.string()));
  if (pruned(datadir / "blocks"))
    return std::unexpected(fmt::format("{}: block files were pruned, so the UTXO set cannot be rebuilt from them; "
                                       "sync again into a new datadir",
                                       datadir.string()));
  // Renamed first: a kill during the deletion leaves no half-deleted database to open.
  std::error_code ec;
  if (fs::exists(datadir / "chainstate")) {
    fs::remove_all(datadir / "chainstate.wipe", ec);
    if (!ec) fs::rename(datadir / "chainstate", datadir / "chainstate.wipe", ec);
    if (!ec)
      if (auto d = util::sync_directory(datadir / "chainstate.wipe"); !d) ec = d.error();
  }
  if (!ec) fs::remove_all(datadir / "chainstate.wipe", ec);
  if (ec) return std::unexpected(fmt::format("cannot delete the UTXO database {}: {}", (datadir / "chainstate").string(), ec.message()));
  return {};
}

void finish_chainstate_wipe(const fs::path& datadir) {
  std::error_code ec;
  fs::remove_all(datadir / "chainstate.wipe", ec);
}

std::expected<bool, std::string> reindex_block_files(const fs::path& datadir, const consensus::ChainParams& params,
                                                     const sync::ChainStateOptions& options,
                                                     const std::vector<fs::path>& files,
                                                     const volatile std::sig_atomic_t* stop, util::Logger& log) {
  {
    auto stores = sync::ChainStores::open(datadir, params, options.dbcache_bytes);
    if (!stores) return std::unexpected(stores.error());
    sync::HeaderTree tree(params);
    if (auto loaded = stores->headers->load_into(tree); !loaded) return std::unexpected(loaded.error());
    sync::ChainState chain(tree, *stores->headers, *stores->blocks, *stores->utxo, log, options);
    if (auto i = chain.init(); !i) return std::unexpected(i.error());
    sync::ChainWorker worker(chain, tree, sync::ChainWorker::Mode::thread);
    sync::BlockImporter importer(worker, tree, *stores->headers);
    for (const auto& path : files) {
      if (stop && *stop) break;
      log.info(kLog, "{} (chain at height {})", path.string(), worker.tip().height);
      if (auto a = importer.add_file(path, stop); !a) return std::unexpected(a.error());
    }
    if (auto d = importer.drain(); !d) return std::unexpected(d.error());
    if (auto f = worker.stop(); !f) return std::unexpected(f.error());
    log.info(kLog, "block files read: chain at height {}", chain.tip().height);
  }
  if (stop && *stop) return false;
  std::error_code ec;
  fs::remove_all(datadir / "blocks.reindex", ec);
  if (ec) return std::unexpected(fmt::format("cannot delete {}: {}", (datadir / "blocks.reindex").string(), ec.message()));
  return true;
}

} // namespace peregrine::node
