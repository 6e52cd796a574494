#pragma once
// Bitcoin Core's "Control" RPC methods and the answers of a node without a mempool or indexes:
// help, uptime, getrpcinfo, getindexinfo, getmempoolinfo, stop. See doc/rpc.md.
#include "node/json_rpc.hpp"
#include "node/sync_node.hpp"

namespace peregrine::node {

void add_control_methods(RpcDispatcher& rpc, SyncNode& node);

// Core's `help` answer: every method's first help line grouped by category, or one method's text.
std::string help_text(const RpcDispatcher& rpc, std::string_view method);

} // namespace peregrine::node
