#pragma once
// A fresh directory under the system's temporary folder, removed with everything in it when the
// test ends.
#include <filesystem>
#include <random>
#include <string>
#include <string_view>

namespace peregrine::test {

struct TempDir {
  explicit TempDir(std::string_view prefix = "peregrine-test")
      : path(std::filesystem::temp_directory_path() /
             (std::string(prefix) + "-" + std::to_string(std::random_device{}()))) {}
  ~TempDir() { std::filesystem::remove_all(path); }
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;
  std::filesystem::path path;
};

} // namespace peregrine::test
