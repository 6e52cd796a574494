// The write seam (util/file_io) and its fault plan (util/fault_plan): the plan's text form, the
// site a file belongs to, each kind of fault as the seam applies it (nothing written, half written
// then a full disk, half written and looped over, a crash after the real call), and crash-safe file
// replacement failing cleanly at each step with the file named and the old contents kept.
#include <doctest/doctest.h>

#include <fcntl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <csignal>
#include <cstdlib>
#include <string>

#include "temp_dir.hpp"
#include "util/atomic_file.hpp"
#include "util/fault_plan.hpp"
#include "util/file.hpp"
#include "util/file_io.hpp"

using namespace peregrine;
using util::FaultKind;
using util::FaultOp;
using util::FaultPlan;

namespace {

// Installs a plan for one test; none afterwards, whatever happens.
struct PlanScope {
  explicit PlanScope(const std::string& text) {
    auto plan = util::parse_fault_plan(text);
    REQUIRE_MESSAGE(plan.has_value(), plan.error());
    util::set_fault_plan(*plan);
  }
  ~PlanScope() { util::set_fault_plan(std::nullopt); }
  PlanScope(const PlanScope&) = delete;
  PlanScope& operator=(const PlanScope&) = delete;
};

ByteSpan text(const std::string& s) { return {reinterpret_cast<const std::uint8_t*>(s.data()), s.size()}; }

std::string contents(const std::filesystem::path& p) {
  auto read = util::read_text_file(p);
  REQUIRE_MESSAGE(read.has_value(), read.error());
  return *read;
}

struct OpenFile {
  int fd;
  explicit OpenFile(const std::filesystem::path& p) : fd(util::open_for_write(p, O_WRONLY | O_CREAT | O_TRUNC).value()) {}
  ~OpenFile() { ::close(fd); }
  OpenFile(const OpenFile&) = delete;
  OpenFile& operator=(const OpenFile&) = delete;
};

// Runs `body` in a child process; its wait status.
template <class F>
int in_child(F body) {
  const pid_t pid = ::fork();
  REQUIRE(pid >= 0);
  if (pid == 0) {
    body();
    std::_Exit(0);
  }
  int status = 0;
  REQUIRE(::waitpid(pid, &status, 0) == pid);
  return status;
}

} // namespace

TEST_CASE("fault plan: the text form, and every way it can be wrong") {
  auto plan = util::parse_fault_plan("blocks:sync:eio:3");
  REQUIRE_MESSAGE(plan.has_value(), plan.error());
  CHECK(*plan == FaultPlan{"blocks", FaultOp::sync, FaultKind::eio, 3});
  CHECK(util::to_string(*plan) == "blocks:sync:eio:3");
  for (const char* round : {"peers.dat:rename:enospc:1", "chainstate:write:short:12", "undo:write:partial:2",
                            "headers:open:crash:1", "*:write:eio:7"}) {
    auto parsed = util::parse_fault_plan(round);
    REQUIRE_MESSAGE(parsed.has_value(), parsed.error());
    CHECK(util::to_string(*parsed) == round);
  }
  // The site is everything before the last three fields.
  CHECK(util::parse_fault_plan("a:b:write:eio:1").value().site == "a:b");

  struct Bad {
    const char* text;
    const char* says;
  };
  for (const Bad& bad : {Bad{"", "site:op:kind:nth"}, Bad{"blocks:sync:eio", "site:op:kind:nth"},
                         Bad{":sync:eio:1", "site is empty"}, Bad{"blocks:flush:eio:1", "unknown operation \"flush\""},
                         Bad{"blocks:sync:boom:1", "unknown kind \"boom\""},
                         Bad{"blocks:sync:short:1", "write fault"}, Bad{"blocks:rename:partial:1", "write fault"},
                         Bad{"blocks:sync:eio:0", "not a number from 1"}, Bad{"blocks:sync:eio:x", "not a number"},
                         Bad{"blocks:sync:eio:-1", "not a number"}, Bad{"blocks:sync:eio:1x", "not a number"},
                         Bad{"blocks:sync:eio:", "not a number"},
                         Bad{"blocks:sync:eio:99999999999999999999999", "not a number"}}) {
    auto parsed = util::parse_fault_plan(bad.text);
    REQUIRE_FALSE(parsed.has_value());
    CHECK_MESSAGE(parsed.error().find(bad.says) != std::string::npos, bad.text, " -> ", parsed.error());
  }
}

TEST_CASE("fault plan: PEREGRINE_FAULT is read once; unset installs nothing, malformed names the variable") {
  ::unsetenv(util::kFaultVariable);
  REQUIRE(util::load_fault_plan_from_environment().has_value());
  CHECK(util::fault_matches() == 0);
  ::setenv(util::kFaultVariable, "blocks:sync:nope:1", 1);
  auto bad = util::load_fault_plan_from_environment();
  REQUIRE_FALSE(bad.has_value());
  CHECK(bad.error().starts_with("PEREGRINE_FAULT: "));
  CHECK(bad.error().find("nope") != std::string::npos);

  test::TempDir dir("peregrine-fault");
  std::filesystem::create_directories(dir.path);
  ::setenv(util::kFaultVariable, "x.json:open:eio:1", 1);
  REQUIRE(util::load_fault_plan_from_environment().has_value());
  ::unsetenv(util::kFaultVariable);
  auto failed = util::open_for_write(dir.path / "x.json", O_WRONLY | O_CREAT);
  util::set_fault_plan(std::nullopt);
  REQUIRE_FALSE(failed.has_value());
  CHECK(failed.error() == std::errc::io_error);
}

TEST_CASE("fault plan: the site of each file the node writes") {
  CHECK(util::fault_site("/d/blocks/blk00000.dat") == "blocks");
  CHECK(util::fault_site("/d/blocks/blk123456.dat") == "blocks");
  CHECK(util::fault_site("/d/blocks/rev00003.dat") == "undo");
  CHECK(util::fault_site("/d/chainstate/000005.log") == "chainstate");
  CHECK(util::fault_site("/d/chainstate/000012.ldb") == "chainstate");
  CHECK(util::fault_site("/d/chainstate/MANIFEST-000002") == "chainstate");
  CHECK(util::fault_site("/d/chainstate/CURRENT") == "chainstate");
  CHECK(util::fault_site("/d/chainstate/000007.dbtmp") == "chainstate");
  CHECK(util::fault_site("/d/headers/000003.log") == "headers");
  CHECK(util::fault_site("/d/peers.dat") == "peers.dat");
  CHECK(util::fault_site("/d/peers.dat.tmp") == "peers.dat");
  CHECK(util::fault_site("/d/banlist.json.tmp") == "banlist.json");
  CHECK(util::fault_site("/d/debug.log") == "debug.log"); // not a LevelDB name
  CHECK(util::fault_site("/d/blocks/blkXY.dat") == "blkXY.dat");
}

TEST_CASE("fault plan: the Nth matching call fails, and so does every later one; others pass") {
  test::TempDir dir("peregrine-fault");
  std::filesystem::create_directories(dir.path / "blocks");
  const auto blk = dir.path / "blocks" / "blk00000.dat";
  const auto rev = dir.path / "blocks" / "rev00000.dat";
  PlanScope plan("blocks:write:enospc:3");
  OpenFile b(blk);
  OpenFile r(rev);
  CHECK(util::write_all(b.fd, blk, text("one ")).has_value());
  CHECK(util::write_all(r.fd, rev, text("undo")).has_value()); // another site: not counted
  CHECK(util::sync_data(b.fd, blk).has_value());                // another operation: not counted
  CHECK(util::write_all(b.fd, blk, text("two ")).has_value());
  auto third = util::write_all(b.fd, blk, text("three"));
  REQUIRE_FALSE(third.has_value());
  CHECK(third.error() == std::errc::no_space_on_device);
  CHECK(third.error().message() == "No space left on device");
  CHECK_FALSE(util::write_all(b.fd, blk, text("four")).has_value()); // the disk stays full
  CHECK(util::fault_matches() == 4);
  CHECK(util::faults_injected() == 2);
  CHECK(contents(blk) == "one two "); // nothing of the failed writes
}

TEST_CASE("fault plan: each error kind at each operation") {
  test::TempDir dir("peregrine-fault");
  std::filesystem::create_directories(dir.path);
  const auto file = dir.path / "state.json";
  SUBCASE("open") {
    PlanScope plan("state.json:open:enospc:1");
    auto opened = util::open_for_write(file, O_WRONLY | O_CREAT);
    REQUIRE_FALSE(opened.has_value());
    CHECK(opened.error() == std::errc::no_space_on_device);
    CHECK_FALSE(std::filesystem::exists(file)); // failed before the real call
  }
  SUBCASE("write: EIO") {
    PlanScope plan("state.json:write:eio:1");
    OpenFile f(file);
    CHECK(util::write_all(f.fd, file, text("abc")).error() == std::errc::io_error);
    CHECK(contents(file).empty());
  }
  SUBCASE("write: short, then the disk is full") {
    PlanScope plan("state.json:write:short:1");
    OpenFile f(file);
    auto w = util::write_all(f.fd, file, text("0123456789"));
    REQUIRE_FALSE(w.has_value());
    CHECK(w.error() == std::errc::no_space_on_device);
    CHECK(contents(file) == "01234"); // the half that went through
  }
  SUBCASE("write: partial, looped over until every byte is written") {
    PlanScope plan("state.json:write:partial:1");
    OpenFile f(file);
    std::string a = "first buffer|", b = "second|", c = "third";
    iovec parts[3] = {{a.data(), a.size()}, {b.data(), b.size()}, {c.data(), c.size()}};
    REQUIRE(util::write_all(f.fd, file, parts).has_value());
    CHECK(contents(file) == a + b + c);
    CHECK(util::faults_injected() == 1);
  }
  SUBCASE("sync: a failed fsync and fdatasync") {
    PlanScope plan("state.json:sync:eio:1");
    OpenFile f(file);
    CHECK(util::sync_file(f.fd, file).error() == std::errc::io_error);
    CHECK(util::sync_data(f.fd, file).error() == std::errc::io_error);
    CHECK(util::sync_directory(file).error() == std::errc::io_error); // the entry's directory counts as its site
  }
  SUBCASE("rename") {
    PlanScope plan("state.json:rename:eio:1");
    { OpenFile f(dir.path / "state.json.tmp"); }
    CHECK(util::rename_file(dir.path / "state.json.tmp", file).error() == std::errc::io_error);
    CHECK(std::filesystem::exists(dir.path / "state.json.tmp"));
    CHECK_FALSE(std::filesystem::exists(file));
  }
  SUBCASE("no plan: real errors come through as they are") {
    auto opened = util::open_for_write(dir.path / "no" / "such" / "x", O_WRONLY | O_CREAT);
    REQUIRE_FALSE(opened.has_value());
    CHECK(opened.error() == std::errc::no_such_file_or_directory);
    CHECK(util::fault_matches() == 0);
  }
}

TEST_CASE("fault plan: a crash kills the process with SIGKILL right after the real call") {
  test::TempDir dir("peregrine-fault");
  std::filesystem::create_directories(dir.path);
  const auto file = dir.path / "peers.dat";
  const int status = in_child([&] {
    util::set_fault_plan(util::parse_fault_plan("peers.dat:write:crash:2").value());
    OpenFile f(file);
    if (!util::write_all(f.fd, file, text("first ")).has_value()) std::_Exit(3);
    (void)util::write_all(f.fd, file, text("second"));
    std::_Exit(4); // not reached
  });
  REQUIRE(WIFSIGNALED(status));
  CHECK(WTERMSIG(status) == SIGKILL);
  CHECK(contents(file) == "first second"); // the second write was done before the kill

  const int renamed = in_child([&] {
    util::set_fault_plan(util::parse_fault_plan("peers.dat:rename:crash:1").value());
    (void)util::write_file_atomically(file, text("new"));
    std::_Exit(4);
  });
  REQUIRE(WIFSIGNALED(renamed));
  CHECK(WTERMSIG(renamed) == SIGKILL);
  CHECK(contents(file) == "new");
}

TEST_CASE("atomic file: a fault at any step fails cleanly, names the file, keeps the old contents") {
  test::TempDir dir("peregrine-fault");
  std::filesystem::create_directories(dir.path);
  const auto file = dir.path / "banlist.json";
  REQUIRE(util::write_file_atomically(file, text("old")).has_value());
  struct Step {
    const char* plan;
    const char* says;
  };
  for (const Step& step : {Step{"banlist.json:open:enospc:1", "banlist.json.tmp: open: No space left on device"},
                           Step{"banlist.json:write:enospc:1", "banlist.json.tmp: write: No space left on device"},
                           Step{"banlist.json:write:short:1", "banlist.json.tmp: write: No space left on device"},
                           Step{"banlist.json:sync:eio:1", "banlist.json.tmp: fsync: Input/output error"},
                           Step{"banlist.json:rename:eio:1", "banlist.json: rename: Input/output error"}}) {
    CAPTURE(step.plan);
    PlanScope plan(step.plan);
    auto written = util::write_file_atomically(file, text("a much longer new content"));
    REQUIRE_FALSE(written.has_value());
    CHECK_MESSAGE(written.error().find(step.says) != std::string::npos, written.error());
    CHECK(contents(file) == "old");
    CHECK_FALSE(std::filesystem::exists(util::temporary_path(file))); // removed on failure
  }
  {
    // The directory's fsync comes after the rename: the new contents are in place, not yet durable.
    PlanScope plan("banlist.json:sync:eio:2");
    auto written = util::write_file_atomically(file, text("new"));
    REQUIRE_FALSE(written.has_value());
    CHECK(written.error().find("banlist.json: fsync of its directory: Input/output error") != std::string::npos);
  }
  {
    PlanScope plan("banlist.json:write:partial:1");
    REQUIRE(util::write_file_atomically(file, text("written in two parts")).has_value());
    CHECK(contents(file) == "written in two parts");
  }
}
