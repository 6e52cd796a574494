// 256-bit arithmetic and the compact (nBits) encoding, against Bitcoin Core's vectors (the compact
// cases of its arith_uint256 tests; R1 and R2 are its random operands) and values computed with
// Python's integers.
#include <doctest/doctest.h>

#include <cstdint>
#include <string>

#include "consensus/arith_uint256.hpp"

using namespace peregrine;
using namespace peregrine::consensus;

namespace {

// From 64 hex digits, most significant first (constants below: no doctest check outside a test).
ArithU256 num(const char* hex) { return ArithU256::from_hash(Hash256::from_hex(hex).value()); }

const ArithU256 kR1 = num("7d1de5eaf9b156d53208f033b5aa8122d2d2355d5e12292b121156cfdb4a529c");
const ArithU256 kR2 = num("d781cab4f072134971da2d19a3473013bfb69ca6c30a7e26406ba5477c1d3270");

struct CompactCase {
  std::uint32_t bits;
  const char* value;
  std::uint32_t reencoded; // encode_compact(value, negative)
  bool negative;
  bool overflow;
};

} // namespace

TEST_CASE("arith: hash bytes are a little-endian number") {
  Hash256 h;
  h.bytes[0] = 0x9c;
  h.bytes[31] = 0x7d;
  const ArithU256 v = ArithU256::from_hash(h);
  CHECK(v.to_hex() == "7d0000000000000000000000000000000000000000000000000000000000009c");
  CHECK(v.to_hash() == h);
  CHECK(kR1.low64() == 0x121156cfdb4a529cULL);
  CHECK(kR1.to_hash().to_hex() == kR1.to_hex());
}

TEST_CASE("arith: operations against Python's integers") {
  CHECK((kR1 + kR2).to_hex() == "549fb09fea236a1ea3e31d4d58f1b1369288d204211ca751527cfc175767850c");
  CHECK((kR1 - kR2).to_hex() == "a59c1b36093f438bc02ec31a1263510f131b98b69b07ab04d1a5b1885f2d202c");
  CHECK((kR2 - kR1).to_hex() == "5a63e4c9f6c0bc743fd13ce5ed9caef0ece4674964f854fb2e5a4e77a0d2dfd4");
  CHECK((kR1 * kR2).to_hex() == "de37805e9986996cfba76ff6ba51c008df851987d9dd323f0e5de07760529c40");
  CHECK((kR1 * 0x87654321u).to_hex() ==
        "93682a65491571c5d33815945ab0c9bd7b820187d5a2d9e6ba9a4d1293bf7a1c");
  CHECK((kR1 / (kR2 >> 100)).to_hex() ==
        "00000000000000000000000000000000000000094a033cd4b2b9d482b50c239c");
  CHECK((kR1 / kR2).is_zero());
  CHECK((kR2 / (kR1 >> 130)).to_hex() ==
        "00000000000000000000000000000006e3c910501eb800ea3d9f5539e93c4768");
  CHECK((kR1 << 77).to_hex() == "1e0676b550245a5a46ababc2452562422ad9fb694a5380000000000000000000");
  CHECK((kR1 >> 77).to_hex() == "00000000000000000003e8ef2f57cd8ab6a99047819dad5409169691aaeaf091");
  CHECK((kR1 << 256).is_zero());
  CHECK((kR1 >> 256).is_zero());
  CHECK((kR1 << 0) == kR1);
  CHECK(kR1 / ArithU256(1) == kR1);
  CHECK(kR1 / kR1 == ArithU256(1));
  CHECK(ArithU256(0) - ArithU256(1) == ~ArithU256(0)); // wraps
  CHECK(~ArithU256(0) + ArithU256(1) == ArithU256(0));
  CHECK(kR1.to_double() == doctest::Approx(5.659193147262352e76));
}

TEST_CASE("arith: ordering and bit length") {
  CHECK(kR1 < kR2);
  CHECK(kR2 > kR1);
  CHECK((ArithU256(1) << 200) > ArithU256(~std::uint64_t{0}));
  CHECK(ArithU256(5) == ArithU256(5));
  CHECK(ArithU256(0).bits() == 0);
  CHECK(ArithU256(1).bits() == 1);
  CHECK(ArithU256(0x80).bits() == 8);
  CHECK((ArithU256(1) << 255).bits() == 256);
  CHECK(kR1.bits() == 255);
  CHECK((kR2 >> 100).bits() == 156);
  CHECK(ArithU256(0).is_zero());
  CHECK(!kR1.is_zero());
}

TEST_CASE("compact: Bitcoin Core's SetCompact/GetCompact cases") {
  const CompactCase cases[] = {
      {0x00000000, "0", 0, false, false},
      {0x00123456, "0", 0, false, false},
      {0x01003456, "0", 0, false, false},
      {0x02000056, "0", 0, false, false},
      {0x03000000, "0", 0, false, false},
      {0x04000000, "0", 0, false, false},
      {0x00923456, "0", 0, false, false},
      {0x01803456, "0", 0, false, false},
      {0x02800056, "0", 0, false, false},
      {0x03800000, "0", 0, false, false},
      {0x04800000, "0", 0, false, false},
      {0x01123456, "12", 0x01120000, false, false},
      {0x01fedcba, "7e", 0x01fe0000, true, false},
      {0x02123456, "1234", 0x02123400, false, false},
      {0x03123456, "123456", 0x03123456, false, false},
      {0x04123456, "12345600", 0x04123456, false, false},
      {0x04923456, "12345600", 0x04923456, true, false},
      {0x05009234, "92340000", 0x05009234, false, false},
      {0x20123456, "1234560000000000000000000000000000000000000000000000000000000000", 0x20123456,
       false, false},
  };
  for (const auto& c : cases) {
    CAPTURE(c.bits);
    const CompactTarget t = decode_compact(c.bits);
    std::string expected(64 - std::string(c.value).size(), '0');
    expected += c.value;
    CHECK(t.value.to_hex() == expected);
    CHECK(t.negative == c.negative);
    CHECK(t.overflow == c.overflow);
    CHECK(encode_compact(t.value, c.negative) == c.reencoded);
  }
  // Overflow: 0xff bytes of exponent cannot hold a nonzero mantissa.
  const CompactTarget big = decode_compact(0xff123456);
  CHECK(!big.negative);
  CHECK(big.overflow);
  // GetCompact never sets the sign bit on its own: 0x80 needs one more byte.
  CHECK(encode_compact(ArithU256(0x80)) == 0x02008000);
}

TEST_CASE("compact: the overflow boundaries") {
  CHECK(!decode_compact(0x220000ff).overflow); // 1 byte at exponent 34 still fits
  CHECK(decode_compact(0x23000001).overflow);
  CHECK(!decode_compact(0x2100ffff).overflow);
  CHECK(decode_compact(0x220100ff).overflow);
  CHECK(!decode_compact(0x207fffff).overflow);
  CHECK(decode_compact(0x21010000).overflow);
  CHECK(!decode_compact(0xff000000).overflow); // a zero mantissa is zero, whatever the exponent
  CHECK(decode_compact(0x220000ff).value.to_hex() ==
        "ff00000000000000000000000000000000000000000000000000000000000000");
}

TEST_CASE("compact: known targets round-trip") {
  for (std::uint32_t bits : {0x1d00ffffu, 0x1b0404cbu, 0x1c05a3f4u, 0x17031abeu, 0x207fffffu,
                             0x1e0377aeu, 0x1a05db8bu}) {
    CAPTURE(bits);
    CHECK(encode_compact(decode_compact(bits).value) == bits);
  }
  CHECK(decode_compact(0x1d00ffff).value.to_hex() ==
        "00000000ffff0000000000000000000000000000000000000000000000000000");
}
