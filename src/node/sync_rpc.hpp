#pragma once
// The JSON-RPC methods of `peregrine sync` (Bitcoin Core's names, arguments and result fields, see
// doc/rpc.md) and its Prometheus metrics.
#include <string>

#include "node/json_rpc.hpp"
#include "node/rpc_server.hpp"
#include "node/sync_node.hpp"

namespace peregrine::node {

void add_sync_methods(RpcDispatcher& rpc, SyncNode& node);
// Prometheus text exposition (GET /metrics).
std::string sync_metrics(const SyncNode& node);
// GET /health: ready once out of initial block download with a peer; the body says why not.
HealthReport sync_health(const SyncNode& node);

} // namespace peregrine::node
