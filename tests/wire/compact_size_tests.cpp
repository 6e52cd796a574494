#include <doctest/doctest.h>

#include <cstdint>
#include <limits>

#include "util/hex.hpp"
#include "wire/compact_size.hpp"

using namespace peregrine;
using namespace peregrine::wire;

namespace {

Bytes encode(std::uint64_t n) {
  Bytes out;
  Writer w(out);
  write_compact_size(w, n);
  return out;
}

struct Decoded {
  std::uint64_t value;
  std::optional<DecodeError> error;
};

Decoded decode(const char* hex, std::uint64_t max = kMaxCompactSize) {
  Bytes bytes = *util::from_hex(hex);
  Reader r(bytes);
  std::uint64_t v = read_compact_size(r, "n", max);
  return {v, r.finish()};
}

} // namespace

TEST_CASE("CompactSize encodes each boundary in its shortest form") {
  CHECK(util::to_hex(encode(0)) == "00");
  CHECK(util::to_hex(encode(0xfc)) == "fc");
  CHECK(util::to_hex(encode(0xfd)) == "fdfd00");
  CHECK(util::to_hex(encode(0xffff)) == "fdffff");
  CHECK(util::to_hex(encode(0x10000)) == "fe00000100");
  CHECK(util::to_hex(encode(0xffffffff)) == "feffffffff");
  CHECK(util::to_hex(encode(0x100000000)) == "ff0000000001000000");
  for (std::uint64_t n : {0x0ull, 0xfcull, 0xfdull, 0xffffull, 0x10000ull, 0xffffffffull,
                          0x100000000ull}) {
    CHECK(encode(n).size() == compact_size_length(n));
  }
}

TEST_CASE("CompactSize decodes every boundary back, given room above MAX_SIZE") {
  constexpr auto any = std::numeric_limits<std::uint64_t>::max();
  for (std::uint64_t n : {std::uint64_t{0}, std::uint64_t{0xfc}, std::uint64_t{0xfd},
                          std::uint64_t{0xffff}, std::uint64_t{0x10000}, std::uint64_t{0xffffffff},
                          std::uint64_t{0x100000000}, any}) {
    Bytes bytes = encode(n);
    Reader r(bytes);
    CHECK(read_compact_size(r, "n", any) == n);
    CHECK_FALSE(r.finish().has_value());
  }
}

TEST_CASE("CompactSize rejects every non-canonical encoding") {
  const char* non_canonical[] = {
      "fd0000", "fdfc00",                   // 3-byte form of values below 0xfd
      "fe00000000", "fefc000000", "feffff0000", // 5-byte form of values below 0x10000
      "ff0000000000000000", "ffffffffff00000000", // 9-byte form of values below 2^32
  };
  for (const char* hex : non_canonical) {
    CAPTURE(hex);
    auto d = decode(hex, std::numeric_limits<std::uint64_t>::max());
    REQUIRE(d.error.has_value());
    CHECK(d.error->code == DecodeErrc::non_canonical_size);
    CHECK(d.error->offset == 0);
  }
  // The smallest value of each width is canonical.
  CHECK_FALSE(decode("fdfd00").error.has_value());
  CHECK_FALSE(decode("fe00000100", 0x10000).error.has_value());
}

TEST_CASE("CompactSize sizes above MAX_SIZE are errors, MAX_SIZE itself is not") {
  auto at_limit = decode("fe00000002");
  CHECK_FALSE(at_limit.error.has_value());
  CHECK(at_limit.value == 0x02000000);
  auto above = decode("fe01000002");
  REQUIRE(above.error.has_value());
  CHECK(above.error->code == DecodeErrc::size_too_large);
  auto huge = decode("feffffffff");
  REQUIRE(huge.error.has_value());
  CHECK(huge.error->code == DecodeErrc::size_too_large);
  auto two_to_32 = decode("ff0000000001000000");
  REQUIRE(two_to_32.error.has_value());
  CHECK(two_to_32.error->code == DecodeErrc::size_too_large);
}

TEST_CASE("CompactSize truncated in its prefix or body") {
  for (const char* hex : {"", "fd", "fdff", "fe000001", "ff00000000000001"}) {
    CAPTURE(hex);
    auto d = decode(hex);
    REQUIRE(d.error.has_value());
    CHECK(d.error->code == DecodeErrc::truncated);
  }
}

TEST_CASE("var_bytes reads a length-prefixed field and bounds it") {
  Bytes ok = *util::from_hex("03aabbcc");
  Reader r(ok);
  CHECK(util::to_hex(read_var_bytes(r, "f")) == "aabbcc");
  CHECK(r.at_end());

  Bytes cut = *util::from_hex("05aabb");
  Reader r2(cut);
  read_var_bytes(r2, "script");
  REQUIRE(r2.error().has_value());
  CHECK(r2.error()->code == DecodeErrc::truncated);
  CHECK(r2.error()->field == "script");
  CHECK(r2.error()->offset == 1);
}

TEST_CASE("read_count refuses a count above the list's limit before any item") {
  Bytes at_limit = *util::from_hex("fdd007"); // 2,000
  Reader r1(at_limit);
  CHECK(read_count(r1, "headers.count", 2000) == 2000);
  CHECK(r1.ok());

  Bytes above = *util::from_hex("00" "fdd107"); // a byte before, then 2,001
  Reader r2(above);
  r2.u8("pad");
  CHECK(read_count(r2, "headers.count", 2000) == 0);
  REQUIRE(r2.error().has_value());
  CHECK(r2.error()->code == DecodeErrc::count_too_large);
  CHECK(r2.error()->offset == 1);
  CHECK(r2.error()->field == "headers.count");
}
