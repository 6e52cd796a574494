#include <doctest/doctest.h>

#include <set>

#include "addrbook/addr_book.hpp"
#include "addrbook/address_class.hpp"
#include "addrbook_test_helpers.hpp"

using namespace peregrine;
using namespace peregrine::addrbook;
using namespace peregrine::addrbook::test;

namespace {

// `groups` groups of `per_group` addresses, each heard from its own source.
void fill(AddrBook& book, std::uint32_t groups, std::uint32_t per_group,
          std::uint16_t port = 8333) {
  for (std::uint32_t g = 0; g < groups; ++g) {
    for (std::uint32_t i = 0; i < per_group; ++i) {
      auto a = ipv4_n(g << 16 | (i + 1));
      book.add(std::vector{entry(a, port)}, ipv4_n((g * per_group + i + 5000) << 16 | 1), kNow);
    }
  }
}

std::vector<std::uint8_t> group(const wire::NetAddress& a) { return net_group(a); }

} // namespace

TEST_CASE("the AddressSource interface: add counts new entries, select and sample work") {
  AddrBook book(options());
  AddressSource& source = book;
  std::vector<Entry> batch = {entry(ipv4(1, 2, 3, 4)), entry(ipv4(1, 2, 3, 4)),
                              entry(ipv4(10, 0, 0, 1)), entry(ipv4(2, 3, 4, 5))};
  CHECK(source.add(batch, ipv4(9, 9, 9, 9), kNow) == 2);
  CHECK(source.size() == 2);
  auto picked = source.select(false, kNow);
  REQUIRE(picked);
  CHECK(picked->port == 8333);
  CHECK(source.sample(1'000, kNow).size() == 0); // 23% of 2 rounds down to nothing
  fill(book, 100, 1);
  auto sample = source.sample(1'000, kNow);
  CHECK(sample.size() == book.size() * 23 / 100);
  CHECK(source.sample(5, kNow).size() == 5);
}

TEST_CASE("the lifecycle through the interface: attempt, good, connected, services") {
  AddrBook book(options());
  auto a = ipv4(1, 2, 3, 4);
  book.add(std::vector{entry(a, 8333, kNow - kDay)}, ipv4(9, 9, 9, 9), kNow);
  book.attempt(a, 8333, kNow);
  CHECK(book.find(a, 8333)->attempts == 1);
  book.good(a, 8333, kNow + 5);
  auto info = book.find(a, 8333);
  CHECK(info->in_tried);
  CHECK(info->attempts == 0);
  CHECK(info->last_success == kNow + 5);
  book.set_services(a, 8333, 0x409);
  CHECK(book.find(a, 8333)->services == 0x409);
  book.connected(a, 8333, kNow + kHour);
  CHECK(book.find(a, 8333)->time == kNow + kHour);
  book.attempt(a, 8333, kNow + 2 * kHour, false);
  CHECK(book.find(a, 8333)->attempts == 0);
  // Unknown addresses and oversized ones are ignored quietly.
  book.good(ipv4(7, 7, 7, 7), 1, kNow);
  book.attempt(wire::NetAddress{4, Bytes(600, 1)}, 1, kNow);
  CHECK(book.size() == 1);
  CHECK(book.check().empty());
}

TEST_CASE("selection never returns two addresses of one group when asked to exclude groups") {
  AddrBook book(options());
  fill(book, 40, 25); // 1,000 addresses in 40 groups
  OutboundRequest request;
  auto picks = book.select_many(30, request, kNow);
  CHECK(picks.size() == 30);
  std::set<std::vector<std::uint8_t>> groups;
  for (const auto& e : picks) CHECK(groups.insert(group(e.address)).second);

  // Asking for more than there are groups: every group once, then nothing.
  auto all = book.select_many(100, request, kNow);
  std::set<std::vector<std::uint8_t>> all_groups;
  for (const auto& e : all) CHECK(all_groups.insert(group(e.address)).second);
  CHECK(all.size() <= 40);
  CHECK(all.size() >= 30); // up to 100 picks per slot find nearly every group

  // Groups already connected are excluded.
  OutboundRequest exclude;
  for (std::uint32_t g = 0; g < 39; ++g)
    exclude.exclude_groups.push_back(group(ipv4_n(g << 16 | 1)));
  for (int i = 0; i < 20; ++i) {
    auto e = book.select_outbound(exclude, kNow);
    if (!e) continue; // the last group may be missed in 100 picks
    CHECK(group(e->address) == group(ipv4_n(39u << 16 | 1)));
  }
}

TEST_CASE("reachability: unreachable networks are stored but never selected until enabled") {
  AddrBook book(options());
  for (std::uint8_t i = 0; i < 50; ++i) {
    book.add(std::vector{entry(of_network(wire::NetworkId::torv3, i))},
             ipv4_n((i + 100u) << 16 | 1), kNow);
    book.add(std::vector{entry(of_network(wire::NetworkId::i2p, i), 0)},
             ipv4_n((i + 200u) << 16 | 1), kNow);
  }
  CHECK(book.size() > 20);
  CHECK_FALSE(book.select(false, kNow));
  CHECK_FALSE(book.select(true, kNow));
  CHECK_FALSE(book.select_outbound({}, kNow));
  CHECK(book.stats().reachable == 0);

  book.add(std::vector{entry(ipv4(1, 2, 3, 4))}, ipv4(9, 9, 9, 9), kNow);
  for (int i = 0; i < 100; ++i) CHECK(book.select(false, kNow)->address == ipv4(1, 2, 3, 4));

  book.set_reachable(wire::NetworkId::torv3, true);
  CHECK(book.is_reachable(of_network(wire::NetworkId::torv3, 1)));
  std::set<std::uint8_t> networks;
  for (int i = 0; i < 300; ++i) networks.insert(book.select(false, kNow)->address.network);
  CHECK(networks == std::set<std::uint8_t>{1, 4});
  book.set_reachable(wire::NetworkId::ipv4, false);
  for (int i = 0; i < 100; ++i) CHECK(book.select(false, kNow)->address.is(wire::NetworkId::torv3));
}

TEST_CASE("outbound rules: services, bad ports and recent attempts") {
  AddrBook book(options());
  book.add(std::vector{entry(ipv4(1, 2, 3, 4), 8333, kNow, kNodeNetworkLimited)}, ipv4(9, 9, 9, 9),
           kNow);
  CHECK_FALSE(book.select_outbound({}, kNow)); // lacks NODE_NETWORK | NODE_WITNESS
  OutboundRequest limited;
  limited.required_services = kNodeNetworkLimited;
  CHECK(book.select_outbound(limited, kNow));

  AddrBook ports(options());
  ports.add(std::vector{entry(ipv4(1, 2, 3, 4), 22)}, ipv4(9, 9, 9, 9), kNow); // ssh
  // Picked only after 50 unsuitable picks: this one is the only entry, so it still comes back.
  auto e = ports.select_outbound({}, kNow);
  REQUIRE(e);
  CHECK(e->port == 22);
  CHECK(is_bad_port(22));
  CHECK(is_bad_port(6667));
  CHECK_FALSE(is_bad_port(8333));
  CHECK_FALSE(is_bad_port(0));
  CHECK_FALSE(is_bad_port(443));

  // With good ports around, bad ports are avoided.
  fill(ports, 30, 1);
  for (int i = 0; i < 100; ++i) CHECK(ports.select_outbound({}, kNow)->port == 8333);

  // Just-tried entries are avoided while others exist.
  AddrBook recent(options());
  fill(recent, 30, 1);
  for (std::uint32_t g = 0; g < 29; ++g) recent.attempt(ipv4_n(g << 16 | 1), 8333, kNow);
  for (int i = 0; i < 20; ++i)
    CHECK(recent.select_outbound({}, kNow + 60)->address == ipv4_n(29u << 16 | 1));
}

TEST_CASE("feelers: new addresses first, tried collisions tested before anything else") {
  AddrBook book(options());
  CHECK_FALSE(book.select_feeler(kNow));
  fill(book, 50, 1);
  auto feeler = book.select_feeler(kNow);
  REQUIRE(feeler);
  CHECK_FALSE(book.find(feeler->address, feeler->port)->in_tried);
  // The feeler connects: good() moves it to tried.
  book.good(feeler->address, feeler->port, kNow);
  CHECK(book.find(feeler->address, feeler->port)->in_tried);
  // select(true) is the interface's feeler pick: new entries only.
  for (int i = 0; i < 50; ++i) {
    auto e = book.select(true, kNow);
    REQUIRE(e);
    CHECK_FALSE(book.find(e->address, e->port)->in_tried);
  }
  CHECK(book.check().empty());
}

TEST_CASE("feelers: a tried collision's incumbent is offered for testing") {
  AddrBook book(options());
  fill(book, 3'000, 1);
  // Move entries to tried (hours ago) until one collides with an incumbent.
  std::optional<wire::NetAddress> newcomer;
  for (std::uint32_t g = 0; g < 3'000 && !newcomer; ++g) {
    auto a = ipv4_n(g << 16 | 1);
    book.good(a, 8333, kNow - 10 * kHour);
    if (!book.find(a, 8333)->in_tried) newcomer = a;
  }
  REQUIRE(newcomer);                // 256 x 64 tried slots: a few thousand entries collide for sure
  book.good(*newcomer, 8333, kNow); // the newcomer connects again now
  CHECK(book.stats().tried_collisions == 1);
  auto to_test = book.select(true, kNow + 1);
  REQUIRE(to_test);
  auto incumbent = book.find(to_test->address, to_test->port);
  REQUIRE(incumbent);
  CHECK(incumbent->in_tried); // the incumbent, not a new entry
  CHECK(book.select_feeler(kNow + 1)->address == to_test->address);
  // The incumbent answers; the newcomer's claim is dropped at the next pick.
  book.good(to_test->address, to_test->port, kNow + 2);
  book.select(false, kNow + 3);
  CHECK(book.stats().tried_collisions == 0);
  CHECK(book.find(to_test->address, to_test->port)->in_tried);
  CHECK_FALSE(book.find(*newcomer, 8333)->in_tried);
  CHECK(book.check().empty());
}

TEST_CASE("stats describe the book") {
  AddrBook book(options());
  fill(book, 10, 2);
  book.add(std::vector{entry(of_network(wire::NetworkId::i2p, 1), 0)}, ipv4(9, 9, 9, 9), kNow);
  book.good(ipv4_n(1), 8333, kNow);
  auto s = book.stats();
  CHECK(s.size == 21);
  CHECK(s.tried_count == 1);
  CHECK(s.new_count == 20);
  CHECK(s.reachable == 20);
  CHECK(s.by_network[5].new_count == 1);
  CHECK(s.by_network[1].tried_count == 1);
  CHECK(s.last_save == 0);
}
