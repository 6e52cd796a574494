#include "node/sync_rpc.hpp"

#include <cmath>
#include <algorithm>
#include <cstdio>

#include <fmt/format.h>

#include "node/rpc_blockchain.hpp"
#include "node/rpc_snapshot.hpp"
#include "node/rpc_control.hpp"
#include "node/core_json.hpp"
#include "node/rpc_params.hpp"
#include "node/sync_report.hpp"
#include "peer/asio.hpp"
#include "peer/subnet.hpp"
#include "sync/utxo_stats.hpp"
#include "util/hex.hpp"
#include "util/unix_time.hpp"

namespace peregrine::node {
namespace {


// Core's RPC_CLIENT_NODE_NOT_CONNECTED and RPC_CLIENT_INVALID_IP_OR_SUBNET.
constexpr int kNodeNotConnected = -29;
constexpr int kInvalidIpOrSubnet = -30;

using namespace rpc;

// Core's names for service bits (getpeerinfo's servicesnames, getnetworkinfo's localservicesnames).
json::Value service_names(std::uint64_t services) {
  static constexpr std::pair<int, const char*> kNames[] = {{0, "NETWORK"}, {1, "GETUTXO"}, {2, "BLOOM"},
                                                          {3, "WITNESS"}, {6, "COMPACT_FILTERS"},
                                                          {10, "NETWORK_LIMITED"}, {11, "P2P_V2"}};
  json::Value out = json::Value::array();
  for (int bit = 0; bit < 64; ++bit) {
    if (!(services >> bit & 1)) continue;
    const char* name = nullptr;
    for (const auto& [b, n] : kNames) if (b == bit) name = n;
    out.push_back(name ? std::string(name) : fmt::format("UNKNOWN[2^{}]", bit));
  }
  return out;
}

// "1.2.3.4:8333" or "[::1]:8333": Core's network name for the address.
std::string network_of(std::string_view address) {
  std::string host(address.substr(0, address.rfind(':')));
  if (host.size() > 2 && host.front() == '[') host = host.substr(1, host.size() - 2);
  if (host.ends_with(".onion")) return "onion";
  if (host.ends_with(".i2p")) return "i2p";
  peer::error_code ec;
  const auto ip = peer::asio::ip::make_address(host, ec);
  if (ec) return "not_publicly_routable";
  if (ip.is_loopback() || ip.is_unspecified()) return "not_publicly_routable";
  if (ip.is_v6() && !ip.to_v6().is_v4_mapped()) return ip.to_v6().to_bytes()[0] == 0xfc ? "cjdns" : "ipv6";
  return "ipv4";
}

// Core's numeric version (major * 10000 + minor * 100 + patch) of ours, from CMake's "0.1.0".
std::int64_t numeric_version() {
  int major = 0, minor = 0, patch = 0;
  std::sscanf(PEREGRINE_VERSION, "%d.%d.%d", &major, &minor, &patch);
  return major * 10000 + minor * 100 + patch;
}

RpcResult getnetworkinfo(const SyncNode& node) {
  const auto& config = node.peers.config();
  int inbound = 0, outbound = 0;
  for (const auto& p : node.peers.snapshot()) (p.type == peer::ConnectionType::inbound ? inbound : outbound)++;
  json::Value networks = json::Value::array();
  for (const char* name : {"ipv4", "ipv6", "onion", "i2p", "cjdns"}) {
    const bool reachable = std::string_view(name) == "ipv4" || std::string_view(name) == "ipv6";
    json::Value n = json::Value::object();
    n.set("name", name);
    n.set("limited", !reachable);
    n.set("reachable", reachable);
    n.set("proxy", "");
    n.set("proxy_randomize_credentials", false);
    networks.push_back(std::move(n));
  }
  json::Value out = json::Value::object();
  out.set("version", numeric_version());
  out.set("subversion", config.local.user_agent);
  out.set("protocolversion", static_cast<std::int64_t>(peer::kProtocolVersion));
  out.set("localservices", fmt::format("{:016x}", config.local.services));
  out.set("localservicesnames", service_names(config.local.services));
  out.set("localrelay", config.local.relay);
  out.set("timeoffset", 0);
  out.set("networkactive", true);
  out.set("connections", inbound + outbound);
  out.set("connections_in", inbound);
  out.set("connections_out", outbound);
  out.set("networks", std::move(networks));
  out.set("relayfee", amount_json(1000));
  out.set("incrementalfee", amount_json(1000));
  out.set("localaddresses", json::Value::array());
  out.set("warnings", json::Value::array());
  return out;
}

RpcResult getpeerinfo(const SyncNode& node) {
  json::Value out = json::Value::array();
  for (const auto& p : node.peers.snapshot()) {
    json::Value o = json::Value::object();
    o.set("id", p.id);
    o.set("addr", p.address);
    o.set("network", network_of(p.address));
    o.set("services", fmt::format("{:016x}", p.version.services));
    o.set("servicesnames", service_names(p.version.services));
    o.set("relaytxes", p.version.relay);
    o.set("lastsend", p.last_send);
    o.set("lastrecv", p.last_receive);
    o.set("bytessent", p.bytes_sent);
    o.set("bytesrecv", p.bytes_received);
    o.set("conntime", util::unix_time() - static_cast<std::int64_t>(p.connected_seconds));
    if (p.rtt_ms >= 0) o.set("pingtime", p.rtt_ms / 1000);
    if (p.best_rtt_ms >= 0) o.set("minping", p.best_rtt_ms / 1000);
    if (p.ping_wait_ms >= 0) o.set("pingwait", p.ping_wait_ms / 1000);
    o.set("version", static_cast<std::int64_t>(p.version.version));
    o.set("subver", p.version.user_agent);
    o.set("inbound", p.type == peer::ConnectionType::inbound);
    o.set("bip152_hb_to", false);
    o.set("bip152_hb_from", false);
    o.set("connection_type", std::string(peer::to_string(p.type)));
    o.set("startingheight", static_cast<std::int64_t>(p.version.start_height));
    // Core's synced_headers (the best header we know the peer has) and synced_blocks (the last
    // block of our chain it has too); -1 when unknown.
    const sync::HeaderEntry* known = node.headers.best_known(p.id);
    const sync::HeaderEntry& tip = node.chain.tip();
    int common = -1;
    if (known) {
      common = std::min(known->height, tip.height);
      while (common > 0 && known->ancestor(common) != tip.ancestor(common)) --common;
    }
    o.set("synced_headers", static_cast<std::int64_t>(known ? known->height : -1));
    o.set("synced_blocks", static_cast<std::int64_t>(common));
    o.set("permissions", json::Value::array());
    o.set("transport_protocol_type", "v1");
    o.set("session_id", "");
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

RpcResult ping(SyncNode& node) {
  node.peers.request_pings();
  // null built in place: moving a default Value trips g++ 12's -Wmaybe-uninitialized under ASan.
  return RpcResult(std::in_place);
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
  std::int64_t duration = node.peers.config().ban_time; // --bantime, Core's -bantime
  if (const json::Value* t = arg(args, 2); t && t->as_int64() && *t->as_int64() > 0) duration = *t->as_int64();
  if (const json::Value* absolute = arg(args, 3); absolute && absolute->as_bool() == true) duration -= now;
  if (duration <= 0) return std::unexpected(invalid_parameter("Error: Absolute timestamp is in the past"));
  node.peers.bans().ban(*subnet, now, duration, "setban RPC");
  // Core disconnects peers inside the new ban at once.
  for (const auto& p : node.peers.snapshot()) {
    auto host = p.address.substr(0, p.address.rfind(':'));
    if (host.size() > 2 && host.front() == '[') host = host.substr(1, host.size() - 2);
    if (auto a = peer::parse_ip(host); a && subnet->contains(*a)) node.peers.disconnect(p.id, "banned by setban");
  }
  return json::Value();
}

// Core's clearbanned: the operator's bans only; discouraged addresses stay discouraged.
RpcResult clearbanned(SyncNode& node) {
  node.peers.bans().clear();
  return RpcResult(std::in_place); // null, built in place (g++ 12 under ASan warns on a moved temporary)
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

} // namespace

void add_sync_methods(RpcDispatcher& rpc, SyncNode& node) {
  add_blockchain_methods(rpc, node);
  add_snapshot_methods(rpc, node);
  add_control_methods(rpc, node);
  auto add = [&rpc](std::string name, std::vector<std::string> args, std::string help,
                    std::function<RpcResult(const Args&)> fn) {
    rpc.add(RpcMethod{std::move(name), std::move(args), std::move(fn), {}, std::move(help), "Network"});
  };
  add("getnetworkinfo", {}, "getnetworkinfo\n\nReturns an object containing various state info regarding P2P networking.",
      [&node](const Args&) { return getnetworkinfo(node); });
  add("getpeerinfo", {}, "getpeerinfo\n\nReturns data about each connected network peer as a json array of objects.",
      [&node](const Args&) { return getpeerinfo(node); });
  add("getnettotals", {}, "getnettotals\n\nReturns information about network traffic, including bytes in, bytes out,\n"
      "and current system time.", [&node](const Args&) { return getnettotals(node); });
  add("getconnectioncount", {}, "getconnectioncount\n\nReturns the number of connections to other nodes.",
      [&node](const Args&) -> RpcResult { return json::Value(static_cast<std::uint64_t>(node.peers.peer_count())); });
  add("ping", {}, "ping\n\nRequests that a ping be sent to all other nodes, to measure ping time.\n"
      "Results are provided in getpeerinfo, pingtime and pingwait fields are decimal seconds.",
      [&node](const Args&) { return ping(node); });
  add("addnode", {"node", "command"}, "addnode \"node\" \"command\"\n\nAttempts to add a node to the addnode list "
      "(add), or to try a connection to a node once (onetry).", [&node](const Args& a) { return addnode(node, a); });
  add("disconnectnode", {"address", "nodeid"}, "disconnectnode ( \"address\" nodeid )\n\nImmediately disconnects from the "
      "specified peer node.", [&node](const Args& a) { return disconnectnode(node, a); });
  add("setban", {"subnet", "command", "bantime", "absolute"}, "setban \"subnet\" \"command\" ( bantime absolute )\n\n"
      "Attempts to add or remove an IP/Subnet from the banned list.", [&node](const Args& a) { return setban(node, a); });
  add("listbanned", {}, "listbanned\n\nList all manually banned IPs/Subnets.", [&node](const Args&) { return listbanned(node); });
  add("clearbanned", {}, "clearbanned\n\nClear all banned IPs.", [&node](const Args&) { return clearbanned(node); });
  add("getsyncprofile", {}, "getsyncprofile\n\nPeregrine's bottleneck report so far: where the sync's time went (doc/sync.md).",
      [&node](const Args&) -> RpcResult { return sync::profile_json(profile_totals(node)); });
}

HealthReport sync_health(const SyncNode& node) {
  const auto& tip = node.chain.tip();
  const bool ibd = node.blocks.initial_download();
  const std::size_t peers = node.peers.peer_count();
  const bool ready = !ibd && peers > 0 && node.blocks.fatal_error().empty();
  json::Value out = json::Value::object();
  out.set("status", ready ? "ready" : !node.blocks.fatal_error().empty() ? "failed" : ibd ? "syncing" : "no-peers");
  out.set("ready", ready);
  out.set("live", true);
  out.set("chain", std::string(consensus::to_string(node.params.network)));
  out.set("blocks", static_cast<std::int64_t>(tip.height));
  out.set("headers", static_cast<std::int64_t>(node.tree.best_height()));
  out.set("tip_age_seconds", util::unix_time() - static_cast<std::int64_t>(tip.time));
  out.set("peers", static_cast<std::uint64_t>(peers));
  out.set("initialblockdownload", ibd);
  return {ready, out.dump()};
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
