#include "node/rpc_chain_view.hpp"

#include <fmt/format.h>

#include "consensus/arith_uint256.hpp"
#include "node/rpc_params.hpp"
#include "wire/codec.hpp"

namespace peregrine::node::rpc {

double difficulty(std::uint32_t bits) {
  int shift = (bits >> 24) & 0xff;
  double diff = 65535.0 / static_cast<double>(bits & 0x00ffffff);
  for (; shift < 29; ++shift) diff *= 256.0;
  for (; shift > 29; --shift) diff /= 256.0;
  return diff;
}

json::Value header_json(const SyncNode& node, const sync::HeaderEntry& e, std::int64_t tx_count) {
  const sync::HeaderEntry& tip = node.chain.tip();
  const bool active = tip.ancestor(e.height) == &e;
  json::Value out = json::Value::object();
  out.set("hash", e.hash->to_hex());
  out.set("confirmations", static_cast<std::int64_t>(active ? tip.height - e.height + 1 : -1));
  out.set("height", static_cast<std::int64_t>(e.height));
  out.set("version", static_cast<std::int64_t>(e.version));
  out.set("versionHex", fmt::format("{:08x}", static_cast<std::uint32_t>(e.version)));
  out.set("merkleroot", e.merkle_root.to_hex());
  out.set("time", static_cast<std::int64_t>(e.time));
  out.set("mediantime", node.tree.median_time_past(e));
  out.set("nonce", static_cast<std::uint64_t>(e.nonce));
  out.set("bits", fmt::format("{:08x}", e.bits));
  out.set("target", consensus::decode_compact(e.bits).value.to_hex());
  out.set("difficulty", difficulty(e.bits));
  out.set("chainwork", e.chain_work.to_hex());
  out.set("nTx", tx_count);
  if (e.prev) out.set("previousblockhash", e.prev->hash->to_hex());
  if (active && e.height < tip.height) out.set("nextblockhash", tip.ancestor(e.height + 1)->hash->to_hex());
  return out;
}

std::expected<const sync::HeaderEntry*, RpcError> find_block(const SyncNode& node, const json::Value& args,
                                                             std::size_t i, std::string_view name) {
  auto hash = hash_arg(args, i, name);
  if (!hash) return std::unexpected(hash.error());
  const sync::HeaderEntry* e = node.tree.find(*hash);
  if (!e) return std::unexpected(RpcError{rpc_code::invalid_address_or_key, "Block not found"});
  return e;
}

namespace {

bool pruned_away(const SyncNode& node, const sync::HeaderEntry& entry) {
  // A block below the tip that we no longer hold was connected once: --prune took it.
  return node.pruned && node.chain.tip().ancestor(entry.height) == &entry;
}

} // namespace

std::expected<StoredBlock, RpcError> read_stored_block(const SyncNode& node, const sync::HeaderEntry& entry) {
  if (!entry.have_data()) {
    return std::unexpected(RpcError{rpc_code::misc_error, pruned_away(node, entry) ? "Block not available (pruned data)"
                                                                                  : "Block not available (not fully downloaded)"});
  }
  const auto pos = entry.data_pos();
  auto raw = node.stores.blocks->read_block(sync::BlockPos{pos.file, pos.offset});
  if (!raw) return std::unexpected(RpcError{rpc_code::misc_error, fmt::format("Block not found on disk: {}", raw.error())});
  auto block = wire::from_bytes<wire::Block>(*raw);
  if (!block) return std::unexpected(RpcError{rpc_code::misc_error, "Block not found on disk: it does not decode"});
  return StoredBlock{std::move(*block), raw->size(), std::move(*raw)};
}

std::expected<sync::BlockUndo, RpcError> read_stored_undo(const SyncNode& node, const sync::HeaderEntry& entry) {
  if (!entry.prev) return sync::BlockUndo{};
  if (!entry.have_undo()) return std::unexpected(RpcError{rpc_code::misc_error, "Undo data not available"});
  const auto pos = entry.undo_pos();
  auto raw = node.stores.blocks->read_undo(sync::BlockPos{pos.file, pos.offset}, *entry.prev->hash);
  if (!raw) return std::unexpected(RpcError{rpc_code::misc_error, fmt::format("Can't read undo data from disk: {}", raw.error())});
  auto undo = sync::decode_undo(*raw);
  if (!undo) return std::unexpected(RpcError{rpc_code::misc_error, "Can't read undo data from disk: it does not decode"});
  return std::move(*undo);
}

} // namespace peregrine::node::rpc
