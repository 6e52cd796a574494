#include <doctest/doctest.h>

#include "util/bech32.hpp"
#include "util/hex.hpp"

using namespace peregrine;

namespace {

Bytes hex(const char* s) { return *util::from_hex(s); }

} // namespace

// BIP173 and BIP350's valid segwit addresses (lowercased: encoding always writes lowercase).
TEST_CASE("segwit addresses match the BIP173/BIP350 vectors") {
  struct Case {
    const char* hrp;
    int version;
    const char* program;
    const char* address;
  };
  const Case cases[] = {
      {"bc", 0, "751e76e8199196d454941c45d1b3a323f1433bd6",
       "bc1qw508d6qejxtdg4y5r3zarvary0c5xw7kv8f3t4"},
      {"tb", 0, "1863143c14c5166804bd19203356da136c985678cd4d27a1b8c6329604903262",
       "tb1qrp33g0q5c5txsp9arysrx4k6zdkfs4nce4xj0gdcccefvpysxf3q0sl5k7"},
      {"bc", 1,
       "751e76e8199196d454941c45d1b3a323f1433bd6751e76e8199196d454941c45d1b3a323f1433bd6",
       "bc1pw508d6qejxtdg4y5r3zarvary0c5xw7kw508d6qejxtdg4y5r3zarvary0c5xw7kt5nd6y"},
      {"bc", 16, "751e", "bc1sw50qgdz25j"},
      {"bc", 2, "751e76e8199196d454941c45d1b3a323", "bc1zw508d6qejxtdg4y5r3zarvaryvaxxpcs"},
      {"tb", 0, "000000c4a5cad46221b2a187905e5266362b99d5e91c6ce24d165dab93e86433",
       "tb1qqqqqp399et2xygdj5xreqhjjvcmzhxw4aywxecjdzew6hylgvsesrxh6hy"},
      {"tb", 1, "000000c4a5cad46221b2a187905e5266362b99d5e91c6ce24d165dab93e86433",
       "tb1pqqqqp399et2xygdj5xreqhjjvcmzhxw4aywxecjdzew6hylgvsesf3hn0c"},
      {"bc", 1, "79be667ef9dcbbac55a06295ce870b07029bfcdb2dce28d959f2815b16f81798",
       "bc1p0xlxvlhemja6c4dqv22uapctqupfhlxm9h8z3k2e72q4k9hcz7vqzk5jj0"},
  };
  for (const auto& c : cases) {
    CAPTURE(c.address);
    CHECK(util::segwit_address(c.hrp, c.version, hex(c.program)) == c.address);
  }
}

TEST_CASE("segwit programs outside BIP141's sizes have no address") {
  CHECK_FALSE(util::segwit_address("bc", 0, Bytes(21, 1)).has_value()); // v0: 20 or 32 only
  CHECK_FALSE(util::segwit_address("bc", 1, Bytes(1, 1)).has_value());
  CHECK_FALSE(util::segwit_address("bc", 1, Bytes(41, 1)).has_value());
  CHECK_FALSE(util::segwit_address("bc", 17, Bytes(32, 1)).has_value());
  CHECK(util::segwit_address("bc", 1, Bytes(40, 1)).has_value());
}

TEST_CASE("bech32 and bech32m differ only in the checksum constant") {
  // BIP173's and BIP350's shortest valid strings: "a" with no data.
  CHECK(util::bech32_encode("a", {}, util::Bech32Variant::bech32) == "a12uel5l");
  CHECK(util::bech32_encode("a", {}, util::Bech32Variant::bech32m) == "a1lqfn3a");
}

TEST_CASE("regrouping into 5-bit values pads the last group with zeros") {
  CHECK(util::bytes_to_5bit(Bytes{0xff}) == std::vector<std::uint8_t>{31, 28});
  CHECK(util::bytes_to_5bit(Bytes{}).empty());
  CHECK(util::bytes_to_5bit(Bytes(5, 0xff)) == std::vector<std::uint8_t>(8, 31));
}
