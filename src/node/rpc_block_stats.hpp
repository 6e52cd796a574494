#pragma once
// Core's getblockstats: per-block figures from the block and the coins it spent (its undo data).
#include "node/json_rpc.hpp"
#include "node/sync_node.hpp"

namespace peregrine::node {

RpcResult getblockstats(const SyncNode& node, const util::json::Value& args);

} // namespace peregrine::node
