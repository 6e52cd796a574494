#pragma once
// The UTXO snapshot methods of `peregrine sync`'s RPC: Core's dumptxoutset and loadtxoutset
// (doc/snapshots.md).
#include "node/json_rpc.hpp"
#include "node/sync_node.hpp"

namespace peregrine::node {

void add_snapshot_methods(RpcDispatcher& rpc, SyncNode& node);

} // namespace peregrine::node
