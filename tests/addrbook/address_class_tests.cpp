#include <doctest/doctest.h>

#include "addrbook/address_class.hpp"
#include "addrbook/address_source.hpp"
#include "addrbook_test_helpers.hpp"

using namespace peregrine;
using namespace peregrine::addrbook;
using namespace peregrine::addrbook::test;

namespace {

std::vector<std::uint8_t> group(const wire::NetAddress& a) { return net_group(a); }
bool routable(const wire::NetAddress& a) { return is_routable(a.network, a.bytes); }

} // namespace

TEST_CASE("IPv4 groups are the /16") {
  CHECK(group(ipv4(1, 2, 3, 4)) == std::vector<std::uint8_t>{1, 1, 2});
  CHECK(group(ipv4(1, 2, 3, 4)) == group(ipv4(1, 2, 200, 9)));
  CHECK(group(ipv4(1, 2, 3, 4)) != group(ipv4(1, 3, 3, 4)));
}

TEST_CASE("IPv6 groups are the /32, Hurricane Electric's tunnel broker the /36") {
  auto a = ipv6({0x2a, 0x01, 0x04, 0xf8, 0x01, 0x71}, 2);
  auto b = ipv6({0x2a, 0x01, 0x04, 0xf8, 0x99}, 7);
  auto c = ipv6({0x2a, 0x01, 0x04, 0xf9}, 2);
  CHECK(group(a) == std::vector<std::uint8_t>{2, 0x2a, 0x01, 0x04, 0xf8});
  CHECK(group(a) == group(b));
  CHECK(group(a) != group(c));
  auto he1 = ipv6({0x20, 0x01, 0x04, 0x70, 0x10});
  auto he2 = ipv6({0x20, 0x01, 0x04, 0x70, 0x1f});
  auto he3 = ipv6({0x20, 0x01, 0x04, 0x70, 0x20});
  CHECK(group(he1) == std::vector<std::uint8_t>{2, 0x20, 0x01, 0x04, 0x70, 0x1f});
  CHECK(group(he1) == group(he2));
  CHECK(group(he1) != group(he3));
}

TEST_CASE("IPv6 addresses that carry IPv4 count in that IPv4's /16") {
  auto v4 = group(ipv4(9, 8, 7, 6));
  CHECK(group(ipv6({0x20, 0x02, 9, 8, 7, 6})) == v4); // 6to4
  CHECK(group(ipv6({0x20, 0x01, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff - 9, 0xff - 8, 0xff - 7},
                   0xff - 6)) == v4);                                                     // Teredo
  CHECK(group(ipv6({0x00, 0x64, 0xff, 0x9b, 0, 0, 0, 0, 0, 0, 0, 0, 9, 8, 7}, 6)) == v4); // NAT64
}

TEST_CASE("Tor, I2P and CJDNS: a few groups per network from the leading bits") {
  auto tor_a = of_network(wire::NetworkId::torv3, 0x3c);
  auto tor_b = of_network(wire::NetworkId::torv3, 0x31);
  auto tor_c = of_network(wire::NetworkId::torv3, 0x41);
  CHECK(group(tor_a) == std::vector<std::uint8_t>{4, 0x3f});
  CHECK(group(tor_a) == group(tor_b));
  CHECK(group(tor_a) != group(tor_c));
  auto i2p = of_network(wire::NetworkId::i2p, 0x77);
  CHECK(group(i2p) == std::vector<std::uint8_t>{5, 0x7f});
  auto cjdns = of_network(wire::NetworkId::cjdns, 0x12);
  CHECK(group(cjdns) == std::vector<std::uint8_t>{6, 0xfc, 0x1f});
  // The same bytes in another network are another group.
  wire::NetAddress i2p_like_tor{static_cast<std::uint8_t>(wire::NetworkId::i2p), tor_a.bytes};
  CHECK(group(i2p_like_tor) != group(tor_a));
}

TEST_CASE("local, unroutable and internal addresses have groups of their own") {
  CHECK(group(ipv4(127, 0, 0, 1)) == group(ipv4(127, 9, 9, 9)));
  CHECK(group(ipv4(10, 0, 0, 1)) == group(ipv4(192, 168, 1, 1)));
  CHECK(group(ipv4(10, 0, 0, 1)) != group(ipv4(127, 0, 0, 1)));
  auto seed_a = internal_address("seed.example.org");
  auto seed_b = internal_address("dnsseed.example.net");
  CHECK(is_internal(seed_a.network, seed_a.bytes));
  CHECK(group(seed_a) != group(seed_b));
  CHECK(group(seed_a) == group(internal_address("seed.example.org")));
  CHECK(group(seed_a).size() == 11);
  CHECK_FALSE(routable(seed_a));
}

TEST_CASE("routability follows Bitcoin Core's ranges") {
  CHECK(routable(ipv4(1, 2, 3, 4)));
  CHECK(routable(ipv4(8, 8, 8, 8)));
  for (auto a :
       {ipv4(0, 0, 0, 0), ipv4(255, 255, 255, 255), ipv4(127, 0, 0, 1), ipv4(10, 1, 1, 1),
        ipv4(172, 16, 0, 1), ipv4(172, 31, 255, 1), ipv4(192, 168, 0, 1), ipv4(169, 254, 1, 1),
        ipv4(100, 64, 0, 1), ipv4(100, 127, 0, 1), ipv4(198, 18, 0, 1), ipv4(198, 19, 0, 1),
        ipv4(192, 0, 2, 1), ipv4(198, 51, 100, 1), ipv4(203, 0, 113, 1), ipv4(0, 1, 2, 3)}) {
    CAPTURE(a.to_string());
    CHECK_FALSE(routable(a));
  }
  CHECK(routable(ipv4(172, 32, 0, 1)));
  CHECK(routable(ipv4(100, 128, 0, 1)));
  CHECK(routable(ipv6({0x2a, 0x01})));
  for (auto a : {ipv6({}, 0), ipv6({}, 1), ipv6({0xfe, 0x80}), ipv6({0xfc, 0x00}),
                 ipv6({0xfd, 0x12}), ipv6({0x20, 0x01, 0x0d, 0xb8}), ipv6({0x20, 0x01, 0x00, 0x10}),
                 ipv6({0x20, 0x01, 0x00, 0x2f}),
                 ipv6({0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff, 1, 2, 3}, 4),
                 ipv6({0xfd, 0x87, 0xd8, 0x7e, 0xeb, 0x43})}) {
    CAPTURE(a.to_string());
    CHECK_FALSE(routable(a));
  }
  CHECK(routable(of_network(wire::NetworkId::torv3, 1)));
  CHECK(routable(of_network(wire::NetworkId::i2p, 1)));
  CHECK(routable(of_network(wire::NetworkId::cjdns, 1)));
  wire::NetAddress cjdns_without_prefix{static_cast<std::uint8_t>(wire::NetworkId::cjdns),
                                        Bytes(16, 1)};
  CHECK_FALSE(routable(cjdns_without_prefix));
}

TEST_CASE("wrong lengths, TORv2 and unknown networks are never valid") {
  CHECK_FALSE(has_valid_length(1, Bytes(16, 1)));
  CHECK_FALSE(has_valid_length(2, Bytes(4, 1)));
  CHECK_FALSE(has_valid_length(3, Bytes(10, 1))); // TORv2
  CHECK_FALSE(has_valid_length(4, Bytes(31, 1)));
  CHECK_FALSE(has_valid_length(42, Bytes(8, 1)));
  CHECK(has_valid_length(5, Bytes(32, 1)));
  wire::NetAddress bad{1, Bytes(16, 7)};
  CHECK(group(bad) == std::vector<std::uint8_t>{0}); // grouped as unroutable, no crash
  CHECK_FALSE(routable(bad));
}

TEST_CASE("network names") {
  CHECK(network_name(1) == "IPv4");
  CHECK(network_name(4) == "Tor");
  CHECK(network_name(99) == "network 99");
}
