#pragma once
// What the RPC methods about blocks share: headers as Core describes them, and blocks and their
// undo data read from the block store with Core's errors when they are not there.
#include <expected>

#include "node/json_rpc.hpp"
#include "node/sync_node.hpp"
#include "sync/block_undo.hpp"
#include "wire/block.hpp"

namespace peregrine::node::rpc {

// Core's GetDifficulty: the genesis target over this one.
double difficulty(std::uint32_t bits);
// Core's getblockheader fields for an entry (nTx when given; Core reports 0 for a block not held).
util::json::Value header_json(const SyncNode& node, const sync::HeaderEntry& entry, std::int64_t tx_count);

// The entry for a "blockhash" argument, or Core's -5 "Block not found".
std::expected<const sync::HeaderEntry*, RpcError> find_block(const SyncNode& node, const util::json::Value& args,
                                                             std::size_t i, std::string_view name = "blockhash");

struct StoredBlock {
  wire::Block block;
  std::size_t raw_size = 0;
  Bytes raw;
};
// The block's bytes and decoding; -1 "Block not available (pruned data)" or "(not fully
// downloaded)" as Core says.
std::expected<StoredBlock, RpcError> read_stored_block(const SyncNode& node, const sync::HeaderEntry& entry);
// The coins the block spent (none for genesis); -1 when its undo data is not there.
std::expected<sync::BlockUndo, RpcError> read_stored_undo(const SyncNode& node, const sync::HeaderEntry& entry);

} // namespace peregrine::node::rpc
