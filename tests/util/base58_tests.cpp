#include <doctest/doctest.h>

#include "test_data.hpp"
#include "util/base58.hpp"
#include "util/hex.hpp"

using namespace peregrine;

TEST_CASE("base58 encodes Bitcoin Core's base58_encode_decode vectors") {
  util::json::Value doc = test::load_shared_json("core-vectors/base58_encode_decode.json");
  REQUIRE(doc.as_array() != nullptr);
  REQUIRE(doc.as_array()->size() >= 10);
  for (const auto& vec : *doc.as_array()) {
    const auto& pair = *vec.as_array();
    auto bytes = util::from_hex(*pair[0].as_string());
    REQUIRE(bytes.has_value());
    CAPTURE(*pair[0].as_string());
    CHECK(util::base58_encode(*bytes) == *pair[1].as_string());
  }
}

TEST_CASE("base58 keeps each leading zero byte as a '1'") {
  CHECK(util::base58_encode(Bytes{0, 0, 1}) == "112");
  CHECK(util::base58_encode(Bytes{}) == "");
  CHECK(util::base58_encode(Bytes{57}) == "z");
  CHECK(util::base58_encode(Bytes{58}) == "21");
}
