#pragma once
// The JSON-RPC methods that change or check the chain, in Bitcoin Core's dialect (doc/rpc.md):
// invalidateblock, reconsiderblock, preciousblock, pruneblockchain, verifychain, submitblock and
// submitheader. They run on the io thread, which owns the header tree's shape; what changes the
// chain runs on the chain thread through ChainWorker::call, and each returns once the chain is
// done (as Core's do), then hands what the chain did to block sync at once.
#include "node/json_rpc.hpp"
#include "node/sync_node.hpp"

namespace peregrine::node {

void add_chain_control_methods(RpcDispatcher& rpc, SyncNode& node);

} // namespace peregrine::node
