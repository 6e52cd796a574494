#include <doctest/doctest.h>

#include "util/hex.hpp"
#include "wire/reader.hpp"
#include "wire/writer.hpp"

using namespace peregrine;
using namespace peregrine::wire;

TEST_CASE("Reader reads little-endian integers and big-endian ports") {
  Bytes b = *util::from_hex("01" "0201" "04030201" "0807060504030201" "208d");
  Reader r(b);
  CHECK(r.u8("a") == 0x01);
  CHECK(r.u16_le("b") == 0x0102);
  CHECK(r.u32_le("c") == 0x01020304);
  CHECK(r.u64_le("d") == 0x0102030405060708ull);
  CHECK(r.u16_be("port") == 8333);
  CHECK_FALSE(r.finish().has_value());
}

TEST_CASE("Reader records the first failure with its field and offset, and it sticks") {
  Bytes b = *util::from_hex("0102030405");
  Reader r(b);
  CHECK(r.u32_le("version") == 0x04030201);
  CHECK(r.u32_le("time") == 0); // only one byte left
  REQUIRE(r.error().has_value());
  CHECK(r.error()->code == DecodeErrc::truncated);
  CHECK(r.error()->field == "time");
  CHECK(r.error()->offset == 4);
  CHECK(r.error()->message() == "truncated: time at byte 4");
  // Later reads neither succeed nor replace the first error.
  CHECK(r.u8("next") == 0);
  CHECK(r.take(1, "more").empty());
  CHECK(r.error()->field == "time");
}

TEST_CASE("Reader::finish reports trailing bytes") {
  Bytes b = *util::from_hex("010203");
  Reader r(b);
  r.u16_le("x");
  auto err = r.finish();
  REQUIRE(err.has_value());
  CHECK(err->code == DecodeErrc::trailing_bytes);
  CHECK(err->offset == 2);
}

TEST_CASE("Reader::reservable never exceeds what the remaining bytes could hold") {
  Bytes b(100);
  Reader r(b);
  CHECK(r.reservable(5, 10) == 5);
  CHECK(r.reservable(0x02000000, 41) == 2);
  CHECK(r.reservable(~0ull, 1) == 100);
}

TEST_CASE("Writer and Reader agree on every fixed-width type") {
  Bytes out;
  Writer w(out);
  w.u8(0xab);
  w.u16_le(0xbeef);
  w.u16_be(18444);
  w.u32_le(0xdeadbeef);
  w.i32_le(-2);
  w.u64_le(0x0123456789abcdefull);
  w.i64_le(-5000000000ll);
  w.boolean(true);
  Reader r(out);
  CHECK(r.u8("a") == 0xab);
  CHECK(r.u16_le("b") == 0xbeef);
  CHECK(r.u16_be("c") == 18444);
  CHECK(r.u32_le("d") == 0xdeadbeef);
  CHECK(r.i32_le("e") == -2);
  CHECK(r.u64_le("f") == 0x0123456789abcdefull);
  CHECK(r.i64_le("g") == -5000000000ll);
  CHECK(r.boolean("h"));
  CHECK_FALSE(r.finish().has_value());
}
