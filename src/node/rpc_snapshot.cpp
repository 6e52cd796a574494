#include "node/rpc_snapshot.hpp"

#include <filesystem>
#include <fstream>

#include <fmt/format.h>

#include "node/rpc_params.hpp"
#include "node/snapshot_command.hpp"
#include "sync/chain_state.hpp"
#include "sync/snapshot_dump.hpp"
#include "sync/snapshot_format.hpp"

namespace peregrine::node {
namespace {

namespace json = util::json;
using namespace rpc;

// Core's rule for both: a relative path is the datadir's.
std::filesystem::path rpc_path(const SyncNode& node, const std::string& text) {
  const std::filesystem::path path(text);
  return path.is_absolute() ? path : node.datadir / path;
}

// Core's dumptxoutset "path" ( "type" ): the UTXO set at the tip, written as Core writes it (format
// version 2). "rollback" (to an earlier block) is not supported yet. Runs on the chain thread
// after a flush, so the file is the set of exactly the tip it names.
RpcResult dumptxoutset(SyncNode& node, const Args& args) {
  auto path_text = string_arg(args, 0, "path");
  if (!path_text) return std::unexpected(path_text.error());
  std::string type = "latest";
  if (arg(args, 1)) {
    auto t = string_arg(args, 1, "type");
    if (!t) return std::unexpected(t.error());
    if (!t->empty()) type = *t;
  }
  if (type == "rollback") return std::unexpected(invalid_parameter("dumptxoutset \"rollback\" is not supported yet: use \"latest\""));
  if (type != "latest")
    return std::unexpected(invalid_parameter(fmt::format("Invalid snapshot type \"{}\" specified. Please specify \"rollback\" or \"latest\"", type)));
  const std::filesystem::path path = rpc_path(node, *path_text);
  std::error_code ec;
  if (std::filesystem::exists(path, ec))
    return std::unexpected(invalid_parameter(fmt::format(
        "{} already exists. If you are sure this is what you want, move it out of the way first", path.string())));
  std::uint64_t chain_tx = 0; // read on the chain thread, which writes it
  auto dumped = node.chain.call([&](sync::ChainState& chain) -> std::expected<sync::SnapshotDump, std::string> {
    if (auto flushed = chain.flush(); !flushed) return std::unexpected(flushed.error());
    chain_tx = node.stores.utxo->chain_tx();
    return sync::dump_utxo_snapshot(*node.stores.utxo, node.params.magic, sync::kSnapshotVersionCore,
                                    static_cast<std::uint32_t>(chain.tip().height), path);
  });
  if (!dumped) return std::unexpected(RpcError{rpc_code::misc_error, dumped.error()});
  return dump_result_json(*dumped, path, chain_tx);
}

// Core's loadtxoutset "path": the snapshot becomes the UTXO set of a node that has connected no
// block yet (its base must be a header we hold; the hash the chain parameters give, or on regtest
// and signet the node's --snapshot-hash). Runs on the chain thread; the download then goes on
// from the base.
RpcResult loadtxoutset(SyncNode& node, const Args& args) {
  auto path_text = string_arg(args, 0, "path");
  if (!path_text) return std::unexpected(path_text.error());
  const std::filesystem::path path = rpc_path(node, *path_text);
  std::ifstream in(path, std::ios::binary);
  if (!in) return std::unexpected(invalid_parameter(fmt::format("Couldn't open file {} for reading.", path.string())));
  auto reader = sync::SnapshotReader::open(in, &node.params.magic);
  if (!reader) return std::unexpected(RpcError{rpc_code::misc_error, fmt::format("Unable to load UTXO snapshot: {}", reader.error())});
  const sync::HeaderEntry* base = node.tree.find((*reader)->header().base_block);
  if (!base)
    return std::unexpected(RpcError{rpc_code::misc_error,
                                    fmt::format("Unable to load UTXO snapshot: the base block header ({}) must appear in "
                                                "the headers chain. Make sure all headers are syncing, and call "
                                                "loadtxoutset again.", (*reader)->header().base_block.to_hex())});
  auto expect = snapshot_expectation(node.params, *base, node.snapshot_hash);
  if (!expect) return std::unexpected(RpcError{rpc_code::misc_error, "Unable to load UTXO snapshot: " + expect.error()});
  auto loaded = node.chain.call([&](sync::ChainState& chain) { return chain.load_snapshot(**reader, *expect); });
  if (!loaded) return std::unexpected(RpcError{rpc_code::misc_error, "Unable to load UTXO snapshot: " + loaded.error()});
  json::Value out = json::Value::object();
  out.set("coins_loaded", loaded->header.coins_count);
  out.set("tip_hash", base->hash->to_hex());
  out.set("base_height", static_cast<std::int64_t>(base->height));
  out.set("path", std::filesystem::absolute(path).string());
  return out;
}

} // namespace

void add_snapshot_methods(RpcDispatcher& rpc, SyncNode& node) {
  auto add = [&rpc](std::string name, std::vector<std::string> args, std::string help,
                    std::function<RpcResult(const Args&)> fn) {
    rpc.add(RpcMethod{std::move(name), std::move(args), std::move(fn), {}, std::move(help), "Blockchain"});
  };
  add("dumptxoutset", {"path", "type"},
      "dumptxoutset \"path\" ( \"type\" )\n\nWrite the serialized UTXO set to a file (Bitcoin Core's snapshot format, "
      "version 2). path is relative to the datadir unless absolute and must not exist; type: \"latest\" (the default; "
      "\"rollback\" is not supported yet).",
      [&node](const Args& a) { return dumptxoutset(node, a); });
  add("loadtxoutset", {"path"},
      "loadtxoutset \"path\"\n\nLoad the serialized UTXO set from a file (Bitcoin Core's dumptxoutset format) into a "
      "node that has connected no block yet; the chain goes on from the snapshot's base block. path is relative to the "
      "datadir unless absolute. Background validation from genesis is not built yet.",
      [&node](const Args& a) { return loadtxoutset(node, a); });
}

} // namespace peregrine::node
