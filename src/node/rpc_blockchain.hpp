#pragma once
// Bitcoin Core's "Blockchain" RPC methods that read the chain: blocks, headers, tips, coins,
// deployments, and the waits for a new tip. See doc/rpc.md.
#include "node/json_rpc.hpp"
#include "node/sync_node.hpp"

namespace peregrine::node {

void add_blockchain_methods(RpcDispatcher& rpc, SyncNode& node);

} // namespace peregrine::node
