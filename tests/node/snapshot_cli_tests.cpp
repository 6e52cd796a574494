// `peregrine dumptxoutset` and `peregrine snapshot-info`: our dump of the chain Bitcoin Core dumped
// (regtest blocks 0-206) is Core's file byte for byte; the draft's version 3 carries the height;
// snapshot-info prints Core's figures for Core's files; refusals are clear.
#include <doctest/doctest.h>

#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include "../temp_dir.hpp"
#include "../test_data.hpp"
#include "crypto/sha256.hpp"
#include "node/commands.hpp"
#include "run_cli.hpp"
#include "util/file.hpp"

using namespace peregrine;
using peregrine::test::field;
using peregrine::test::summary;
constexpr auto run = peregrine::test::run_cli;

namespace {

const std::string kCoreDump = test::shared_data("snapshots/regtest_206_core31.dat").string();

// A regtest datadir with blocks 0-206 imported.
void import_206(const test::TempDir& dir) {
  auto r = run({"import", "--network=regtest", "--datadir=" + dir.path.string(),
                test::shared_data("chain/regtest_blocks_0_206.blk").string()});
  REQUIRE_MESSAGE(r.code == node::kExitOk, r.err);
}

} // namespace

TEST_CASE("dumptxoutset: the imported chain's set is Bitcoin Core v31's file byte for byte") {
  test::TempDir dir("peregrine-dumptxoutset");
  import_206(dir);
  const auto out = dir.path / "utxo.dat";
  auto r = run({"dumptxoutset", "--network=regtest", "--datadir=" + dir.path.string(), out.string()});
  REQUIRE_MESSAGE(r.code == node::kExitOk, r.err);
  auto doc = summary(r);
  CHECK(field(doc, "coins_written") == "230");
  CHECK(field(doc, "base_height") == "206");
  CHECK(field(doc, "base_hash") == "3de082158b117acd088306c395d09771bb7cbf0b7355796c1b1e0bd748ef9bed");
  CHECK(field(doc, "txoutset_hash") == "6f596a9fb79023e72ac6c2423e9dff4991f49994c0a55d1a2124ce03a98e9d74");
  CHECK(field(doc, "nchaintx") == "232");
  auto ours = util::read_file(out);
  auto core = util::read_file(kCoreDump);
  REQUIRE(ours.has_value());
  REQUIRE(core.has_value());
  CHECK(*ours == *core);
  CHECK(field(doc, "chunk_root") == crypto::sha256d(*core).to_hex());

  // Never over an existing file; the existing file is left as it was.
  auto again = run({"dumptxoutset", "--network=regtest", "--datadir=" + dir.path.string(), out.string()});
  CHECK(again.code == node::kExitFailure);
  CHECK(again.err.find("already exists") != std::string::npos);
  CHECK(util::read_file(out) == core);

  // Version 3 (the P2P draft's header) carries the height, which snapshot-info reads back.
  const auto v3 = dir.path / "utxo3.dat";
  auto r3 = run({"dumptxoutset", "--network=regtest", "--datadir=" + dir.path.string(), "--format-version=3", v3.string()});
  REQUIRE_MESSAGE(r3.code == node::kExitOk, r3.err);
  auto info = run({"snapshot-info", "--network=regtest", v3.string()});
  REQUIRE_MESSAGE(info.code == node::kExitOk, info.err);
  auto idoc = summary(info);
  CHECK(field(idoc, "format_version") == "3");
  CHECK(field(idoc, "base_height") == "206");
  CHECK(field(idoc, "bytes") == std::to_string(core->size() + 4));
  CHECK(field(idoc, "hash_serialized_3") == "6f596a9fb79023e72ac6c2423e9dff4991f49994c0a55d1a2124ce03a98e9d74");
}

TEST_CASE("dumptxoutset: refusals name the problem") {
  test::TempDir dir("peregrine-dumptxoutset-refuse");
  auto none = run({"dumptxoutset", "--network=regtest", "--datadir=" + dir.path.string(), (dir.path / "x.dat").string()});
  CHECK(none.code == node::kExitFailure);
  CHECK(none.err.find("no UTXO database") != std::string::npos);
  auto bad = run({"dumptxoutset", "--network=regtest", "--datadir=" + dir.path.string(), "--format-version=4", "x.dat"});
  CHECK(bad.code == node::kExitUsage);
}

TEST_CASE("snapshot-info: Core's files, with Core's statistics; a damaged one is named") {
  auto r = run({"snapshot-info", kCoreDump});
  REQUIRE_MESSAGE(r.code == node::kExitOk, r.err);
  auto doc = summary(r);
  CHECK(field(doc, "network") == "regtest");
  CHECK(field(doc, "coins") == "230");
  CHECK(field(doc, "hash_serialized_3") == "6f596a9fb79023e72ac6c2423e9dff4991f49994c0a55d1a2124ce03a98e9d74");
  CHECK(field(doc, "chunks") == "1");
  CHECK(field(doc, "base_height") == "null"); // version 2 has none, and regtest's assumeutxo does not name this block

  auto signet = run({"snapshot-info", "--network=signet", test::shared_data("snapshots/signet_100_core28.dat").string()});
  REQUIRE_MESSAGE(signet.code == node::kExitOk, signet.err);
  CHECK(field(summary(signet), "network") == "signet");
  auto wrong = run({"snapshot-info", "--network=signet", kCoreDump});
  CHECK(wrong.code == node::kExitFailure);
  CHECK(wrong.err.find("another network") != std::string::npos);

  test::TempDir dir("peregrine-snapshot-info");
  auto core = util::read_file(kCoreDump);
  REQUIRE(core.has_value());
  Bytes cut(core->begin(), core->end() - 10);
  std::filesystem::create_directories(dir.path);
  const auto path = dir.path / "cut.dat";
  std::ofstream(path, std::ios::binary).write(reinterpret_cast<const char*>(cut.data()), static_cast<std::streamsize>(cut.size()));
  auto damaged = run({"snapshot-info", path.string()});
  CHECK(damaged.code == node::kExitFailure);
  CHECK_MESSAGE(damaged.err.find("bad snapshot at byte 13350 (coin 230 of 230): truncated: coin.script") != std::string::npos,
                damaged.err);
}

TEST_CASE("loadtxoutset: Bitcoin Core's file gives the UTXO statistics of importing the same blocks") {
  test::TempDir imported("peregrine-loadtxoutset-import");
  import_206(imported);
  test::TempDir loaded("peregrine-loadtxoutset");
  std::filesystem::create_directories(loaded.path);
  std::filesystem::copy(imported.path / "headers", loaded.path / "headers"); // the headers, no block
  const std::string datadir = "--datadir=" + loaded.path.string();
  const std::string core_hash = "6f596a9fb79023e72ac6c2423e9dff4991f49994c0a55d1a2124ce03a98e9d74";

  // Regtest's assumeutxo entries are Core's test chain's: this block needs the hash given.
  auto refused = run({"loadtxoutset", "--network=regtest", datadir, kCoreDump});
  CHECK(refused.code == node::kExitFailure);
  CHECK(refused.err.find("--snapshot-hash=HEX") != std::string::npos);
  auto wrong = run({"loadtxoutset", "--network=regtest", datadir, "--snapshot-hash=" + std::string(64, '1'), kCoreDump});
  CHECK(wrong.code == node::kExitFailure);
  CHECK(wrong.err.find("refused") != std::string::npos);
  CHECK_FALSE(std::filesystem::exists(loaded.path / "chainstate.snapshot"));

  auto r = run({"loadtxoutset", "--network=regtest", datadir, "--snapshot-hash=" + core_hash, kCoreDump});
  REQUIRE_MESSAGE(r.code == node::kExitOk, r.err);
  auto doc = summary(r);
  CHECK(field(doc, "coins_loaded") == "230");
  CHECK(field(doc, "base_height") == "206");

  auto stats = [](const test::TempDir& dir) {
    auto s = run({"utxo-stats", "--network=regtest", "--datadir=" + dir.path.string()});
    REQUIRE_MESSAGE(s.code == node::kExitOk, s.err);
    auto d = summary(s);
    d.set("disk_size", util::json::Value());
    return d.dump();
  };
  CHECK(stats(loaded) == stats(imported));

  // Into a chainstate that holds a set already: refused, and it stays as it was.
  auto again = run({"loadtxoutset", "--network=regtest", datadir, "--snapshot-hash=" + core_hash, kCoreDump});
  CHECK(again.code == node::kExitFailure);
  CHECK(again.err.find("already at height 206") != std::string::npos);
  auto on_main = run({"loadtxoutset", "--network=main", datadir, "--snapshot-hash=" + core_hash, kCoreDump});
  CHECK(on_main.code == node::kExitUsage);
}
