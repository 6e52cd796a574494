#include <doctest/doctest.h>

#include "wire/address_text.hpp"

using namespace peregrine;
using namespace peregrine::wire;

namespace {

NetAddress ipv4(std::uint8_t a, std::uint8_t b, std::uint8_t c, std::uint8_t d) {
  return NetAddress::ipv4({a, b, c, d});
}

} // namespace

TEST_CASE("numeric addresses parse; names and junk do not") {
  CHECK(parse_address("1.2.3.4") == ipv4(1, 2, 3, 4));
  CHECK(parse_address("2001:db8::1")->to_string() == "2001:db8::1");
  CHECK(parse_address("::ffff:1.2.3.4") == ipv4(1, 2, 3, 4)); // mapped: IPv4
  for (const char* bad : {"", "1.2.3", "1.2.3.4.5", "256.1.1.1", "example.com", "::g", " 1.2.3.4",
                          "x.onion", "abc.b32.i2p"}) {
    CAPTURE(bad);
    CHECK_FALSE(parse_address(bad));
  }
}

TEST_CASE("Tor v3 and I2P names round-trip through their text form") {
  const char* onion = "mthicrguvyzgyfxfn6tmdswnmldpvxwcib25xg3ghdna5qttod5huuid.onion";
  auto tor = parse_address(onion);
  REQUIRE(tor);
  CHECK(tor->is(wire::NetworkId::torv3));
  CHECK(tor->bytes.size() == 32);
  CHECK(tor->to_string() == onion);
  // One character changed: the checksum catches it.
  CHECK_FALSE(parse_address("nthicrguvyzgyfxfn6tmdswnmldpvxwcib25xg3ghdna5qttod5huuid.onion"));
  // Upper case is the same name.
  CHECK(parse_address("MTHICRGUVYZGYFXFN6TMDSWNMLDPVXWCIB25XG3GHDNA5QTTOD5HUUID.onion") == tor);

  const char* i2p = "23zqyu5dxq3gilx5dihlyjh6tbkwombyaks4pbeyg2pqjvv7putq.b32.i2p";
  auto parsed = parse_address(i2p);
  REQUIRE(parsed);
  CHECK(parsed->is(wire::NetworkId::i2p));
  CHECK(parsed->to_string() == i2p);
  // A name whose last character leaves non-zero padding bits is not a 32-byte hash.
  CHECK_FALSE(parse_address("23zqyu5dxq3gilx5dihlyjh6tbkwombyaks4pbeyg2pqjvv7putr.b32.i2p"));
}

TEST_CASE("HOST[:PORT] splitting") {
  auto hp = split_host_port("seed.example.org");
  REQUIRE(hp);
  CHECK(hp->host == "seed.example.org");
  CHECK_FALSE(hp->port);
  hp = split_host_port("seed.example.org:8333");
  REQUIRE(hp);
  CHECK(hp->host == "seed.example.org");
  CHECK(hp->port == 8333);
  hp = split_host_port("[2001:db8::1]:18444");
  REQUIRE(hp);
  CHECK(hp->host == "2001:db8::1");
  CHECK(hp->port == 18444);
  hp = split_host_port("[2001:db8::1]");
  REQUIRE(hp);
  CHECK_FALSE(hp->port);
  hp = split_host_port("2001:db8::1");
  REQUIRE(hp);
  CHECK(hp->host == "2001:db8::1");
  CHECK_FALSE(hp->port);
  hp = split_host_port("x.b32.i2p:0");
  REQUIRE(hp);
  CHECK(hp->port == 0);
  for (const char* bad : {"", ":8333", "host:", "host:65536", "host:-1", "host:80x", "[::1", "[]:1",
                          "[::1]x", "[::1]:", "a]b"}) {
    CAPTURE(bad);
    CHECK_FALSE(split_host_port(bad));
  }
}
