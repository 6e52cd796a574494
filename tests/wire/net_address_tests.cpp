// NetAddress: the v1 (16-byte) form, text forms, and the version-message address encoding.
#include <doctest/doctest.h>

#include "util/hex.hpp"
#include "wire/codec.hpp"
#include "wire/net_address.hpp"

using namespace peregrine;
using namespace peregrine::wire;

namespace {

Bytes hex(std::string_view h) { return *util::from_hex(h); }

AddrV1Bytes v1(std::string_view h) {
  AddrV1Bytes out{};
  Bytes b = hex(h);
  REQUIRE(b.size() == 16);
  std::copy(b.begin(), b.end(), out.begin());
  return out;
}

NetAddress make(NetworkId net, std::string_view h) {
  return NetAddress{static_cast<std::uint8_t>(net), hex(h)};
}

} // namespace

TEST_CASE("v1 addresses: IPv4-mapped becomes ipv4, the rest ipv6, and both convert back") {
  AddrV1Bytes mapped = v1("00000000000000000000ffffc0000201");
  NetAddress a = NetAddress::from_v1(mapped);
  CHECK(a.is(NetworkId::ipv4));
  CHECK(a.bytes == hex("c0000201"));
  CHECK(a == NetAddress::ipv4({192, 0, 2, 1}));
  CHECK(a.to_v1() == mapped);

  AddrV1Bytes six = v1("20010db8000000000000000000000001");
  NetAddress b = NetAddress::from_v1(six);
  CHECK(b.is(NetworkId::ipv6));
  CHECK(b.to_v1() == six);

  // Almost mapped (::fffe:...) and IPv4-compatible (::a.b.c.d) stay IPv6.
  CHECK(NetAddress::from_v1(v1("00000000000000000000fffec0000201")).is(NetworkId::ipv6));
  CHECK(NetAddress::from_v1(v1("000000000000000000000000c0000201")).is(NetworkId::ipv6));
}

TEST_CASE("v1 addresses: networks without a 16-byte form have none") {
  CHECK_FALSE(make(NetworkId::torv3, std::string(64, '1')).to_v1().has_value());
  CHECK_FALSE(make(NetworkId::i2p, std::string(64, '1')).to_v1().has_value());
  CHECK_FALSE(make(NetworkId::cjdns, "fc000000000000000000000000000001").to_v1().has_value());
  CHECK_FALSE(make(NetworkId::torv2, "f1f2f3f4f5f6f7f8f9fa").to_v1().has_value());
  CHECK_FALSE((NetAddress{99, Bytes(16, 0)}).to_v1().has_value());
  CHECK_FALSE(make(NetworkId::ipv4, "0102030405").to_v1().has_value()); // malformed length
}

TEST_CASE("to_string: IPv4 dotted quad") {
  CHECK(NetAddress::ipv4({1, 2, 3, 4}).to_string() == "1.2.3.4");
  CHECK(NetAddress::ipv4({255, 255, 255, 255}).to_string() == "255.255.255.255");
  CHECK(NetAddress::ipv4({0, 0, 0, 0}).to_string() == "0.0.0.0");
}

TEST_CASE("to_string: IPv6 in RFC 5952 form") {
  struct Case {
    const char* bytes;
    const char* text;
  };
  for (Case c : {
           Case{"20010db8000000000000000000000001", "2001:db8::1"},
           Case{"20010db8000000010001000100010001", "2001:db8:0:1:1:1:1:1"}, // one zero: no ::
           Case{"20010000000000010000000000000001", "2001:0:0:1::1"},        // the longest run
           Case{"20010db8000000000001000000000001", "2001:db8::1:0:0:1"},    // first of equals
           Case{"00000000000000000000000000000000", "::"},
           Case{"00000000000000000000000000000001", "::1"},
           Case{"00010000000000000000000000000000", "1::"},
           Case{"20010db885a3000000008a2e03707334", "2001:db8:85a3::8a2e:370:7334"},
           Case{"ABCD0000ef0100000000000000000000", "abcd:0:ef01::"}, // lower case
       }) {
    CHECK(make(NetworkId::ipv6, c.bytes).to_string() == c.text);
  }
  NetAddress default_address;
  CHECK(default_address.to_string() == "::");
}

TEST_CASE("to_string: CJDNS in IPv6 notation") {
  CHECK(make(NetworkId::cjdns, "fc000000000000000001000200030004").to_string() == "fc00::1:2:3:4");
}

TEST_CASE("to_string: Tor v3 with its SHA3-256 checksum and version byte") {
  // A valid v3 onion name: base32(pubkey | checksum 2147 | 03).
  NetAddress tor = make(NetworkId::torv3,
                        "79bcc625184b05194975c28b66b66b0469f7f6556fb1ac3189a79b40dda32f1f");
  CHECK(tor.to_string() == "pg6mmjiyjmcrsslvykfwnntlaru7p5svn6y2ymmju6nubxndf4pscryd.onion");
}

TEST_CASE("to_string: I2P, Tor v2 and unknown networks") {
  NetAddress i2p = make(NetworkId::i2p,
                        "a2894dabaec08c0051a481a6dac88b64f98232ae42d4b6fd2fa81952dfe36a87");
  CHECK(i2p.to_string() == "ukeu3k5oycgaauneqgtnvselmt4yemvoilkln7jpvamvfx7dnkdq.b32.i2p");
  CHECK(make(NetworkId::torv2, "f1f2f3f4f5f6f7f8f9fa").to_string() == "6hzph5hv6337r6p2.onion");
  CHECK((NetAddress{42, hex("0a0b")}).to_string() == "net42:0a0b");
  // A known network with the wrong length cannot be shown as that network.
  CHECK(make(NetworkId::ipv4, "0102030405").to_string() == "net1:0102030405");
}

TEST_CASE("ServiceAddress: services, 16-byte address and big-endian port") {
  ServiceAddress a{0x0409, NetAddress::ipv4({10, 0, 0, 1}), 8333};
  Bytes bytes = to_bytes(a);
  CHECK(bytes == hex("0904000000000000" "00000000000000000000ffff0a000001" "208d"));
  auto back = from_bytes<ServiceAddress>(bytes);
  REQUIRE(back.has_value());
  CHECK(*back == a);

  auto short_read = from_bytes<ServiceAddress>(ByteSpan(bytes).first(25));
  REQUIRE_FALSE(short_read.has_value());
  CHECK(short_read.error().code == DecodeErrc::truncated);
  CHECK(short_read.error().field == "address.port");
}
