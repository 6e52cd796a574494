#include "node/sync_rpc.hpp"

#include <cmath>

#include <fmt/format.h>

#include "node/sync_report.hpp"
#include "peer/subnet.hpp"
#include "sync/utxo_stats.hpp"
#include "util/hex.hpp"
#include "util/unix_time.hpp"

namespace peregrine::node {
namespace {

namespace json = util::json;
using Args = json::Value; // the positional arguments: an array

// Core's RPC_CLIENT_NODE_NOT_CONNECTED and RPC_CLIENT_INVALID_IP_OR_SUBNET.
constexpr int kNodeNotConnected = -29;
constexpr int kInvalidIpOrSubnet = -30;

const json::Value* arg(const Args& args, std::size_t i) {
  const auto* a = args.as_array();
  if (!a || i >= a->size() || (*a)[i].is_null()) return nullptr;
  return &(*a)[i];
}

RpcError invalid(std::string message) { return {rpc_code::invalid_parameter, std::move(message)}; }

std::expected<std::string, RpcError> string_arg(const Args& args, std::size_t i, std::string_view name) {
  const json::Value* v = arg(args, i);
  if (!v || !v->as_string()) return std::unexpected(RpcError{rpc_code::misc_error, fmt::format("{} must be a string", name)});
  return *v->as_string();
}

// Core's GetDifficulty: the genesis target over this one.
double difficulty(std::uint32_t bits) {
  int shift = (bits >> 24) & 0xff;
  double diff = 65535.0 / static_cast<double>(bits & 0x00ffffff);
  for (; shift < 29; ++shift) diff *= 256.0;
  for (; shift > 29; --shift) diff /= 256.0;
  return diff;
}

std::string hex_bits(std::uint32_t bits) { return fmt::format("{:08x}", bits); }

json::Value header_json(const SyncNode& node, const sync::HeaderEntry& e) {
  const sync::HeaderEntry& tip = node.chain.tip();
  const bool active = tip.ancestor(e.height) == &e;
  json::Value out = json::Value::object();
  out.set("hash", e.hash->to_hex());
  out.set("confirmations", static_cast<std::int64_t>(active ? tip.height - e.height + 1 : -1));
  out.set("height", static_cast<std::int64_t>(e.height));
  out.set("version", static_cast<std::int64_t>(e.version));
  out.set("versionHex", fmt::format("{:08x}", static_cast<std::uint32_t>(e.version)));
  out.set("merkleroot", e.merkle_root.to_hex());
  out.set("time", static_cast<std::int64_t>(e.time));
  out.set("mediantime", node.tree.median_time_past(e));
  out.set("nonce", static_cast<std::uint64_t>(e.nonce));
  out.set("bits", hex_bits(e.bits));
  out.set("difficulty", difficulty(e.bits));
  out.set("chainwork", e.chain_work.to_hex());
  if (e.prev) out.set("previousblockhash", e.prev->hash->to_hex());
  if (active && e.height < tip.height) out.set("nextblockhash", tip.ancestor(e.height + 1)->hash->to_hex());
  return out;
}

RpcResult getblockhash(const SyncNode& node, const Args& args) {
  const json::Value* h = arg(args, 0);
  auto height = h ? h->as_int64() : std::nullopt;
  if (!height) return std::unexpected(RpcError{rpc_code::misc_error, "height must be a number"});
  if (*height < 0 || *height > node.chain.tip().height) return std::unexpected(invalid("Block height out of range"));
  return json::Value(node.chain.tip().ancestor(static_cast<int>(*height))->hash->to_hex());
}

RpcResult getblockheader(const SyncNode& node, const Args& args) {
  auto text = string_arg(args, 0, "blockhash");
  if (!text) return std::unexpected(text.error());
  auto hash = Hash256::from_hex(*text);
  if (!hash) return std::unexpected(invalid(fmt::format("blockhash must be of length 64 (not {}, for '{}')", text->size(), *text)));
  const sync::HeaderEntry* e = node.tree.find(*hash);
  if (!e) return std::unexpected(RpcError{rpc_code::invalid_address_or_key, "Block not found"});
  const json::Value* verbose = arg(args, 1);
  if (verbose && verbose->as_bool() == false) return json::Value(util::to_hex(wire::serialize(e->header())));
  return header_json(node, *e);
}

RpcResult getblockchaininfo(const SyncNode& node) {
  const sync::HeaderEntry& tip = node.chain.tip();
  json::Value out = json::Value::object();
  out.set("chain", std::string(node.params.network == consensus::Network::main       ? "main"
                               : node.params.network == consensus::Network::testnet3 ? "test"
                                                                                   : consensus::to_string(node.params.network)));
  out.set("blocks", static_cast<std::int64_t>(tip.height));
  out.set("headers", static_cast<std::int64_t>(node.tree.best_height()));
  out.set("bestblockhash", tip.hash->to_hex());
  out.set("bits", hex_bits(tip.bits));
  out.set("difficulty", difficulty(tip.bits));
  out.set("time", static_cast<std::int64_t>(tip.time));
  out.set("mediantime", node.tree.median_time_past(tip));
  out.set("verificationprogress", sync::verification_progress(node.params.chain_tx_data, node.chain.chain_tx(),
                                                              tip.time, util::unix_time()));
  out.set("initialblockdownload", node.blocks.initial_download());
  out.set("chainwork", tip.chain_work.to_hex());
  out.set("size_on_disk", node.stores.blocks->disk_bytes());
  out.set("pruned", node.pruned);
  out.set("warnings", json::Value::array());
  return out;
}

RpcResult getpeerinfo(const SyncNode& node) {
  json::Value out = json::Value::array();
  for (const auto& p : node.peers.snapshot()) {
    json::Value o = json::Value::object();
    o.set("id", p.id);
    o.set("addr", p.address);
    o.set("services", fmt::format("{:016x}", p.version.services));
    o.set("relaytxes", p.version.relay);
    o.set("bytessent", p.bytes_sent);
    o.set("bytesrecv", p.bytes_received);
    o.set("conntime", util::unix_time() - static_cast<std::int64_t>(p.connected_seconds));
    if (p.rtt_ms >= 0) o.set("pingtime", p.rtt_ms / 1000);
    if (p.best_rtt_ms >= 0) o.set("minping", p.best_rtt_ms / 1000);
    o.set("version", static_cast<std::int64_t>(p.version.version));
    o.set("subver", p.version.user_agent);
    o.set("inbound", p.type == peer::ConnectionType::inbound);
    o.set("connection_type", std::string(peer::to_string(p.type)));
    o.set("startingheight", static_cast<std::int64_t>(p.version.start_height));
    o.set("misbehavior_score", static_cast<std::int64_t>(p.score));
    o.set("state", std::string(peer::to_string(p.state)));
    if (!p.degrade_reason.empty()) o.set("degraded", p.degrade_reason);
    const auto& deliveries = node.blocks.deliveries();
    if (auto it = deliveries.find(p.id); it != deliveries.end()) {
      o.set("blocks_received", it->second.blocks);
      o.set("block_bytes_received", it->second.bytes);
    }
    o.set("blocks_in_flight", static_cast<std::int64_t>(node.blocks.download().in_flight(p.id)));
    out.push_back(std::move(o));
  }
  return out;
}

// Core's getnettotals, with its uploadtarget object (--maxuploadtarget) and what the block server
// did: blocks and bytes served.
RpcResult getnettotals(const SyncNode& node) {
  std::uint64_t received = 0;
  std::uint64_t sent = 0;
  for (const auto& p : node.peers.snapshot()) {
    received += p.bytes_received;
    sent += p.bytes_sent;
  }
  const auto upload = node.server.upload_figures();
  json::Value target = json::Value::object();
  target.set("timeframe", sync::UploadTarget::kCycleSeconds);
  target.set("target", upload.target);
  target.set("target_reached", upload.target_reached);
  target.set("serve_historical_blocks", upload.serve_historical_blocks);
  target.set("bytes_left_in_cycle", upload.bytes_left);
  target.set("time_left_in_cycle", upload.seconds_left);
  const auto& served = node.server.stats();
  json::Value out = json::Value::object();
  out.set("totalbytesrecv", received);
  out.set("totalbytessent", sent);
  out.set("timemillis", util::unix_time() * 1000);
  out.set("uploadtarget", std::move(target));
  out.set("blocks_served", served.blocks_served);
  out.set("block_bytes_served", served.bytes_served);
  out.set("block_requests_ignored", served.requests_ignored);
  return out;
}

RpcResult addnode(SyncNode& node, const Args& args) {
  auto target = string_arg(args, 0, "node");
  auto command = string_arg(args, 1, "command");
  if (!target) return std::unexpected(target.error());
  if (!command) return std::unexpected(command.error());
  if (*command != "add" && *command != "onetry")
    return std::unexpected(RpcError{rpc_code::invalid_params, "command must be add or onetry (remove is not supported)"});
  node.peers.add_node(*target);
  return json::Value();
}

RpcResult disconnectnode(SyncNode& node, const Args& args) {
  const json::Value* address = arg(args, 0);
  const json::Value* id = arg(args, 1);
  for (const auto& p : node.peers.snapshot()) {
    const bool match = address ? (address->as_string() && *address->as_string() == p.address)
                               : (id && id->as_uint64() == p.id);
    if (!match) continue;
    node.peers.disconnect(p.id, "disconnectnode RPC");
    return json::Value();
  }
  return std::unexpected(RpcError{kNodeNotConnected, "Node not found in connected nodes"});
}

RpcResult setban(SyncNode& node, const Args& args) {
  auto text = string_arg(args, 0, "subnet");
  auto command = string_arg(args, 1, "command");
  if (!text) return std::unexpected(text.error());
  if (!command) return std::unexpected(command.error());
  auto subnet = peer::Subnet::parse(*text);
  if (!subnet) return std::unexpected(RpcError{kInvalidIpOrSubnet, "Error: Invalid IP/Subnet"});
  if (*command == "remove") {
    if (!node.peers.bans().unban(*subnet))
      return std::unexpected(RpcError{kInvalidIpOrSubnet, "Error: Unban failed. Requested address/subnet was not previously manually banned."});
    return json::Value();
  }
  if (*command != "add") return std::unexpected(RpcError{rpc_code::misc_error, "command must be add or remove"});
  const std::int64_t now = util::unix_time();
  std::int64_t duration = 24 * 60 * 60;
  if (const json::Value* t = arg(args, 2); t && t->as_int64() && *t->as_int64() > 0) duration = *t->as_int64();
  if (const json::Value* absolute = arg(args, 3); absolute && absolute->as_bool() == true) duration -= now;
  if (duration <= 0) return std::unexpected(RpcError{rpc_code::invalid_parameter, "Error: Absolute timestamp is in the past"});
  node.peers.bans().ban(*subnet, now, duration, "setban RPC");
  // Core disconnects peers inside the new ban at once.
  for (const auto& p : node.peers.snapshot()) {
    auto host = p.address.substr(0, p.address.rfind(':'));
    if (host.size() > 2 && host.front() == '[') host = host.substr(1, host.size() - 2);
    if (auto a = peer::parse_ip(host); a && subnet->contains(*a)) node.peers.disconnect(p.id, "banned by setban");
  }
  return json::Value();
}

RpcResult listbanned(SyncNode& node) {
  const std::int64_t now = util::unix_time();
  json::Value out = json::Value::array();
  for (const auto& b : node.peers.bans().active(now)) {
    json::Value o = json::Value::object();
    o.set("address", b.subnet.to_string());
    o.set("ban_created", b.created);
    o.set("banned_until", b.until);
    o.set("ban_duration", b.until - b.created);
    o.set("time_remaining", b.until - now);
    o.set("reason", b.reason);
    out.push_back(std::move(o));
  }
  return out;
}

RpcResult gettxoutsetinfo(SyncNode& node) {
  // The statistics are of the database: write the cache out first (Core flushes too), on the chain
  // thread, which owns the cache, so no block is connected between the flush and the scan.
  auto stats = node.chain.call([&node](sync::ChainState& chain) -> std::expected<sync::UtxoStats, std::string> {
    if (auto flushed = chain.flush(); !flushed) return std::unexpected(flushed.error());
    auto computed = sync::compute_utxo_stats(*node.stores.utxo);
    if (computed) computed->height = chain.tip().height;
    return computed;
  });
  if (!stats) return std::unexpected(RpcError{rpc_code::internal_error, stats.error()});
  return sync::to_json(*stats);
}

} // namespace

void add_sync_methods(RpcDispatcher& rpc, SyncNode& node) {
  auto add = [&rpc](std::string name, std::vector<std::string> args, std::function<RpcResult(const Args&)> fn) {
    rpc.add(RpcMethod{std::move(name), std::move(args), std::move(fn)});
  };
  add("getblockcount", {}, [&node](const Args&) -> RpcResult { return json::Value(static_cast<std::int64_t>(node.chain.tip().height)); });
  add("getbestblockhash", {}, [&node](const Args&) -> RpcResult { return json::Value(node.chain.tip().hash->to_hex()); });
  add("getblockhash", {"height"}, [&node](const Args& a) { return getblockhash(node, a); });
  add("getblockheader", {"blockhash", "verbose"}, [&node](const Args& a) { return getblockheader(node, a); });
  add("getblockchaininfo", {}, [&node](const Args&) { return getblockchaininfo(node); });
  add("getpeerinfo", {}, [&node](const Args&) { return getpeerinfo(node); });
  add("getnettotals", {}, [&node](const Args&) { return getnettotals(node); });
  add("getconnectioncount", {}, [&node](const Args&) -> RpcResult { return json::Value(static_cast<std::uint64_t>(node.peers.peer_count())); });
  add("addnode", {"node", "command"}, [&node](const Args& a) { return addnode(node, a); });
  add("disconnectnode", {"address", "nodeid"}, [&node](const Args& a) { return disconnectnode(node, a); });
  add("setban", {"subnet", "command", "bantime", "absolute"}, [&node](const Args& a) { return setban(node, a); });
  add("listbanned", {}, [&node](const Args&) { return listbanned(node); });
  add("gettxoutsetinfo", {"hash_type"}, [&node](const Args&) { return gettxoutsetinfo(node); });
  add("getsyncprofile", {}, [&node](const Args&) -> RpcResult { return sync::profile_json(profile_totals(node)); });
  add("stop", {}, [&node](const Args&) -> RpcResult {
    node.request_stop();
    return json::Value(std::string("Peregrine stopping"));
  });
}

std::string sync_metrics(const SyncNode& node) {
  std::string out;
  auto metric = [&out](std::string_view name, std::string_view type, std::string_view help, auto value) {
    out += fmt::format("# HELP peregrine_{0} {1}\n# TYPE peregrine_{0} {2}\nperegrine_{0} {3}\n", name, help, type, value);
  };
  const auto& stats = node.chain.stats();
  metric("blocks", "gauge", "Height of the validated chain tip.", node.chain.tip().height);
  metric("headers", "gauge", "Height of the best header.", node.tree.best_height());
  metric("peers", "gauge", "Connected peers.", node.peers.peer_count());
  metric("blocks_in_flight", "gauge", "Blocks requested and not yet received.", node.blocks.download().in_flight());
  metric("coins_cache_bytes", "gauge", "Memory of the coins cache.", node.chain.cache_bytes());
  metric("blocks_connected_total", "counter", "Blocks connected since start.", stats.blocks_connected);
  metric("transactions_total", "counter", "Transactions connected since start.", stats.transactions);
  metric("inputs_total", "counter", "Inputs connected since start.", stats.inputs);
  metric("invalid_blocks_total", "counter", "Blocks found invalid since start.", node.chain.invalid_blocks().size());
  metric("block_bytes_received_total", "counter", "Bytes of blocks received.", node.blocks.bytes_received());
  const auto& served = node.server.stats();
  metric("blocks_served_total", "counter", "Blocks sent to peers (getdata).", served.blocks_served);
  metric("block_bytes_served_total", "counter", "Bytes of blocks sent to peers.", served.bytes_served);
  metric("block_reads_in_flight", "gauge", "Blocks being read from disk for peers.", served.reads_in_flight);
  const auto upload = node.server.upload_figures();
  metric("upload_target_bytes", "gauge", "--maxuploadtarget per 24 h (0: none).", upload.target);
  metric("upload_target_bytes_left", "gauge", "Bytes left in the upload target's cycle.", upload.bytes_left);
  const auto totals = profile_totals(node);
  out += "# HELP peregrine_sync_stage_seconds_total Wall time of each thread by stage (doc/sync.md).\n"
         "# TYPE peregrine_sync_stage_seconds_total counter\n";
  for (const auto* thread : {&totals.chain, &totals.feeder})
    for (const auto& stage : thread->stages)
      out += fmt::format("peregrine_sync_stage_seconds_total{{thread=\"{}\",stage=\"{}\"}} {}\n", thread->name,
                         stage.key, std::chrono::duration<double>(stage.time).count());
  metric("script_cpu_seconds_total", "counter", "Script checks' time on the pool.",
         std::chrono::duration<double>(totals.timings.script_cpu).count());
  out += fmt::format("# HELP peregrine_coin_lookups_total Coin lookups by where they were answered.\n"
                     "# TYPE peregrine_coin_lookups_total counter\n"
                     "peregrine_coin_lookups_total{{result=\"hit\"}} {}\nperegrine_coin_lookups_total{{result=\"miss\"}} {}\n",
                     totals.timings.coin_hits, totals.timings.coin_misses);
  return out;
}

} // namespace peregrine::node
