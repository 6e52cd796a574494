// `peregrine sync` without a network: its option errors, the datadir lock, and its summary when a
// stop rule already holds (a datadir filled by `import`, which sync must resume from). Syncing from
// real peers is tested against bcoin (tests/integration) and BlockSync's own tests.
#include <doctest/doctest.h>

#include <fstream>
#include <sstream>

#include "run_cli.hpp"
#include "read_text.hpp"
#include "temp_dir.hpp"
#include "test_data.hpp"
#include "util/datadir_lock.hpp"

using namespace peregrine;
using peregrine::test::field;
using peregrine::test::summary;
constexpr auto run = peregrine::test::run_cli;

namespace {

// A closed port: the peer manager keeps retrying it, which is harmless here.
std::vector<std::string> sync_args(const test::TempDir& dir, std::vector<std::string> more) {
  std::vector<std::string> args{"sync", "--network=regtest", "--datadir=" + dir.path.string(),
                                "--connect=127.0.0.1:1", "--progress=0"};
  args.insert(args.end(), more.begin(), more.end());
  return args;
}

} // namespace

TEST_CASE("sync: option errors are named before anything is touched") {
  test::TempDir dir;
  struct Case {
    std::vector<std::string> args;
    std::string message;
  };
  const Case cases[] = {
      {{"--rpcuser=u", "--rpcpassword=p"}, "--rpcuser and --rpcpassword need --rpcport"},
      {{"--rpcport=18443", "--rpcuser=u"}, "give both --rpcuser and --rpcpassword"},
      {{"--rpcport=0"}, "--rpcport"},
      {{"--prune=100"}, "below the minimum of 550 MiB"},
      {{"--stop-at-height=x"}, "--stop-at-height"},
      {{"--connect=127.0.0.1:99999"}, "--connect"},
      {{"--progress=0.2"}, "--progress"},
      {{"--maxuploadtarget=1G"}, "--maxuploadtarget"},
      {{"--maxtipage=0"}, "--maxtipage"},
  };
  for (const auto& c : cases) {
    auto r = run(sync_args(dir, c.args));
    CAPTURE(c.message);
    CHECK(r.code == 2); // the command line is wrong
    CHECK(r.err.find(c.message) != std::string::npos);
  }
  CHECK_FALSE(std::filesystem::exists(dir.path));
}

TEST_CASE("sync: a datadir in use by another process is refused") {
  test::TempDir dir;
  std::filesystem::create_directories(dir.path);
  auto lock = util::DatadirLock::acquire(dir.path);
  REQUIRE(lock);
  auto r = run(sync_args(dir, {"--stop-at-height=0"}));
  CHECK(r.code == 1);
  CHECK(r.err.find("in use by another peregrine process") != std::string::npos);
  CHECK_FALSE(std::filesystem::exists(dir.path / "chainstate"));
}

TEST_CASE("sync: resumes a datadir's chain, and --stop-at-height stops at once when it is reached") {
  test::TempDir dir;
  const std::string blocks = test::shared_data("chain/regtest_blocks_0_206.blk").string();
  auto imported = run({"import", "--network=regtest", "--datadir=" + dir.path.string(), "--assumevalid=0", blocks});
  REQUIRE_MESSAGE(imported.code == 0, imported.err);

  auto r = run(sync_args(dir, {"--stop-at-height=100", "--trace=" + (dir.path / "trace.csv").string()}));
  REQUIRE_MESSAGE(r.code == 0, r.err);
  auto s = summary(r);
  CHECK(field(s, "start_height") == "206");
  CHECK(field(s, "height") == "206");
  CHECK(field(s, "headers") == "206");
  CHECK(field(s, "blocks_connected") == "0");
  CHECK(field(s, "interrupted") == "false");
  CHECK(field(s, "invalid") == "[]");
  // The chain's transaction count is only known for databases written with it: import wrote it.
  CHECK(field(s, "chain_transactions") != "0");
  const util::json::Value* profile = s.find("profile");
  REQUIRE(profile);
  CHECK(profile->find("bottleneck"));
  CHECK(r.err.find("IBD bottleneck report") != std::string::npos);
  CHECK(std::filesystem::exists(dir.path / "trace.csv"));
}

using peregrine::test::read_text;

TEST_CASE("sync --connect still loads and saves peers.dat (as Core), and logs to DATADIR/debug.log unless told not to") {
  test::TempDir dir;
  const std::string blocks = test::shared_data("chain/regtest_blocks_0_206.blk").string();
  auto imported = run({"import", "--network=regtest", "--datadir=" + dir.path.string(), "--assumevalid=0", blocks});
  REQUIRE_MESSAGE(imported.code == 0, imported.err);
  REQUIRE_FALSE(std::filesystem::exists(dir.path / "peers.dat"));

  auto first = run(sync_args(dir, {"--stop-at-height=100"}));
  REQUIRE_MESSAGE(first.code == 0, first.err);
  CHECK(std::filesystem::exists(dir.path / "peers.dat"));
  CHECK(read_text(dir.path / "debug.log").find("[sync] reached height 206") != std::string::npos);
  CHECK(read_text(dir.path / "debug.log").find("addresses from peers.dat") == std::string::npos);

  auto second = run(sync_args(dir, {"--stop-at-height=100"}));
  REQUIRE_MESSAGE(second.code == 0, second.err);
  CHECK(read_text(dir.path / "debug.log").find("[addrbook] 0 addresses from peers.dat") != std::string::npos);

  std::filesystem::remove(dir.path / "debug.log");
  auto quiet = run(sync_args(dir, {"--stop-at-height=100", "--debuglogfile=0"}));
  REQUIRE_MESSAGE(quiet.code == 0, quiet.err);
  CHECK_FALSE(std::filesystem::exists(dir.path / "debug.log"));
}
