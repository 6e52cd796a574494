#pragma once
// Where tests find real chain data (../shared/data) and the project's own fixtures (tests/data),
// and loaders that fail the test with the reason when a file is missing.
#include <doctest/doctest.h>

#include <filesystem>

#include "util/file.hpp"
#include "util/json.hpp"

namespace peregrine::test {

inline std::filesystem::path shared_data(const char* relative) {
  return std::filesystem::path(PEREGRINE_SHARED_DATA_DIR) / relative;
}

inline std::filesystem::path test_data(const char* relative) {
  return std::filesystem::path(PEREGRINE_TEST_DATA_DIR) / relative;
}

inline Bytes load_shared(const char* relative) {
  auto bytes = util::read_file(shared_data(relative));
  REQUIRE_MESSAGE(bytes.has_value(), bytes.error());
  return std::move(*bytes);
}

inline util::json::Value load_shared_json(const char* relative) {
  auto text = util::read_text_file(shared_data(relative));
  REQUIRE_MESSAGE(text.has_value(), text.error());
  auto doc = util::json::parse(*text);
  REQUIRE_MESSAGE(doc.has_value(), relative, ": ", doc.error().message);
  return std::move(*doc);
}

} // namespace peregrine::test
