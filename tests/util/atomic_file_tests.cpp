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
  CHECK_FALSE(std::filesystem::exists(dir.path / "bans.json.tmp"));
}

TEST_CASE("a write that died halfway leaves the previous file intact and is overwritten next time") {
  TempDir dir;
  auto file = dir.path / "peers.dat";
  REQUIRE(util::write_file_atomically(file, text("good state")).has_value());
  {
    std::ofstream partial(dir.path / "peers.dat.tmp"); // what a crash mid-write leaves
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
