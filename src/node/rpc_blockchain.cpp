#include "node/rpc_blockchain.hpp"

#include <algorithm>
#include <chrono>
#include <limits>
#include <unordered_set>

#include <fmt/format.h>

#include "node/core_json.hpp"
#include "node/rpc_block_json.hpp"
#include "node/rpc_block_stats.hpp"
#include "node/rpc_chain_view.hpp"
#include "node/rpc_params.hpp"
#include "sync/sync_progress.hpp"
#include "sync/utxo_stats.hpp"
#include "util/hex.hpp"
#include "util/unix_time.hpp"
#include "wire/codec.hpp"

namespace peregrine::node {
namespace {

using namespace rpc;
using namespace std::chrono_literals;

std::string chain_name(consensus::Network network) {
  switch (network) {
    case consensus::Network::main: return "main";
    case consensus::Network::testnet3: return "test";
    default: return std::string(consensus::to_string(network));
  }
}

RpcResult getblockhash(const SyncNode& node, const Args& args) {
  const json::Value* h = arg(args, 0);
  if (!h) return std::unexpected(RpcError{rpc_code::misc_error, "Missing required argument height"});
  auto height = int_arg(args, 0, 0);
  if (!height) return std::unexpected(height.error());
  const auto& tip = node.chain.tip();
  if (*height < 0 || *height > tip.height) return std::unexpected(invalid_parameter("Block height out of range"));
  return json::Value(tip.ancestor(static_cast<int>(*height))->hash->to_hex());
}

// nTx of a block we hold (read from its file: the tree does not keep it), 0 otherwise, as Core.
std::int64_t stored_tx_count(const SyncNode& node, const sync::HeaderEntry& e) {
  if (!e.have_data()) return 0;
  auto stored = read_stored_block(node, e);
  return stored ? static_cast<std::int64_t>(stored->block.txs.size()) : 0;
}

RpcResult getblockheader(const SyncNode& node, const Args& args) {
  auto e = find_block(node, args, 0);
  if (!e) return std::unexpected(e.error());
  auto verbose = bool_arg(args, 1, true);
  if (!verbose) return std::unexpected(verbose.error());
  if (!*verbose) return json::Value(util::to_hex(wire::serialize((*e)->header())));
  return header_json(node, **e, stored_tx_count(node, **e));
}

RpcResult getblock(const SyncNode& node, const Args& args) {
  auto e = find_block(node, args, 0);
  if (!e) return std::unexpected(e.error());
  // Core takes a boolean too (the old "verbose"): true is 1, false 0.
  std::int64_t verbosity = 1;
  if (const json::Value* v = arg(args, 1)) {
    if (v->is_bool()) {
      verbosity = *v->as_bool() ? 1 : 0;
    } else if (auto n = v->as_int64()) {
      verbosity = *n;
    } else {
      return std::unexpected(type_error(*v, "number"));
    }
  }
  auto stored = read_stored_block(node, **e);
  if (!stored) return std::unexpected(stored.error());
  if (verbosity <= 0) return json::Value(util::to_hex(stored->raw));
  json::Value out = header_json(node, **e, static_cast<std::int64_t>(stored->block.txs.size()));
  out.set("strippedsize", static_cast<std::uint64_t>(wire::serialized_size(stored->block, wire::TxEncoding::without_witness)));
  out.set("size", static_cast<std::uint64_t>(stored->raw_size));
  out.set("weight", static_cast<std::uint64_t>(wire::weight(stored->block)));
  if (verbosity == 1) {
    json::Value txs = json::Value::array();
    for (const auto& tx : stored->block.txs) txs.push_back(wire::txid(tx).to_hex());
    out.set("tx", std::move(txs));
    return out;
  }
  auto txs = verbose_transactions(node, **e, stored->block, verbosity >= 3);
  if (!txs) return std::unexpected(txs.error());
  out.set("tx", std::move(*txs));
  return out;
}

// The lowest height whose block we still hold (pruning deletes from the bottom up).
int prune_height(const SyncNode& node) {
  const auto& tip = node.chain.tip();
  int low = 0, high = tip.height;
  while (low < high) {
    const int mid = low + (high - low) / 2;
    if (tip.ancestor(mid)->have_data()) high = mid; else low = mid + 1;
  }
  return low;
}

RpcResult getblockchaininfo(const SyncNode& node) {
  const sync::HeaderEntry& tip = node.chain.tip();
  json::Value out = json::Value::object();
  out.set("chain", chain_name(node.params.network));
  out.set("blocks", static_cast<std::int64_t>(tip.height));
  out.set("headers", static_cast<std::int64_t>(node.tree.best_height()));
  out.set("bestblockhash", tip.hash->to_hex());
  out.set("bits", fmt::format("{:08x}", tip.bits));
  out.set("target", consensus::decode_compact(tip.bits).value.to_hex());
  out.set("difficulty", difficulty(tip.bits));
  out.set("time", static_cast<std::int64_t>(tip.time));
  out.set("mediantime", node.tree.median_time_past(tip));
  out.set("verificationprogress", sync::verification_progress(node.params.chain_tx_data, node.chain.chain_tx(),
                                                              tip.time, util::unix_time()));
  out.set("initialblockdownload", node.blocks.initial_download());
  out.set("chainwork", tip.chain_work.to_hex());
  out.set("size_on_disk", node.stores.blocks->disk_bytes());
  out.set("pruned", node.pruned);
  if (node.pruned) {
    out.set("pruneheight", static_cast<std::int64_t>(prune_height(node)));
    out.set("automatic_pruning", true);
    out.set("prune_target_size", node.prune_target_bytes);
  }
  if (node.params.network == consensus::Network::signet)
    out.set("signet_challenge", util::to_hex(node.params.signet_challenge));
  out.set("warnings", json::Value::array());
  return out;
}

// Core's getchainstates: the chainstate in use. One until background validation is built: a
// set loaded from a snapshot names its base (snapshot_blockhash) and is not validated from genesis.
RpcResult getchainstates(const SyncNode& node) {
  const sync::HeaderEntry& tip = node.chain.tip();
  json::Value state = json::Value::object();
  state.set("blocks", static_cast<std::int64_t>(tip.height));
  state.set("bestblockhash", tip.hash->to_hex());
  state.set("bits", fmt::format("{:08x}", tip.bits));
  state.set("target", consensus::decode_compact(tip.bits).value.to_hex());
  state.set("difficulty", difficulty(tip.bits));
  state.set("verificationprogress", sync::verification_progress(node.params.chain_tx_data, node.chain.chain_tx(),
                                                                tip.time, util::unix_time()));
  const auto& base = node.stores.utxo->snapshot_base(); // written at start, or by loadtxoutset while this thread waits for it
  if (base) state.set("snapshot_blockhash", base->to_hex());
  state.set("coins_db_cache_bytes", static_cast<std::uint64_t>(node.stores.utxo->cache_bytes()));
  state.set("validated", !base.has_value());
  json::Value states = json::Value::array();
  states.push_back(std::move(state));
  json::Value out = json::Value::object();
  out.set("headers", static_cast<std::int64_t>(node.tree.best_height()));
  out.set("chainstates", std::move(states));
  return out;
}

// Core's getchaintips: every header without a child, and the active tip, with how it stands.
RpcResult getchaintips(const SyncNode& node) {
  std::vector<const sync::HeaderEntry*> leaves;
  {
    std::unordered_set<const sync::HeaderEntry*> parents;
    node.tree.for_each([&](const sync::HeaderEntry& e) { if (e.prev) parents.insert(e.prev); });
    node.tree.for_each([&](const sync::HeaderEntry& e) { if (!parents.contains(&e)) leaves.push_back(&e); });
  }
  const sync::HeaderEntry& tip = node.chain.tip();
  if (std::find(leaves.begin(), leaves.end(), &tip) == leaves.end()) leaves.push_back(&tip);
  std::sort(leaves.begin(), leaves.end(), [](const auto* a, const auto* b) {
    return a->height != b->height ? a->height > b->height : *a->hash < *b->hash;
  });
  json::Value out = json::Value::array();
  for (const auto* leaf : leaves) {
    const sync::HeaderEntry* fork = leaf;
    while (fork && tip.ancestor(fork->height) != fork) fork = fork->prev;
    std::string status;
    if (leaf == &tip) {
      status = "active";
    } else if (!leaf->valid()) {
      status = "invalid";
    } else {
      // Every block of the branch held: it could be connected (Core's "valid-headers"); a branch
      // that was once active keeps its undo data ("valid-fork").
      bool all_data = true, all_undo = true;
      for (const auto* e = leaf; e != fork; e = e->prev) {
        all_data = all_data && e->have_data();
        all_undo = all_undo && e->have_undo();
      }
      status = !all_data ? "headers-only" : all_undo ? "valid-fork" : "valid-headers";
    }
    json::Value o = json::Value::object();
    o.set("height", static_cast<std::int64_t>(leaf->height));
    o.set("hash", leaf->hash->to_hex());
    o.set("branchlen", static_cast<std::int64_t>(leaf->height - (fork ? fork->height : 0)));
    o.set("status", status);
    out.push_back(std::move(o));
  }
  return out;
}

RpcResult gettxout(SyncNode& node, const Args& args) {
  auto txid = hash_arg(args, 0, "txid");
  if (!txid) return std::unexpected(txid.error());
  auto n = int_arg(args, 1, -1);
  if (!n) return std::unexpected(n.error());
  if (!arg(args, 1)) return std::unexpected(RpcError{rpc_code::misc_error, "Missing required argument n"});
  if (*n < 0 || *n > 0xffffffff) return std::unexpected(invalid_parameter("Invalid parameter, vout cannot be negative"));
  if (auto mempool = bool_arg(args, 2, true); !mempool) return std::unexpected(mempool.error()); // no mempool to look in
  const wire::OutPoint outpoint{*txid, static_cast<std::uint32_t>(*n)};
  struct Found {
    std::optional<consensus::Coin> coin;
    const sync::HeaderEntry* tip = nullptr;
  };
  // On the chain thread, which owns the cache, after the blocks under way settle so the coin
  // agrees with the tip reported.
  auto found = node.chain.call([&outpoint](sync::ChainState& chain) -> std::expected<Found, std::string> {
    if (auto settled = chain.wait_for_checks(); !settled) return std::unexpected(settled.error());
    auto coin = chain.coins().find(outpoint);
    if (!coin) return std::unexpected(coin.error());
    return Found{std::move(*coin), &chain.tip()};
  });
  if (!found) return std::unexpected(RpcError{rpc_code::internal_error, found.error()});
  if (!found->coin) return json::Value();
  const auto& coin = *found->coin;
  json::Value out = json::Value::object();
  out.set("bestblock", found->tip->hash->to_hex());
  out.set("confirmations", static_cast<std::int64_t>(found->tip->height - coin.height + 1));
  out.set("value", amount_json(coin.output.value));
  out.set("scriptPubKey", script_pubkey_json(coin.output.script_pubkey, node.params));
  out.set("coinbase", coin.coinbase);
  return out;
}

RpcResult gettxoutsetinfo(SyncNode& node) {
  // The statistics are of the database: write the cache out first (Core flushes too), on the chain
  // thread, which owns the cache, so no block is connected between the flush and the scan.
  auto stats = node.chain.call([&node](sync::ChainState& chain) -> std::expected<sync::UtxoStats, std::string> {
    if (auto flushed = chain.flush(); !flushed) return std::unexpected(flushed.error());
    auto computed = sync::compute_utxo_stats(*node.stores.utxo);
    if (computed) computed->height = chain.tip().height;
    return computed;
  });
  if (!stats) return std::unexpected(RpcError{rpc_code::internal_error, stats.error()});
  return sync::to_json(*stats);
}

// Core's getdeploymentinfo: the soft forks buried at fixed heights, and taproot, which Core still
// lists as a BIP9 deployment (always active on regtest).
RpcResult getdeploymentinfo(const SyncNode& node, const Args& args) {
  const sync::HeaderEntry* at = &node.chain.tip();
  if (arg(args, 0)) {
    auto e = find_block(node, args, 0);
    if (!e) return std::unexpected(e.error());
    at = *e;
  }
  // Core reports the state for the block after `at`: a fork is active at `at` if the next block
  // must follow it.
  const int next = at->height + 1;
  json::Value deployments = json::Value::object();
  auto buried = [&](const char* name, int height) {
    json::Value d = json::Value::object();
    d.set("type", "buried");
    d.set("height", static_cast<std::int64_t>(height));
    d.set("active", next >= height);
    deployments.set(name, std::move(d));
  };
  const auto& p = node.params;
  buried("bip34", p.bip34_height);
  buried("bip66", p.bip66_height);
  buried("bip65", p.bip65_height);
  buried("csv", p.csv_height);
  buried("segwit", p.segwit_height);
  // Taproot's BIP9 parameters are Core's: signalled on mainnet and testnet3 (bit 2, Speedy Trial's
  // window), always active elsewhere. Our chain parameters hold the height it became active.
  const bool signalled = p.network == consensus::Network::main || p.network == consensus::Network::testnet3;
  const bool taproot_active = next >= p.taproot_height;
  json::Value bip9 = json::Value::object();
  bip9.set("start_time", signalled ? std::int64_t{1619222400} : std::int64_t{-1});
  bip9.set("timeout", signalled ? std::int64_t{1628640000} : std::numeric_limits<std::int64_t>::max());
  bip9.set("min_activation_height", static_cast<std::int64_t>(p.network == consensus::Network::main ? 709632 : 0));
  bip9.set("status", taproot_active ? "active" : "defined");
  bip9.set("since", static_cast<std::int64_t>(taproot_active ? p.taproot_height : 0));
  bip9.set("status_next", taproot_active ? "active" : "defined");
  json::Value taproot = json::Value::object();
  taproot.set("type", "bip9");
  if (taproot_active) taproot.set("height", static_cast<std::int64_t>(p.taproot_height));
  taproot.set("active", taproot_active);
  taproot.set("bip9", std::move(bip9));
  deployments.set("taproot", std::move(taproot));
  json::Value out = json::Value::object();
  out.set("hash", at->hash->to_hex());
  out.set("height", static_cast<std::int64_t>(at->height));
  out.set("deployments", std::move(deployments));
  return out;
}

json::Value tip_json(const sync::HeaderEntry& tip) {
  json::Value out = json::Value::object();
  out.set("hash", tip.hash->to_hex());
  out.set("height", static_cast<std::int64_t>(tip.height));
  return out;
}

constexpr auto kWaitPoll = 20ms;

// Waits (polling the chain's published tip) until `done` holds or `timeout_ms` passes (0: no
// limit), then answers the tip as Core's waitfor* methods do.
template <class Done>
peer::asio::awaitable<RpcResult> wait_for_tip(const SyncNode& node, std::int64_t timeout_ms, const RpcWaits& waits,
                                              Done done) {
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::milliseconds(timeout_ms);
  while (!done(node.chain.tip())) {
    if (timeout_ms > 0 && std::chrono::steady_clock::now() >= deadline) break;
    if (!co_await waits.pause(kWaitPoll)) co_return std::unexpected(RpcError{rpc_code::misc_error, "Shutting down"});
  }
  co_return tip_json(node.chain.tip());
}

std::expected<std::int64_t, RpcError> timeout_arg(const Args& args, std::size_t i) {
  auto t = int_arg(args, i, 0);
  if (t && *t < 0) return std::unexpected(invalid_parameter("Negative timeout"));
  return t;
}

peer::asio::awaitable<RpcResult> waitfornewblock(const SyncNode& node, Args args, const RpcWaits& waits) {
  auto timeout = timeout_arg(args, 0);
  if (!timeout) co_return std::unexpected(timeout.error());
  const sync::HeaderEntry* start = &node.chain.tip();
  if (arg(args, 1)) {
    auto current = hash_arg(args, 1, "current_tip");
    if (!current) co_return std::unexpected(current.error());
    start = node.tree.find(*current); // a tip we do not know is already "new"
  }
  co_return co_await wait_for_tip(node, *timeout, waits, [start](const sync::HeaderEntry& tip) { return &tip != start; });
}

peer::asio::awaitable<RpcResult> waitforblock(const SyncNode& node, Args args, const RpcWaits& waits) {
  auto hash = hash_arg(args, 0, "blockhash");
  if (!hash) co_return std::unexpected(hash.error());
  auto timeout = timeout_arg(args, 1);
  if (!timeout) co_return std::unexpected(timeout.error());
  const Hash256 wanted = *hash;
  co_return co_await wait_for_tip(node, *timeout, waits, [wanted](const sync::HeaderEntry& tip) { return *tip.hash == wanted; });
}

peer::asio::awaitable<RpcResult> waitforblockheight(const SyncNode& node, Args args, const RpcWaits& waits) {
  if (!arg(args, 0)) co_return std::unexpected(RpcError{rpc_code::misc_error, "Missing required argument height"});
  auto height = int_arg(args, 0, 0);
  if (!height) co_return std::unexpected(height.error());
  auto timeout = timeout_arg(args, 1);
  if (!timeout) co_return std::unexpected(timeout.error());
  const std::int64_t wanted = *height;
  co_return co_await wait_for_tip(node, *timeout, waits, [wanted](const sync::HeaderEntry& tip) { return tip.height >= wanted; });
}

} // namespace

void add_blockchain_methods(RpcDispatcher& rpc, SyncNode& node) {
  auto add = [&rpc](std::string name, std::vector<std::string> args, std::string help,
                    std::function<RpcResult(const Args&)> fn) {
    rpc.add(RpcMethod{std::move(name), std::move(args), std::move(fn), {}, std::move(help), "Blockchain"});
  };
  auto add_wait = [&rpc](std::string name, std::vector<std::string> args, std::string help, AsyncRpcHandler fn) {
    rpc.add(RpcMethod{std::move(name), std::move(args), {}, std::move(fn), std::move(help), "Blockchain"});
  };
  add("getblockcount", {}, "getblockcount\n\nReturns the height of the most-work fully-validated chain.",
      [&node](const Args&) -> RpcResult { return json::Value(static_cast<std::int64_t>(node.chain.tip().height)); });
  add("getbestblockhash", {}, "getbestblockhash\n\nReturns the hash of the best (tip) block in the most-work fully-validated chain.",
      [&node](const Args&) -> RpcResult { return json::Value(node.chain.tip().hash->to_hex()); });
  add("getblockhash", {"height"}, "getblockhash height\n\nReturns hash of block in best-block-chain at height provided.",
      [&node](const Args& a) { return getblockhash(node, a); });
  add("getblockheader", {"blockhash", "verbose"},
      "getblockheader \"blockhash\" ( verbose )\n\nIf verbose is false, returns a string that is serialized, hex-encoded "
      "data for blockheader 'hash'.\nIf verbose is true, returns an Object with information about blockheader <hash>.",
      [&node](const Args& a) { return getblockheader(node, a); });
  add("getblock", {"blockhash", "verbosity"},
      "getblock \"blockhash\" ( verbosity )\n\nIf verbosity is 0, returns a string that is serialized, hex-encoded data "
      "for block 'hash'.\nIf verbosity is 1, returns an Object with information about block <hash>.\nIf verbosity is 2, "
      "returns an Object with information about block <hash> and information about each transaction.\nIf verbosity is 3, "
      "returns an Object with information about block <hash> and information about each transaction, including prevout "
      "information for inputs (only for unpruned blocks in the current best chain).",
      [&node](const Args& a) { return getblock(node, a); });
  add("getblockchaininfo", {}, "getblockchaininfo\n\nReturns an object containing various state info regarding blockchain processing.",
      [&node](const Args&) { return getblockchaininfo(node); });
  add("getchaintips", {}, "getchaintips\n\nReturn information about all known tips in the block tree, including the main "
      "chain as well as orphaned branches.",
      [&node](const Args&) { return getchaintips(node); });
  add("getchainstates", {}, "getchainstates\n\nReturn information about chainstates (one: background validation of a "
      "snapshot's chainstate is not built yet; a chainstate loaded from a snapshot has snapshot_blockhash and validated "
      "false).",
      [&node](const Args&) { return getchainstates(node); });
  add("gettxout", {"txid", "n", "include_mempool"},
      "gettxout \"txid\" n ( include_mempool )\n\nReturns details about an unspent transaction output (this node has no "
      "mempool: include_mempool is accepted and changes nothing).",
      [&node](const Args& a) { return gettxout(node, a); });
  add("gettxoutsetinfo", {"hash_type", "hash_or_height", "use_index"},
      "gettxoutsetinfo ( \"hash_type\" hash_or_height use_index )\n\nReturns statistics about the unspent transaction output set "
      "at the tip (hash_type: muhash and hash_serialized_3 are both given).",
      [&node](const Args&) { return gettxoutsetinfo(node); });
  add("getblockstats", {"hash_or_height", "stats"},
      "getblockstats hash_or_height ( stats )\n\nCompute per block statistics for a given window. All amounts are in "
      "satoshis.",
      [&node](const Args& a) { return getblockstats(node, a); });
  add("getdeploymentinfo", {"blockhash"},
      "getdeploymentinfo ( \"blockhash\" )\n\nReturns an object containing various state info regarding deployments of "
      "consensus changes.",
      [&node](const Args& a) { return getdeploymentinfo(node, a); });
  add_wait("waitfornewblock", {"timeout", "current_tip"},
           "waitfornewblock ( timeout \"current_tip\" )\n\nWaits for any new block and returns useful info about it.\n"
           "Returns the current block on timeout or exit. timeout in milliseconds, 0 for none.",
           [&node](const Args& a, const RpcWaits& w) { return waitfornewblock(node, a, w); });
  add_wait("waitforblock", {"blockhash", "timeout"},
           "waitforblock \"blockhash\" ( timeout )\n\nWaits for a specific new block and returns useful info about it.\n"
           "Returns the current block on timeout or exit. timeout in milliseconds, 0 for none.",
           [&node](const Args& a, const RpcWaits& w) { return waitforblock(node, a, w); });
  add_wait("waitforblockheight", {"height", "timeout"},
           "waitforblockheight height ( timeout )\n\nWaits for (at least) block height and returns the height and hash\n"
           "of the current tip.\nReturns the current block on timeout or exit. timeout in milliseconds, 0 for none.",
           [&node](const Args& a, const RpcWaits& w) { return waitforblockheight(node, a, w); });
}

} // namespace peregrine::node
