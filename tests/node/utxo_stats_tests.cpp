// `peregrine utxo-stats`: the JSON it prints for a datadir built here (the height from the stored
// header tree, or null without one), and clear failures for a missing datadir, a missing
// database and a datadir of another network.
#include <doctest/doctest.h>

#include "temp_dir.hpp"

#include <filesystem>
#include <random>
#include <string>
#include <vector>

#include "../sync/chain_builder.hpp"
#include "node/commands.hpp"
#include "run_cli.hpp"
#include "sync/header_store.hpp"
#include "sync/header_tree.hpp"
#include "sync/utxo_db.hpp"
#include "sync/utxo_stats.hpp"

using namespace peregrine;
using peregrine::test::field;
using peregrine::test::summary;
constexpr auto run = peregrine::test::run_cli;

namespace {

const consensus::ChainParams& regtest() { return consensus::chain_params(consensus::Network::regtest); }

struct TempDir : test::TempDir {
  TempDir() : test::TempDir("peregrine-utxo-cli") {}
  std::string datadir_arg() const { return "--datadir=" + path.string(); }
};

consensus::Coin coin(std::int64_t value, int height) {
  consensus::Coin c;
  c.output.value = value;
  c.output.script_pubkey = {0x00, 0x14};
  c.output.script_pubkey.resize(22, 0xab);
  c.height = height;
  c.coinbase = true;
  return c;
}

// A regtest datadir: five stored headers, and a UTXO set of three coins at the third.
Hash256 build_datadir(const TempDir& dir, bool with_headers) {
  auto chain = test::mine_chain(regtest(), 5);
  if (with_headers) {
    auto store = sync::HeaderStore::open(dir.path / "headers", regtest());
    REQUIRE_MESSAGE(store.has_value(), store.error());
    sync::HeaderTree tree(regtest());
    std::vector<const sync::HeaderEntry*> entries;
    for (const auto& h : chain) {
      auto accepted = tree.accept(h, static_cast<std::int64_t>(h.time) + 3600);
      REQUIRE(accepted.has_value());
      entries.push_back(accepted->entry);
    }
    REQUIRE((*store)->write(entries).has_value());
  }
  const Hash256 best = wire::block_hash(chain[2]);
  auto db = sync::UtxoDb::open(dir.path / "chainstate", regtest());
  REQUIRE_MESSAGE(db.has_value(), db.error());
  std::vector<sync::CoinChange> changes;
  for (std::uint8_t i = 1; i <= 3; ++i) {
    wire::OutPoint o;
    o.txid.bytes[0] = i;
    changes.push_back({o, coin(50'0000'0000 - i, i)});
  }
  REQUIRE((*db)->apply(changes, best).has_value());
  return best;
}

} // namespace

TEST_CASE("utxo-stats: prints Core's fields, the height from the stored headers") {
  TempDir dir;
  const Hash256 best = build_datadir(dir, true);
  test::CliRun r = run({"utxo-stats", "--network=regtest", dir.datadir_arg()});
  REQUIRE_MESSAGE(r.code == node::kExitOk, r.err);
  util::json::Value s = summary(r);
  CHECK(field(s, "height") == "3");
  CHECK(field(s, "bestblock") == best.to_hex());
  CHECK(field(s, "txouts") == "3");
  CHECK(field(s, "transactions") == "3");
  CHECK(field(s, "bogosize") == std::to_string(3 * (50 + 22)));
  CHECK(field(s, "total_amount") == "149.99999994");

  // The digests are the library's (tested against independent figures in tests/sync).
  auto db = sync::UtxoDb::open(dir.path / "chainstate", regtest());
  REQUIRE(db.has_value());
  auto stats = sync::compute_utxo_stats(**db);
  REQUIRE(stats.has_value());
  CHECK(field(s, "hash_serialized_3") == stats->hash_serialized_3.to_hex());
  CHECK(field(s, "muhash") == stats->muhash.to_hex());
  CHECK(s.find("disk_size")->as_uint64().value_or(0) > 0);
}

TEST_CASE("utxo-stats: without a header store the height is null") {
  TempDir dir;
  build_datadir(dir, false);
  test::CliRun r = run({"utxo-stats", "--network=regtest", dir.datadir_arg()});
  REQUIRE_MESSAGE(r.code == node::kExitOk, r.err);
  util::json::Value s = summary(r);
  CHECK(s.find("height")->is_null());
  CHECK(field(s, "txouts") == "3");
  CHECK_FALSE(std::filesystem::exists(dir.path / "headers"));
}

TEST_CASE("utxo-stats: a missing datadir or database is an error, and nothing is created") {
  TempDir dir;
  test::CliRun r = run({"utxo-stats", "--network=regtest", dir.datadir_arg()});
  CHECK(r.code == node::kExitFailure);
  CHECK(r.out.empty());
  CHECK(r.err.find("no datadir") != std::string::npos);

  std::filesystem::create_directories(dir.path);
  r = run({"utxo-stats", "--network=regtest", dir.datadir_arg()});
  CHECK(r.code == node::kExitFailure);
  CHECK(r.err.find("no UTXO database") != std::string::npos);
  CHECK_FALSE(std::filesystem::exists(dir.path / "chainstate"));
}

TEST_CASE("utxo-stats: a datadir of another network is refused with a hint") {
  TempDir dir;
  build_datadir(dir, true);
  test::CliRun r = run({"utxo-stats", dir.datadir_arg()}); // main by default
  CHECK(r.code == node::kExitFailure);
  CHECK(r.err.find("another network") != std::string::npos);
  CHECK(r.err.find("--network=main") != std::string::npos);
}

TEST_CASE("utxo-stats: takes no arguments") {
  TempDir dir;
  CHECK(run({"utxo-stats", dir.datadir_arg(), "extra"}).code == node::kExitUsage);
}
