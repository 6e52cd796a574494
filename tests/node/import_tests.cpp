// `peregrine import`: what it reports for an invalid block in a file, a datadir whose UTXO
// database names a block its headers do not know (reported, not repaired), and --reindex, which
// rebuilds headers and UTXO set from the datadir's own block files to the same statistics.
#include <doctest/doctest.h>

#include <fstream>

#include "node/commands.hpp"
#include "run_cli.hpp"
#include "sync/utxo_db.hpp"
#include "temp_dir.hpp"
#include "test_data.hpp"
#include "util/datadir_lock.hpp"
#include "wire/blk_file.hpp"
#include "wire/codec.hpp"

using namespace peregrine;
using peregrine::test::field;
using peregrine::test::summary;
constexpr auto run = peregrine::test::run_cli;

namespace {

const std::string kRegtestBlocks = test::shared_data("chain/regtest_blocks_0_206.blk").string();

std::vector<std::string> import_args(const test::TempDir& dir, std::vector<std::string> more) {
  std::vector<std::string> args{"import", "--network=regtest", "--datadir=" + dir.path.string(), "--assumevalid=0"};
  args.insert(args.end(), more.begin(), more.end());
  return args;
}

// The statistics without disk_size (LevelDB's files differ by a byte or so between runs).
std::string stats_of(const test::TempDir& dir) {
  auto r = run({"utxo-stats", "--network=regtest", "--datadir=" + dir.path.string()});
  REQUIRE_MESSAGE(r.code == 0, r.err);
  auto doc = summary(r);
  doc.set("disk_size", util::json::Value());
  return doc.dump();
}

} // namespace

TEST_CASE("import: an invalid block in a file is named with its height and rule; the chain stops before it") {
  const auto& params = consensus::chain_params(consensus::Network::regtest);
  Bytes file = test::load_shared("chain/regtest_blocks_0_206.blk");
  // Re-frame the file with block 100's coinbase claiming one satoshi more (its merkle root no longer matches).
  Bytes changed;
  wire::Reader r(file);
  int height = 0;
  while (!r.at_end()) {
    auto record = wire::read_blk_record(r, params.magic);
    REQUIRE(record.has_value());
    auto block = wire::from_bytes<wire::Block>(record->block).value();
    if (height == 100) block.txs[0].outputs[0].value += 1;
    Bytes raw = wire::to_bytes(block);
    changed.insert(changed.end(), params.magic.begin(), params.magic.end());
    for (int i = 0; i < 4; ++i) changed.push_back(static_cast<std::uint8_t>(raw.size() >> (8 * i)));
    changed.insert(changed.end(), raw.begin(), raw.end());
    ++height;
  }
  test::TempDir dir("peregrine-import-invalid");
  const auto path = dir.path / "changed.blk";
  std::filesystem::create_directories(dir.path);
  std::ofstream(path, std::ios::binary).write(reinterpret_cast<const char*>(changed.data()),
                                               static_cast<std::streamsize>(changed.size()));
  test::TempDir datadir("peregrine-import-invalid-datadir");
  auto result = run(import_args(datadir, {path.string()}));
  CHECK(result.code == 1);
  auto s = summary(result);
  CHECK(field(s, "height") == "99");
  const auto* invalid = s.find("invalid");
  REQUIRE(invalid != nullptr);
  // The block itself; its descendants are invalid with it (refused, or invalidated in the header
  // tree, depending on whether the reader reached them before the chain's verdict), never waiting
  // for a parent.
  REQUIRE(invalid->as_array()->size() == 1);
  CHECK(field(invalid->as_array()->at(0), "height") == "100");
  CHECK(field(invalid->as_array()->at(0), "reason") == "bad-txnmrklroot");
  CHECK(field(s, "blocks_waiting_for_parent") == "0");
}

TEST_CASE("import: a UTXO database naming an unknown block is reported at start, and --reindex rebuilds it") {
  test::TempDir datadir("peregrine-import-reindex");
  REQUIRE(run(import_args(datadir, {kRegtestBlocks})).code == 0);
  const std::string before = stats_of(datadir);
  CHECK(before.find("\"height\":206") != std::string::npos);
  {
    // As if the database came from elsewhere: it now names a block these headers never had.
    auto utxo = sync::UtxoDb::open(datadir.path / "chainstate", consensus::chain_params(consensus::Network::regtest));
    REQUIRE(utxo.has_value());
    Hash256 unknown;
    unknown.bytes[0] = 0x42;
    REQUIRE((*utxo)->apply({}, unknown).has_value());
  }
  auto broken = run(import_args(datadir, {kRegtestBlocks}));
  CHECK(broken.code == 1);
  CHECK(broken.err.find("does not know") != std::string::npos);
  CHECK(broken.err.find("rebuild") != std::string::npos);

  auto rebuilt = run(import_args(datadir, {"--reindex"}));
  REQUIRE_MESSAGE(rebuilt.code == 0, rebuilt.err);
  CHECK(field(summary(rebuilt), "blocks_read") == "207");
  CHECK(stats_of(datadir) == before);
  CHECK_FALSE(std::filesystem::exists(datadir.path / "blocks.reindex"));
  // The rebuilt datadir imports again as a no-op.
  auto again = run(import_args(datadir, {kRegtestBlocks}));
  CHECK(again.code == 0);
  CHECK(field(summary(again), "blocks_connected") == "0");
}

TEST_CASE("import: without files or --reindex it is a usage error") {
  test::TempDir datadir("peregrine-import-none");
  auto r = run({"import", "--network=regtest", "--datadir=" + datadir.path.string()});
  CHECK(r.code != 0);
  CHECK(r.err.find("--reindex") != std::string::npos);
}

TEST_CASE("import: --prune has Core's 550 MiB floor, and a pruned datadir refuses --reindex") {
  test::TempDir datadir("peregrine-import-prune");
  auto low = run(import_args(datadir, {"--prune=549", kRegtestBlocks}));
  CHECK(low.code != 0);
  CHECK(low.err.find("550") != std::string::npos);

  auto ok = run(import_args(datadir, {"--prune=550", kRegtestBlocks}));
  REQUIRE_MESSAGE(ok.code == 0, ok.err);
  CHECK(field(summary(ok), "files_pruned") == "0"); // 206 small blocks are far below the target
  const std::string before = stats_of(datadir);

  // As pruning leaves it: the oldest file gone. Nothing is touched by the refused reindex.
  std::filesystem::copy_file(datadir.path / "blocks" / "blk00000.dat", datadir.path / "blk00000.keep");
  std::filesystem::remove(datadir.path / "blocks" / "blk00000.dat");
  std::ofstream(datadir.path / "blocks" / "blk00001.dat") << "x";
  auto reindex = run(import_args(datadir, {"--reindex"}));
  CHECK(reindex.code != 0);
  CHECK(reindex.err.find("pruned") != std::string::npos);
  CHECK(stats_of(datadir) == before);
}

TEST_CASE("import: a datadir in use by another process is refused before anything is touched") {
  test::TempDir datadir("peregrine-import-locked");
  auto held = util::DatadirLock::acquire(datadir.path);
  REQUIRE(held.has_value());
  auto r = run(import_args(datadir, {kRegtestBlocks}));
  CHECK(r.code != 0);
  CHECK(r.err.find("in use by another peregrine process") != std::string::npos);
  CHECK_FALSE(std::filesystem::exists(datadir.path / "chainstate"));
}
