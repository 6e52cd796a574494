#include <doctest/doctest.h>

#include <string>
#include <vector>

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
