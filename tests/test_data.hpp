#pragma once
// Where tests find real chain data (../shared/data) and the project's own fixtures (tests/data).
#include <filesystem>

namespace peregrine::test {

inline std::filesystem::path shared_data(const char* relative) {
  return std::filesystem::path(PEREGRINE_SHARED_DATA_DIR) / relative;
}

inline std::filesystem::path test_data(const char* relative) {
  return std::filesystem::path(PEREGRINE_TEST_DATA_DIR) / relative;
}

} // namespace peregrine::test
