// `peregrine bench import` on the regtest chain file: it imports the whole file, prints its figures
// with the ratio against the read+decode floor measured in the same run, agrees with `import` on
// what it connected, leaves no datadir behind, and fails on a file with an invalid block.
#include <doctest/doctest.h>

#include <fstream>
#include <sstream>

#include "consensus/chainparams.hpp"
#include "run_cli.hpp"
#include "temp_dir.hpp"
#include "test_data.hpp"
#include "wire/blk_file.hpp"
#include "wire/block.hpp"
#include "wire/codec.hpp"

using namespace peregrine;
using peregrine::test::field;
using peregrine::test::summary;
constexpr auto run = peregrine::test::run_cli;

namespace {

const std::string kRegtestBlocks = test::shared_data("chain/regtest_blocks_0_206.blk").string();

// The rest of the first output line starting with prefix (the test fails if there is none).
std::string line_after(const std::string& out, std::string_view prefix) {
  std::istringstream lines(out);
  for (std::string line; std::getline(lines, line);)
    if (line.starts_with(prefix)) return line.substr(prefix.size());
  FAIL("no line starting with '", prefix, "' in:\n", out);
  return {};
}

bool is_empty_dir(const std::filesystem::path& dir) {
  return std::filesystem::is_directory(dir) && std::filesystem::is_empty(dir);
}

} // namespace

TEST_CASE("bench import: the regtest file imports whole; blocks, height and a positive ratio are printed") {
  test::TempDir scratch("peregrine-bench-import");
  auto r = run({"bench", "import", "--network=regtest", "--seconds=1", "--runs=2",
                "--datadir=" + scratch.path.string(), kRegtestBlocks});
  REQUIRE_MESSAGE(r.code == 0, r.out, r.err);
  int blocks = -1, height = -1;
  std::string connected;
  std::istringstream(line_after(r.out, "blocks")) >> blocks >> connected;
  CHECK(blocks == 206);
  CHECK(connected == "connected,");
  std::istringstream(line_after(r.out, "blocks          206 connected, height")) >> height;
  CHECK(height == 206);
  double ratio = 0;
  std::istringstream(line_after(r.out, "ratio import/read+decode floor:")) >> ratio;
  CHECK(ratio > 0);
  CHECK(line_after(r.out, "datadir after import:").find("chainstate") != std::string::npos);
  // Both runs removed their datadirs.
  CHECK(is_empty_dir(scratch.path));
}

TEST_CASE("bench import: --json figures match what `import` connects from the same file") {
  test::TempDir datadir("peregrine-bench-import-reference");
  auto imported = run({"import", "--network=regtest", "--datadir=" + datadir.path.string(),
                       "--assumevalid=0", kRegtestBlocks});
  REQUIRE_MESSAGE(imported.code == 0, imported.err);
  auto reference = summary(imported);

  auto r = run({"bench", "import", "--network=regtest", "--seconds=1", "--runs=1", "--json", kRegtestBlocks});
  REQUIRE_MESSAGE(r.code == 0, r.out, r.err);
  auto doc = summary(r);
  CHECK(field(doc, "blocks") == field(reference, "blocks_connected"));
  CHECK(field(doc, "inputs") == field(reference, "inputs"));
  CHECK(field(doc, "height") == field(reference, "height"));
  CHECK(field(doc, "file_blocks") == "207");
  CHECK(field(doc, "scripts_skipped_blocks") == "0");
  CHECK(std::stod(field(doc, "ratio_import_to_decode_floor")) > 0);
  CHECK(std::stoull(field(doc, "datadir_chainstate_bytes")) > 0);
}

TEST_CASE("bench import: an invalid block fails the bench with its height and reason") {
  const auto& params = consensus::chain_params(consensus::Network::regtest);
  Bytes file = test::load_shared("chain/regtest_blocks_0_206.blk");
  // Block 150's coinbase claims one satoshi more: its merkle root no longer matches.
  Bytes changed;
  wire::Reader reader(file);
  for (int height = 0; !reader.at_end(); ++height) {
    auto record = wire::read_blk_record(reader, params.magic);
    REQUIRE(record.has_value());
    auto block = wire::from_bytes<wire::Block>(record->block).value();
    if (height == 150) block.txs[0].outputs[0].value += 1;
    Bytes raw = wire::to_bytes(block);
    changed.insert(changed.end(), params.magic.begin(), params.magic.end());
    for (int i = 0; i < 4; ++i) changed.push_back(static_cast<std::uint8_t>(raw.size() >> (8 * i)));
    changed.insert(changed.end(), raw.begin(), raw.end());
  }
  test::TempDir dir("peregrine-bench-import-invalid");
  std::filesystem::create_directories(dir.path);
  const auto path = dir.path / "changed.blk";
  std::ofstream(path, std::ios::binary)
      .write(reinterpret_cast<const char*>(changed.data()), static_cast<std::streamsize>(changed.size()));

  auto r = run({"bench", "import", "--network=regtest", "--seconds=1", "--runs=1",
                "--datadir=" + (dir.path / "scratch").string(), path.string()});
  CHECK(r.code == 1);
  CHECK_MESSAGE(r.err.find("block 150") != std::string::npos, r.err);
  CHECK_MESSAGE(r.err.find("bad-txnmrklroot") != std::string::npos, r.err);
  CHECK(is_empty_dir(dir.path / "scratch"));
}

TEST_CASE("bench import: a FILE needs --network; a file of another network is refused") {
  auto r = run({"bench", "import", kRegtestBlocks});
  CHECK(r.code == 2);
  CHECK(r.err.find("--network") != std::string::npos);
  auto wrong = run({"bench", "import", "--network=main", "--seconds=1", kRegtestBlocks});
  CHECK(wrong.code == 1);
  CHECK(wrong.err.find("--network=main") != std::string::npos);
}
