#include <doctest/doctest.h>

#include <fstream>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "read_text.hpp"
#include "temp_dir.hpp"
#include "util/log.hpp"

using namespace peregrine::util;

TEST_CASE("the logger formats lines, filters by level and hands them to its sink") {
  std::vector<std::string> lines;
  Logger log([&](LogLevel level, std::string_view category, std::string_view message) {
    lines.push_back(fmt::format("{} {} {}", to_string(level), category, message));
  });
  log.debug("peer", "hidden {}", 1);
  log.info("peer", "connected to {}:{}", "127.0.0.1", 18444);
  log.warn("ban", "banned {} for {} s", "10.0.0.1", 86400);
  log.set_level(LogLevel::debug);
  log.debug("peer", "now shown");
  CHECK(lines == std::vector<std::string>{"info peer connected to 127.0.0.1:18444",
                                          "warn ban banned 10.0.0.1 for 86400 s",
                                          "debug peer now shown"});
  CHECK_FALSE(Logger(Logger::null_sink(), LogLevel::error).enabled(LogLevel::warn));
}

TEST_CASE("debug lines can be switched on per category, and copies share the choice") {
  std::vector<std::string> lines;
  Logger log([&](LogLevel, std::string_view category, std::string_view message) {
    lines.push_back(fmt::format("{} {}", category, message));
  });
  Logger copy = log;
  log.debug("rpc", "hidden");
  copy.set_debug("rpc", true);
  CHECK(log.debug_enabled("rpc"));
  CHECK_FALSE(log.debug_enabled("peer"));
  log.debug("rpc", "shown");
  log.debug("peer", "still hidden");
  log.set_debug("rpc", false);
  copy.debug("rpc", "hidden again");
  CHECK(lines == std::vector<std::string>{"rpc shown"});
}

using peregrine::test::read_text;

TEST_CASE("debug.log: lines are appended, and after a rename and reopen the next lines start a new file") {
  peregrine::test::TempDir dir;
  std::filesystem::create_directories(dir.path);
  const auto path = dir.path / "debug.log";
  {
    std::ofstream(path) << "kept from an earlier run\n";
  }
  auto file = LogFile::open(path);
  REQUIRE(file.has_value());
  Logger log(Logger::stderr_and_file_sink(*file));
  log.info("sync", "before rotation {}", 1);
  // What logrotate does: rename, then SIGHUP, on which the node calls reopen().
  std::filesystem::rename(path, dir.path / "debug.log.1");
  log.info("sync", "between rename and reopen");
  REQUIRE((*file)->reopen().has_value());
  log.info("sync", "after rotation {}", 2);

  const std::string old_text = read_text(dir.path / "debug.log.1");
  const std::string new_text = read_text(path);
  CHECK(old_text.starts_with("kept from an earlier run\n"));
  CHECK(old_text.find("info  [sync] before rotation 1\n") != std::string::npos);
  CHECK(old_text.find("between rename and reopen") != std::string::npos);
  CHECK(old_text.find("after rotation") == std::string::npos);
  CHECK(new_text.find("info  [sync] after rotation 2\n") != std::string::npos);
  CHECK(new_text.find("before rotation") == std::string::npos);
}

TEST_CASE("debug.log: lines from several threads never interleave") {
  peregrine::test::TempDir dir;
  std::filesystem::create_directories(dir.path);
  auto file = LogFile::open(dir.path / "debug.log");
  REQUIRE(file.has_value());
  const std::string body(300, 'x');
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t)
    threads.emplace_back([&, t] {
      for (int i = 0; i < 200; ++i) (*file)->write(fmt::format("{} {}\n", t, body));
    });
  for (auto& t : threads) t.join();
  std::istringstream lines(read_text(dir.path / "debug.log"));
  int count = 0;
  for (std::string line; std::getline(lines, line); ++count) REQUIRE(line.size() == body.size() + 2);
  CHECK(count == 800);
}

TEST_CASE("debug.log: a file that cannot be opened is an error naming it") {
  auto file = LogFile::open("/nonexistent-dir/debug.log");
  REQUIRE_FALSE(file.has_value());
  CHECK(file.error().find("/nonexistent-dir/debug.log") != std::string::npos);
}
