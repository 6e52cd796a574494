#pragma once
// Bitcoin Core's "Control" RPC methods and the answers of a node without a mempool or indexes:
// help, uptime, getrpcinfo, getmemoryinfo, getindexinfo, getmempoolinfo, stop. See doc/rpc.md.
#include "node/json_rpc.hpp"
#include "node/sync_node.hpp"

namespace peregrine::node {

void add_control_methods(RpcDispatcher& rpc, SyncNode& node);

// Core's `help` answer: every method's first help line grouped by category, or one method's text.
std::string help_text(const RpcDispatcher& rpc, std::string_view method);

// Core's `getmemoryinfo MODE`: "stats" (Core's zero locked pool plus peregrine_heap, glibc's
// bytes in use) or "mallinfo" (malloc_info's XML); another mode is -8.
RpcResult memory_info(std::string_view mode);

} // namespace peregrine::node
