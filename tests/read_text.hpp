#pragma once
// A whole file as text, for tests that check what the code under test wrote (empty if missing).
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>

namespace peregrine::test {

inline std::string read_text(const std::filesystem::path& path) {
  std::ifstream in(path);
  std::ostringstream text;
  text << in.rdbuf();
  return text.str();
}

} // namespace peregrine::test
