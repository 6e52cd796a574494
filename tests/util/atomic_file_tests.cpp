#include <doctest/doctest.h>

#include <filesystem>
#include <fstream>
#include <string>

#include "util/atomic_file.hpp"
#include "util/file.hpp"

using namespace peregrine;

namespace {

ByteSpan text(const std::string& s) {
  return ByteSpan(reinterpret_cast<const std::uint8_t*>(s.data()), s.size());
}

std::string contents(const std::filesystem::path& p) { return *util::read_text_file(p); }

struct TempDir {
  std::filesystem::path path = std::filesystem::temp_directory_path() / "peregrine_atomic_test";
  TempDir() {
    std::filesystem::remove_all(path);
    std::filesystem::create_directories(path);
  }
  ~TempDir() { std::filesystem::remove_all(path); }
};

} // namespace

TEST_CASE("write_file_atomically creates and replaces a file, leaving no temporary behind") {
  TempDir dir;
  auto file = dir.path / "bans.json";
  REQUIRE(util::write_file_atomically(file, text("first")).has_value());
  CHECK(contents(file) == "first");
  REQUIRE(util::write_file_atomically(file, text("second, longer")).has_value());
  CHECK(contents(file) == "second, longer");
  CHECK_FALSE(std::filesystem::exists(util::temporary_path(file)));
}

TEST_CASE("a write that died halfway leaves the previous file intact and is overwritten next time") {
  TempDir dir;
  auto file = dir.path / "peers.dat";
  REQUIRE(util::write_file_atomically(file, text("good state")).has_value());
  {
    std::ofstream partial(util::temporary_path(file)); // what a crash mid-write leaves
    partial << "half a fi";
  }
  CHECK(contents(file) == "good state");
  REQUIRE(util::write_file_atomically(file, text("new state")).has_value());
  CHECK(contents(file) == "new state");
}

TEST_CASE("failures name the path and the step") {
  TempDir dir;
  auto missing_dir = dir.path / "no" / "such" / "dir" / "f";
  auto result = util::write_file_atomically(missing_dir, text("x"));
  REQUIRE_FALSE(result.has_value());
  CHECK(result.error().find("f.tmp: open:") != std::string::npos);
}

TEST_CASE("move_aside renames a damaged file and replaces an earlier one") {
  TempDir dir;
  auto file = dir.path / "peers.dat";
  REQUIRE(util::write_file_atomically(file, text("broken")).has_value());
  REQUIRE(util::write_file_atomically(dir.path / "peers.dat.bad", text("older")).has_value());
  auto aside = util::move_aside(file, ".bad");
  REQUIRE(aside.has_value());
  CHECK(*aside == dir.path / "peers.dat.bad");
  CHECK(contents(*aside) == "broken");
  CHECK_FALSE(std::filesystem::exists(file));
  CHECK_FALSE(util::move_aside(file, ".bad").has_value()); // nothing left to move
}
