#include "node/sync_report.hpp"

#include <string>

#include "util/peak_rss.hpp"
#include "util/unix_time.hpp"

namespace peregrine::node {
namespace {

namespace json = util::json;

// Core's verificationprogress on networks with chainTxData; elsewhere (regtest) the share of the
// best header chain's blocks, which says more than Core's constant 1.
double progress_share(const SyncNode& node) {
  const auto& data = node.params.chain_tx_data;
  if (data.tx_rate > 0)
    return sync::verification_progress(data, node.chain.chain_tx(), node.chain.tip().time, util::unix_time());
  const int headers = node.tree.best_height();
  return headers > 0 ? static_cast<double>(node.chain.tip().height) / headers : 1.0;
}

} // namespace

json::Value invalid_blocks_json(const std::vector<sync::InvalidBlock>& blocks) {
  json::Value out = json::Value::array();
  for (const auto& bad : blocks) {
    json::Value b = json::Value::object();
    b.set("height", static_cast<std::int64_t>(bad.height));
    b.set("hash", bad.hash.to_hex());
    b.set("reason", bad.reason);
    out.push_back(std::move(b));
  }
  return out;
}

sync::ProfileTotals profile_totals(const SyncNode& node) {
  const sync::ChainSnapshot chain = node.chain.snapshot();
  sync::ProfileTotals t;
  t.wall = std::chrono::steady_clock::now() - node.started;
  t.timings = chain.stats.time;
  t.chain = sync::chain_thread_profile(t.timings, node.chain.thread_times());
  t.feeder = sync::io_thread_profile(node.blocks, node.profile.deserialize_time());
  t.script_threads = std::max(node.script_threads, 1u);
  t.prefetch = chain.prefetch;
  t.flushes = chain.stats.flushes;
  t.backpressure = node.blocks.backpressure_time();
  t.backpressure_in_flush = node.blocks.backpressure_in_flush();
  return t;
}

sync::ProgressFigures progress_figures(const SyncNode& node, const sync::RateMeter& meter) {
  sync::ProgressFigures f;
  f.height = node.chain.tip().height;
  f.headers = node.tree.best_height();
  f.progress = progress_share(node);
  f.blocks_per_second = meter.blocks_per_second();
  f.transactions_per_second = meter.transactions_per_second();
  // Before the headers are in, how much is left is unknown.
  if (node.headers.caught_up() || f.height < f.headers)
    f.eta = sync::estimate_eta(node.params.chain_tx_data, node.chain.chain_tx(), node.chain.tip().time, util::unix_time(),
                               f.height, f.headers,
                               f.blocks_per_second, f.transactions_per_second);
  f.peers = node.peers.peer_count();
  f.cache_mib = static_cast<double>(node.chain.cache_bytes()) / (1 << 20);
  f.in_flight = node.blocks.download().in_flight();
  return f;
}

json::Value sync_summary(const SyncNode& node, int start_height, double seconds, bool interrupted) {
  const auto& chain = node.chain;
  const auto& stats = chain.stats();
  json::Value out = json::Value::object();
  out.set("network", std::string(consensus::to_string(node.params.network)));
  out.set("start_height", static_cast<std::int64_t>(start_height));
  out.set("height", static_cast<std::int64_t>(chain.tip().height));
  out.set("tip", chain.tip().hash->to_hex());
  out.set("headers", static_cast<std::int64_t>(node.tree.best_height()));
  out.set("chain_transactions", chain.chain_tx());
  out.set("verification_progress", progress_share(node));
  out.set("blocks_connected", stats.blocks_connected);
  out.set("blocks_disconnected", stats.blocks_disconnected);
  out.set("transactions", stats.transactions);
  out.set("inputs", stats.inputs);
  out.set("script_checks_skipped_blocks", stats.scripts_skipped_blocks);
  out.set("files_pruned", stats.files_pruned);
  out.set("invalid", invalid_blocks_json(chain.invalid_blocks()));
  json::Value peers = json::Value::array();
  for (const auto& [id, d] : node.blocks.deliveries()) {
    json::Value p = json::Value::object();
    p.set("id", id);
    p.set("address", d.address);
    p.set("blocks", d.blocks);
    p.set("bytes", d.bytes);
    if (!d.dropped.empty()) p.set("dropped", d.dropped);
    peers.push_back(std::move(p));
  }
  out.set("peers", std::move(peers));
  out.set("interrupted", interrupted);
  out.set("seconds", seconds);
  out.set("blocks_per_second", seconds > 0 ? static_cast<double>(stats.blocks_connected) / seconds : 0.0);
  out.set("inputs_per_second", seconds > 0 ? static_cast<double>(stats.inputs) / seconds : 0.0);
  out.set("peak_rss_mib", util::peak_rss_mib());
  out.set("profile", sync::profile_json(profile_totals(node)));
  out.set("utxo_disk_bytes", node.stores.utxo->disk_bytes());
  out.set("block_files_disk_bytes", node.stores.blocks->disk_bytes());
  return out;
}

} // namespace peregrine::node
