#pragma once
// getblock's transactions at verbosity 2 (with fees from the undo data) and 3 (with each input's
// prevout), in Core's format (node/core_json).
#include <expected>

#include "node/json_rpc.hpp"
#include "node/sync_node.hpp"
#include "wire/block.hpp"

namespace peregrine::node {

std::expected<util::json::Value, RpcError> verbose_transactions(const SyncNode& node, const sync::HeaderEntry& entry,
                                                                const wire::Block& block, bool with_prevouts);

} // namespace peregrine::node
