#include "node/rpc_chain_control.hpp"

#include <fmt/format.h>

#include "consensus/block_check.hpp"
#include "consensus/header_rules.hpp"
#include "node/rpc_params.hpp"
#include "util/hex.hpp"
#include "util/unix_time.hpp"
#include "wire/codec.hpp"

namespace peregrine::node {
namespace {

namespace json = util::json;
using Args = json::Value; // the positional arguments: an array

// Core's MIN_BLOCKS_TO_KEEP and TIMESTAMP_WINDOW (pruneblockchain).
constexpr int kMinBlocksToKeep = 288;
constexpr std::int64_t kTimestampWindow = 2 * 60 * 60;
// pruneblockchain: above this the argument is a time, not a height (Core's rule).
constexpr std::int64_t kHeightOrTime = 1'000'000'000;

RpcError not_found() { return {rpc_code::invalid_address_or_key, "Block not found"}; }
RpcError chain_failed(const std::string& why) { return {rpc_code::misc_error, why}; }

std::expected<const sync::HeaderEntry*, RpcError> block_arg(const SyncNode& node, const Args& args) {
  auto hash = rpc::hash_arg(args, 0, "blockhash");
  if (!hash) return std::unexpected(hash.error());
  const sync::HeaderEntry* entry = node.tree.find(*hash);
  if (!entry) return std::unexpected(not_found());
  return entry;
}

std::expected<void, RpcError> persist(const SyncNode& node, std::span<const sync::HeaderEntry* const> changed) {
  if (changed.empty()) return {};
  if (auto w = node.stores.headers->write(changed); !w) return std::unexpected(chain_failed(w.error()));
  return {};
}

// Moves the chain to the tree's best header as far as stored blocks go, script checks settled, so
// the tip is final when the call returns; then block sync takes in what the chain did (blocks it
// found invalid, the new tip, blocks to download).
std::expected<void, RpcError> settle_chain(SyncNode& node, std::span<const sync::HeaderEntry* const> forget = {}) {
  auto done = node.chain.call([&](sync::ChainState& chain) -> std::expected<void, std::string> {
    chain.forget_failures(forget);
    if (auto a = chain.activate_best_chain(); !a) return a;
    return chain.wait_for_checks();
  });
  node.blocks.on_chain_progress();
  if (!done) return std::unexpected(chain_failed(done.error()));
  return {};
}

RpcResult invalidateblock(SyncNode& node, const Args& args) {
  auto entry = block_arg(node, args);
  if (!entry) return std::unexpected(entry.error());
  if (*entry == &node.tree.genesis()) return std::unexpected(RpcError{rpc_code::invalid_parameter, "Cannot invalidate the genesis block"});
  const auto changed = node.tree.invalidate(**entry);
  if (auto p = persist(node, changed); !p) return std::unexpected(p.error());
  if (auto s = settle_chain(node); !s) return std::unexpected(s.error());
  return json::Value();
}

RpcResult reconsiderblock(SyncNode& node, const Args& args) {
  auto entry = block_arg(node, args);
  if (!entry) return std::unexpected(entry.error());
  const auto changed = node.tree.reconsider(**entry);
  if (auto p = persist(node, changed); !p) return std::unexpected(p.error());
  if (auto s = settle_chain(node, changed); !s) return std::unexpected(s.error());
  return json::Value();
}

RpcResult preciousblock(SyncNode& node, const Args& args) {
  auto entry = block_arg(node, args);
  if (!entry) return std::unexpected(entry.error());
  if (!node.tree.prefer(**entry)) return json::Value();
  if (auto s = settle_chain(node); !s) return std::unexpected(s.error());
  return json::Value();
}

// Core's GetPruneHeight: the height below the lowest block of the active chain that still has its
// data and undo data, or -1 when nothing above genesis was pruned.
std::int64_t prune_height(const sync::HeaderEntry& tip) {
  const sync::HeaderEntry* lowest = nullptr;
  for (const sync::HeaderEntry* e = &tip; e && e->height >= 1 && e->have_data() && e->have_undo(); e = e->prev) lowest = e;
  if (!lowest) return tip.height;
  return lowest->height <= 1 ? -1 : lowest->height - 1;
}

RpcResult pruneblockchain(SyncNode& node, const Args& args) {
  if (!node.pruned) return std::unexpected(RpcError{rpc_code::misc_error, "Cannot prune blocks because node is not in prune mode."});
  const json::Value* given = rpc::arg(args, 0);
  if (!given) return std::unexpected(RpcError{rpc_code::misc_error, "height is required"});
  auto height = rpc::int_arg(args, 0, 0);
  if (!height) return std::unexpected(height.error());
  if (*height < 0) return std::unexpected(RpcError{rpc_code::invalid_parameter, "Negative block height."});
  const sync::HeaderEntry& tip = node.chain.tip();
  if (*height > kHeightOrTime) {
    // A time: the first block of the chain at or after it, less two hours for blocks whose time
    // is older than their parent's.
    const std::int64_t target = *height - kTimestampWindow;
    const sync::HeaderEntry* earliest = nullptr;
    for (const sync::HeaderEntry* e = &tip; e; e = e->prev)
      if (e->time >= target) earliest = e;
    if (!earliest)
      return std::unexpected(RpcError{rpc_code::invalid_parameter, "Could not find block with at least the specified timestamp."});
    *height = earliest->height;
  }
  if (tip.height < node.params.prune_after_height) return std::unexpected(RpcError{rpc_code::misc_error, "Blockchain is too short for pruning."});
  if (*height > tip.height)
    return std::unexpected(RpcError{rpc_code::invalid_parameter, "Blockchain is shorter than the attempted prune height."});
  const int last = static_cast<int>(std::min<std::int64_t>(*height, tip.height - kMinBlocksToKeep));
  auto pruned = node.chain.call([last](sync::ChainState& chain) { return chain.prune_to(last); });
  if (!pruned) return std::unexpected(chain_failed(pruned.error()));
  return json::Value(prune_height(node.chain.tip()));
}

RpcResult verifychain(SyncNode& node, const Args& args) {
  auto level = rpc::int_arg(args, 0, 3);
  auto blocks = rpc::int_arg(args, 1, 6);
  if (!level) return std::unexpected(level.error());
  if (!blocks) return std::unexpected(blocks.error());
  const int lvl = static_cast<int>(std::clamp<std::int64_t>(*level, 0, 4));
  const int n = static_cast<int>(std::clamp<std::int64_t>(*blocks, 0, 1 << 30));
  auto verified = node.chain.call([lvl, n](sync::ChainState& chain) { return chain.verify(lvl, n); });
  if (!verified) return std::unexpected(chain_failed(verified.error()));
  return json::Value(verified->ok);
}

std::expected<Bytes, RpcError> hex_arg(const Args& args, std::string_view failure) {
  auto text = rpc::string_arg(args, 0, "hexdata");
  if (!text) return std::unexpected(text.error());
  auto bytes = util::from_hex(*text);
  if (!bytes) return std::unexpected(RpcError{rpc_code::deserialization_error, std::string(failure)});
  return std::move(*bytes);
}

RpcResult submitheader(SyncNode& node, const Args& args) {
  auto bytes = hex_arg(args, "Block header decode failed");
  if (!bytes) return std::unexpected(bytes.error());
  auto header = wire::from_bytes<wire::BlockHeader>(*bytes);
  if (!header) return std::unexpected(RpcError{rpc_code::deserialization_error, "Block header decode failed"});
  if (!node.tree.find(header->prev_block))
    return std::unexpected(RpcError{rpc_code::verify_error, fmt::format("Must submit previous header ({}) first", header->prev_block.to_hex())});
  if (const auto* known = node.tree.find(wire::block_hash(*header)); known && !known->valid())
    return std::unexpected(RpcError{rpc_code::verify_error, "duplicate-invalid"});
  const sync::HeaderEntry* best_before = &node.tree.best();
  auto accepted = node.tree.accept(*header, util::unix_time());
  if (!accepted) return std::unexpected(RpcError{rpc_code::verify_error, std::string(consensus::to_string(accepted.error()))});
  const sync::HeaderEntry* stored[] = {accepted->entry};
  if (accepted->is_new)
    if (auto p = persist(node, stored); !p) return std::unexpected(p.error());
  if (&node.tree.best() != best_before) node.chain.activate();
  node.blocks.on_chain_progress(); // the window may now ask peers for the block
  return json::Value();
}

// What the chain made of a submitted block.
struct Outcome {
  bool connected = false;
  std::string reason; // the reject reason, when it found the block invalid
};

// Core's submitblock results (BIP22): null when the block became part of the active chain, a reject
// reason, "duplicate", "duplicate-invalid", or "inconclusive" (valid as far as checked, not connected).
RpcResult submitblock(SyncNode& node, const Args& args) {
  auto bytes = hex_arg(args, "Block decode failed");
  if (!bytes) return std::unexpected(bytes.error());
  auto decoded = wire::from_bytes<wire::Block>(*bytes);
  if (!decoded) return std::unexpected(RpcError{rpc_code::deserialization_error, "Block decode failed"});
  if (decoded->txs.empty() || !decoded->txs.front().is_coinbase())
    return std::unexpected(RpcError{rpc_code::deserialization_error, "Block does not start with a coinbase"});
  const wire::Block& block = *decoded;
  const Hash256 hash = wire::block_hash(block.header);
  const sync::HeaderEntry& tip = node.chain.tip();
  if (const sync::HeaderEntry* known = node.tree.find(hash)) {
    if (!known->valid()) return json::Value(std::string("duplicate-invalid"));
    if (known->have_data() || tip.ancestor(known->height) == known) return json::Value(std::string("duplicate"));
  }
  // Context-free rules first (Core's CheckBlock): a block failing them leaves no trace.
  if (auto pow = consensus::check_header(hash, block.header, node.params); !pow)
    return json::Value(std::string(consensus::to_string(pow.error())));
  const sync::HeaderEntry* parent = node.tree.find(block.header.prev_block);
  if (!parent) return json::Value(std::string(consensus::to_string(consensus::HeaderError::prev_blk_not_found)));
  sync::ReceivedBlock received;
  if (auto mutation = consensus::find_mutation(block, parent->height + 1, node.params, &received.txids))
    return json::Value(consensus::BlockFailure{*mutation, std::nullopt, std::nullopt, std::nullopt, std::nullopt, std::nullopt}.reason());
  if (auto checked = consensus::check_block(block, node.params, false, received.txids); !checked)
    return json::Value(checked.error().reason());

  const sync::HeaderEntry* best_before = &node.tree.best();
  auto accepted = node.tree.accept(block.header, util::unix_time());
  if (!accepted) return json::Value(std::string(consensus::to_string(accepted.error())));
  const sync::HeaderEntry* stored[] = {accepted->entry};
  if (accepted->is_new)
    if (auto p = persist(node, stored); !p) return std::unexpected(p.error());
  received.entry = accepted->entry;
  received.raw = std::move(*bytes);
  received.block = std::make_shared<const wire::Block>(std::move(*decoded));
  received.witness_checked = true;
  // On the chain thread, to the end: stored, connected if it extends the best chain, scripts checked.
  auto outcome = node.chain.call([&received, hash](sync::ChainState& chain) -> std::expected<Outcome, std::string> {
    const sync::HeaderEntry* entry = received.entry;
    if (auto p = chain.process_block(std::move(received)); !p) return std::unexpected(p.error());
    if (auto w = chain.wait_for_checks(); !w) return std::unexpected(w.error());
    Outcome out;
    out.connected = chain.tip().ancestor(entry->height) == entry;
    const auto& invalid = chain.invalid_blocks();
    for (auto it = invalid.rbegin(); it != invalid.rend() && out.reason.empty(); ++it)
      if (it->hash == hash) out.reason = it->reason.empty() ? "rejected" : it->reason;
    return out;
  });
  if (&node.tree.best() != best_before) node.chain.activate();
  node.blocks.on_chain_progress(); // takes the invalidation, if any, into the tree
  if (!outcome) return std::unexpected(chain_failed(outcome.error()));
  if (!outcome->reason.empty()) return json::Value(outcome->reason);
  if (outcome->connected) return json::Value();
  return json::Value(std::string("inconclusive"));
}

} // namespace

void add_chain_control_methods(RpcDispatcher& rpc, SyncNode& node) {
  // Core's categories: submitblock and submitheader are "Mining"; invalidateblock and
  // reconsiderblock are hidden in Core's list, shown here under "Blockchain".
  auto add = [&rpc](std::string name, std::vector<std::string> args, std::string category, std::string help,
                    std::function<RpcResult(const Args&)> fn) {
    rpc.add(RpcMethod{std::move(name), std::move(args), std::move(fn), {}, std::move(help), std::move(category)});
  };
  add("invalidateblock", {"blockhash"}, "Blockchain",
      "invalidateblock \"blockhash\"\n\nPermanently marks a block as invalid, as if it violated a consensus rule.",
      [&node](const Args& a) { return invalidateblock(node, a); });
  add("reconsiderblock", {"blockhash"}, "Blockchain",
      "reconsiderblock \"blockhash\"\n\nRemoves invalidity status of a block, its ancestors and its descendants, "
      "reconsider them for activation.\nThis can be used to undo the effects of invalidateblock.",
      [&node](const Args& a) { return reconsiderblock(node, a); });
  add("preciousblock", {"blockhash"}, "Blockchain",
      "preciousblock \"blockhash\"\n\nTreats a block as if it were received before others with the same work.",
      [&node](const Args& a) { return preciousblock(node, a); });
  add("pruneblockchain", {"height"}, "Blockchain",
      "pruneblockchain height\n\nPrunes the block files up to a height or a unix time (--prune only); never the "
      "last 288 blocks.",
      [&node](const Args& a) { return pruneblockchain(node, a); });
  add("verifychain", {"checklevel", "nblocks"}, "Blockchain",
      "verifychain ( checklevel nblocks )\n\nVerifies blockchain database (checklevel 0-4, default 3; nblocks "
      "default 6, 0 for all).",
      [&node](const Args& a) { return verifychain(node, a); });
  add("submitblock", {"hexdata", "dummy"}, "Mining",
      "submitblock \"hexdata\" ( \"dummy\" )\n\nAttempts to submit new block to network.",
      [&node](const Args& a) { return submitblock(node, a); });
  add("submitheader", {"hexdata"}, "Mining",
      "submitheader \"hexdata\"\n\nDecode the given hexdata as a header and submit it as a candidate chain tip if "
      "valid.\nThrows when the header is invalid.",
      [&node](const Args& a) { return submitheader(node, a); });
}

} // namespace peregrine::node
