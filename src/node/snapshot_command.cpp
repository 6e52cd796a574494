#include "node/snapshot_command.hpp"

#include <chrono>
#include <fstream>
#include <ostream>

#include <fmt/format.h>

#include "consensus/chainparams.hpp"
#include "node/commands.hpp"
#include "node/utxo_stats_command.hpp"
#include "sync/header_store.hpp"
#include "sync/header_tree.hpp"
#include "sync/snapshot_format.hpp"
#include "sync/snapshot_load.hpp"
#include "sync/utxo_stats.hpp"
#include "util/datadir_lock.hpp"
#include "util/file_io.hpp"
#include "util/stopwatch.hpp"

namespace peregrine::node {
namespace {

namespace fs = std::filesystem;
namespace json = util::json;

// What the chain parameters say of a base block: the assumeutxo entry naming it, if any.
const consensus::AssumeUtxoSnapshot* assumeutxo_for(const consensus::ChainParams& params, const Hash256& block) {
  for (const auto& a : params.assumeutxo)
    if (a.block_hash == block) return &a;
  return nullptr;
}

// The built-in network whose message start the file names; null for none (a custom signet's).
json::Value network_json(const wire::Magic& magic) {
  for (consensus::Network n : consensus::kAllNetworks)
    if (consensus::chain_params(n).magic == magic) return json::Value(std::string(consensus::to_string(n)));
  return json::Value();
}

json::Value hashes_json(const std::vector<Hash256>& hashes) {
  json::Value out = json::Value::array();
  for (const Hash256& h : hashes) out.push_back(h.to_hex());
  return out;
}

} // namespace

const std::vector<OptionSpec>& dumptxoutset_options() {
  static const std::vector<OptionSpec> options = {
      {"format-version", ArgKind::value, "2|3",
       "2: Bitcoin Core v31's file (default); 3: the P2P UTXO set sharing draft's, with the base height"},
      {"chunk-hashes", ArgKind::flag, "", "also print every chunk's hash"},
  };
  return options;
}

json::Value dump_result_json(const sync::SnapshotDump& dump, const fs::path& path, std::uint64_t chain_tx) {
  json::Value out = json::Value::object();
  out.set("coins_written", dump.header.coins_count);
  out.set("base_hash", dump.header.base_block.to_hex());
  out.set("base_height", static_cast<std::int64_t>(dump.stats.height));
  out.set("path", fs::absolute(path).string());
  out.set("txoutset_hash", dump.stats.hash_serialized_3.to_hex());
  out.set("nchaintx", chain_tx);
  out.set("format_version", static_cast<std::uint64_t>(dump.header.version));
  out.set("bytes", dump.bytes);
  out.set("chunks", static_cast<std::uint64_t>(dump.chunk_hashes.size()));
  out.set("chunk_root", dump.root.to_hex());
  return out;
}

int run_dumptxoutset_command(const Context& ctx, const ParsedArgs& args) {
  constexpr std::string_view kName = "dumptxoutset";
  auto version = parse_uint_option(args, "format-version", sync::kSnapshotVersionCore, sync::kSnapshotVersionCore,
                                   sync::kSnapshotVersionWithHeight);
  if (!version) return command_misused(ctx, kName, version.error().message);
  const fs::path out = args.positional().at(0);
  std::error_code ec;
  const fs::path chainstate = ctx.datadir / "chainstate";
  if (!fs::exists(chainstate / "CURRENT", ec))
    return command_failed(ctx, kName, fmt::format("no UTXO database in {} (run import or sync first)", chainstate.string()));
  auto lock = util::DatadirLock::acquire(ctx.datadir);
  if (!lock) return command_failed(ctx, kName, lock.error());
  const consensus::ChainParams& params = ctx.params();
  auto db = sync::UtxoDb::open(chainstate, params);
  if (!db) return command_failed(ctx, kName, db.error());
  if ((*db)->unfinished_flush())
    return command_failed(ctx, kName, "the UTXO database was left in the middle of a flush: run sync or import once to finish it");
  if ((*db)->best_block().is_zero()) return command_failed(ctx, kName, "the UTXO database holds no block's set yet");
  auto height = best_block_height(ctx.datadir, params, (*db)->best_block());
  if (!height) return command_failed(ctx, kName, height.error());
  if (*height < 0) return command_failed(ctx, kName, "the header store does not know the UTXO set's block");
  auto dump = sync::dump_utxo_snapshot(**db, params.magic, static_cast<std::uint16_t>(*version),
                                       static_cast<std::uint32_t>(*height), out);
  if (!dump) return command_failed(ctx, kName, dump.error());
  json::Value result = dump_result_json(*dump, out, (*db)->chain_tx());
  if (args.has("chunk-hashes")) result.set("chunk_hashes", hashes_json(dump->chunk_hashes));
  ctx.out << result.dump_pretty() << "\n";
  return kExitOk;
}

const std::vector<OptionSpec>& loadtxoutset_options() {
  static const std::vector<OptionSpec> options = {
      {"snapshot-hash", ArgKind::value, "HEX",
       "regtest and signet only: the hash_serialized_3 the set must have, where the chain parameters name none"},
  };
  return options;
}

std::expected<std::optional<Hash256>, UsageError> parse_snapshot_hash(const ParsedArgs& args, consensus::Network network) {
  auto text = args.value("snapshot-hash");
  if (!text) return std::optional<Hash256>{};
  if (network != consensus::Network::regtest && network != consensus::Network::signet)
    return std::unexpected(UsageError{"--snapshot-hash is for regtest and signet only: elsewhere only the chain "
                                      "parameters' assumeutxo entries are trusted"});
  auto hash = Hash256::from_hex(*text);
  if (!hash) return std::unexpected(UsageError{"--snapshot-hash: not a 64-digit hex hash"});
  return std::optional<Hash256>(*hash);
}

std::expected<Hash256, std::string> snapshot_base_block(const fs::path& file, const consensus::ChainParams& params) {
  std::ifstream in(file, std::ios::binary);
  if (!in) return std::unexpected(fmt::format("cannot open {}", file.string()));
  auto reader = sync::SnapshotReader::open(in, &params.magic);
  if (!reader) return std::unexpected(fmt::format("{}: {}", file.string(), reader.error()));
  return (*reader)->header().base_block;
}

std::expected<sync::SnapshotExpectation, std::string> snapshot_expectation(const consensus::ChainParams& params,
                                                                           const sync::HeaderEntry& base,
                                                                           const std::optional<Hash256>& given_hash) {
  sync::SnapshotExpectation expect{*base.hash, static_cast<std::uint32_t>(base.height), {}, 0};
  if (const auto* vouched = assumeutxo_for(params, *base.hash); vouched && vouched->height == base.height) {
    expect.hash_serialized = vouched->hash_serialized;
    expect.chain_tx = vouched->chain_tx_count;
  } else if (given_hash) {
    expect.hash_serialized = *given_hash;
  } else {
    const bool may_give = params.network == consensus::Network::regtest || params.network == consensus::Network::signet;
    return std::unexpected(fmt::format("the chain parameters of {} name no UTXO set for block {} at height {}{}",
                                       consensus::to_string(params.network), base.hash->to_hex(), base.height,
                                       may_give ? " (give the set's hash with --snapshot-hash=HEX)" : ""));
  }
  return expect;
}

std::expected<json::Value, std::string> load_snapshot_into(const fs::path& datadir, const consensus::ChainParams& params,
                                                           const fs::path& file, const std::optional<Hash256>& given_hash) {
  std::ifstream in(file, std::ios::binary);
  if (!in) return std::unexpected(fmt::format("cannot open {}", file.string()));
  auto reader = sync::SnapshotReader::open(in, &params.magic);
  if (!reader) return std::unexpected(fmt::format("{}: {}", file.string(), reader.error()));
  const Hash256 base = (*reader)->header().base_block;

  auto lock = util::DatadirLock::acquire(datadir);
  if (!lock) return std::unexpected(lock.error());
  // The base block must be a header we hold, on no invalid branch.
  auto store = sync::HeaderStore::open(datadir / "headers", params);
  if (!store) return std::unexpected(store.error());
  sync::HeaderTree tree(params);
  if (auto loaded = (*store)->load_into(tree); !loaded) return std::unexpected(loaded.error());
  const sync::HeaderEntry* entry = tree.find(base);
  if (!entry)
    return std::unexpected(fmt::format("the snapshot's base block {} is not among the datadir's headers: sync headers "
                                       "first (sync --load-snapshot does)", base.to_hex()));
  if (!entry->valid()) return std::unexpected(fmt::format("the snapshot's base block {} is invalid", base.to_hex()));

  auto expect = snapshot_expectation(params, *entry, given_hash);
  if (!expect) return std::unexpected(expect.error());

  // Only into a chainstate that holds nothing yet: it is replaced whole.
  const fs::path chainstate = datadir / "chainstate";
  std::error_code ec;
  if (fs::exists(chainstate / "CURRENT", ec)) {
    auto db = sync::UtxoDb::open(chainstate, params);
    if (!db) return std::unexpected(db.error());
    if (!sync::holds_no_block(**db, params)) {
      const sync::HeaderEntry* at = tree.find((*db)->best_block());
      return std::unexpected(fmt::format("the datadir's UTXO set is already at height {}: a snapshot loads only into "
                                         "an empty chainstate",
                                         at ? std::to_string(at->height) : (*db)->best_block().to_hex()));
    }
  }
  const fs::path loading = datadir / "chainstate.snapshot";
  fs::remove_all(loading, ec); // an interrupted load's leftover
  const util::Stopwatch timer;
  auto loaded = sync::load_utxo_snapshot(**reader, *expect, params, loading);
  if (!loaded) return std::unexpected(fmt::format("{}: {}", file.string(), loaded.error()));
  // The empty chainstate goes, the loaded one takes its name; a crash between the two leaves no
  // chainstate (an empty one is made at the next start) and the loaded one beside it, which the
  // next load removes.
  fs::remove_all(chainstate, ec);
  if (ec) return std::unexpected(fmt::format("cannot remove {}: {}", chainstate.string(), ec.message()));
  if (auto r = util::rename_file(loading, chainstate); !r)
    return std::unexpected(fmt::format("cannot rename {}: {}", loading.string(), r.error().message()));
  if (auto d = util::sync_directory(chainstate); !d)
    return std::unexpected(fmt::format("cannot sync {}: {}", datadir.string(), d.error().message()));

  json::Value out = json::Value::object();
  out.set("coins_loaded", loaded->header.coins_count);
  out.set("tip_hash", base.to_hex());
  out.set("base_height", static_cast<std::int64_t>(entry->height));
  out.set("path", fs::absolute(file).string());
  out.set("hash_serialized_3", loaded->stats.hash_serialized_3.to_hex());
  out.set("chunk_root", loaded->root.to_hex());
  out.set("seconds", std::chrono::duration<double>(timer.elapsed()).count());
  return out;
}

int run_loadtxoutset_command(const Context& ctx, const ParsedArgs& args) {
  constexpr std::string_view kName = "loadtxoutset";
  auto given_hash = parse_snapshot_hash(args, ctx.network);
  if (!given_hash) return command_misused(ctx, kName, given_hash.error().message);
  auto loaded = load_snapshot_into(ctx.datadir, ctx.params(), args.positional().at(0), *given_hash);
  if (!loaded) return command_failed(ctx, kName, loaded.error());
  ctx.out << loaded->dump_pretty() << "\n";
  return kExitOk;
}

int run_snapshot_info_command(const Context& ctx, const ParsedArgs& args) {
  constexpr std::string_view kName = "snapshot-info";
  const fs::path path = args.positional().at(0);
  std::ifstream in(path, std::ios::binary);
  if (!in) return command_failed(ctx, kName, fmt::format("cannot open {}", path.string()));
  const consensus::ChainParams& params = ctx.params();
  // A file of another network is named as such only when --network was given.
  auto reader = sync::SnapshotReader::open(in, ctx.network_given ? &params.magic : nullptr);
  if (!reader) return command_failed(ctx, kName, fmt::format("{}: {}", path.string(), reader.error()));
  const sync::SnapshotHeader header = (*reader)->header();
  const consensus::AssumeUtxoSnapshot* vouched =
      header.version == sync::kSnapshotVersionLegacy || header.network_magic == params.magic
          ? assumeutxo_for(params, header.base_block) : nullptr;
  if (vouched && !header.base_height) (*reader)->set_base_height(static_cast<std::uint32_t>(vouched->height));
  sync::UtxoStatsAccumulator stats;
  for (;;) {
    auto coin = (*reader)->next();
    if (!coin) return command_failed(ctx, kName, fmt::format("{}: {}", path.string(), coin.error()));
    if (!*coin) break;
    stats.add((*coin)->outpoint, (*coin)->coin);
  }
  auto s = stats.finish();
  if (!s) return command_failed(ctx, kName, fmt::format("{}: {}", path.string(), s.error()));
  const std::vector<Hash256> chunks = (*reader)->chunk_hashes();

  json::Value out = json::Value::object();
  out.set("format_version", static_cast<std::uint64_t>(header.version));
  if (header.version != sync::kSnapshotVersionLegacy) {
    out.set("network", network_json(header.network_magic));
  }
  out.set("base_hash", header.base_block.to_hex());
  const int height = header.base_height ? static_cast<int>(*header.base_height) : vouched ? vouched->height : -1;
  out.set("base_height", height >= 0 ? json::Value(static_cast<std::int64_t>(height)) : json::Value());
  out.set("coins", header.coins_count);
  out.set("transactions", s->transactions);
  out.set("total_amount", *json::Value::number_from_lexeme(sync::format_btc(s->total_amount)));
  out.set("hash_serialized_3", s->hash_serialized_3.to_hex());
  out.set("muhash", s->muhash.to_hex());
  out.set("bytes", (*reader)->bytes_read());
  out.set("chunks", static_cast<std::uint64_t>(chunks.size()));
  out.set("chunk_root", sync::chunk_merkle_root(chunks).to_hex());
  if (args.has("chunk-hashes")) out.set("chunk_hashes", hashes_json(chunks));
  // Core's check before it loads one: the chain parameters name the block and its set's hash.
  if (vouched) {
    out.set("assumeutxo", vouched->hash_serialized == s->hash_serialized_3 ? "matches" : "MISMATCH");
  } else {
    out.set("assumeutxo", json::Value());
  }
  ctx.out << out.dump_pretty() << "\n";
  return vouched && vouched->hash_serialized != s->hash_serialized_3 ? kExitFailure : kExitOk;
}

} // namespace peregrine::node
