// The peer manager and the address book: outbound slots, network groups, addr and getaddr.
#include <doctest/doctest.h>

#include <algorithm>
#include <ctime>
#include <thread>

#include "addrbook/addr_book.hpp"
#include "addrbook/addr_gossip.hpp"

#include "fake_address_book.hpp"
#include "peer/subnet.hpp"
#include "test_node.hpp"

using namespace peregrine;
using namespace peregrine::test;
using namespace std::chrono_literals;

namespace {

addrbook::Entry entry(const char* ip, std::uint16_t port) {
  return addrbook::Entry{1'700'000'000, peer::kNodeNetwork | peer::kNodeWitness, *peer::parse_ip(ip), port};
}

std::size_t count_calls(const FakeAddressBook& book, const std::string& prefix) {
  auto calls = book.calls();
  return static_cast<std::size_t>(std::count_if(calls.begin(), calls.end(), [&](const std::string& c) {
    return c.starts_with(prefix);
  }));
}

} // namespace

TEST_CASE("outbound slots come from the address book, never two in one network group") {
  TestNode first, second; // both on 127.0.0.1: the same /16
  FakeAddressBook book({entry("127.0.0.1", first.port()), entry("127.0.0.1", second.port())});
  auto config = test_config();
  config.listen = false;
  config.outbound_full = 2;
  config.outbound_block_relay = 1;
  TestNode node(config, &book);

  REQUIRE(node.wait_for_ready_peers(1));
  std::this_thread::sleep_for(500ms); // many ticks: time for a second connection, were it allowed
  auto peers = node.snapshot();
  REQUIRE(peers.size() == 1);
  CHECK(peers[0].type == peer::ConnectionType::outbound_full);
  CHECK(count_calls(book, "attempt") == 1);
  CHECK(count_calls(book, "good") == 1);
}

TEST_CASE("outbound connections never go to a discouraged address") {
  TestNode good;
  // The book offers the discouraged address first; both are in one group, so only one can be used.
  FakeAddressBook book({});
  auto config = test_config();
  config.listen = false;
  config.outbound_full = 1;
  config.outbound_block_relay = 0;
  TestNode node(config, &book, nullptr, {});
  node.call([](peer::PeerManager& m) { m.discouraged().add(*peer::parse_ip("127.0.0.40")); return 0; });
  book.set_entries({entry("127.0.0.40", 1), entry("127.0.0.1", good.port())});
  REQUIRE(node.wait_for_ready_peers(1));
  auto calls = book.calls();
  CHECK(std::count(calls.begin(), calls.end(), std::string("attempt 1")) == 0);
  auto peers = node.snapshot();
  REQUIRE(peers.size() == 1);
  CHECK(peers[0].address == fmt::format("127.0.0.1:{}", good.port()));
}

TEST_CASE("addr gossip: stored in the book, fresh news relayed, getaddr answered once per connection") {
  addrbook::AddrBookOptions options;
  options.seed = 7; // deterministic choices; in memory (no file)
  addrbook::AddrBook book(options);
  addrbook::AddrGossip gossip(book, 7);
  std::int64_t now = std::time(nullptr);
  std::vector<addrbook::Entry> known;
  for (int i = 0; i < 200; ++i) {
    auto address = wire::NetAddress::ipv4({static_cast<std::uint8_t>(20 + i % 100), static_cast<std::uint8_t>(i), 1, 1});
    known.push_back({static_cast<std::uint32_t>(now - 3600), peer::kNodeNetwork | peer::kNodeWitness, address, 8333});
  }
  book.add(known, *peer::parse_ip("9.9.9.9"), now);
  std::size_t before = book.size();
  REQUIRE(before > 150);

  TestNode node(test_config(), &book, &gossip);
  RawPeer origin(node.port(), "127.0.0.12");
  REQUIRE(origin.handshake(7));
  RawPeer listener(node.port(), "127.0.0.14");
  REQUIRE(listener.handshake(8));
  REQUIRE(node.wait_for_ready_peers(2));

  wire::AddrMessage addr;
  addr.entries = {entry("1.2.3.4", 8333), entry("5.6.7.8", 18444)};
  for (auto& e : addr.entries) e.time = static_cast<std::uint32_t>(now); // fresh: worth relaying
  origin.send_message(addr);
  // A new inbound peer has one token (0.1 more a second), as in Core: one address is taken, the
  // other dropped. The other peer hears of the one (an addr message: it sent no sendaddrv2).
  auto relayed = listener.expect<wire::AddrMessage>();
  REQUIRE(relayed.has_value());
  REQUIRE(relayed->entries.size() == 1);
  std::string taken = relayed->entries[0].address.to_string(); // the list is shuffled first
  CHECK((taken == "1.2.3.4" || taken == "5.6.7.8"));
  CHECK(book.size() == before + 1);

  origin.send_message(wire::GetAddrMessage{});
  auto answer = origin.expect<wire::AddrMessage>();
  REQUIRE(answer.has_value());
  CHECK(answer->entries.size() > 0);
  CHECK(answer->entries.size() <= book.size() * 23 / 100 + 1); // at most 23% of the book

  origin.send_message(wire::GetAddrMessage{});
  origin.send_message(wire::PingMessage{9});
  // The second getaddr is ignored: the next thing we hear is the pong.
  auto next = origin.read_message();
  while (next && std::holds_alternative<wire::PingMessage>(*next)) next = origin.read_message();
  REQUIRE(next.has_value());
  CHECK(std::holds_alternative<wire::PongMessage>(*next));
}

TEST_CASE("dual stack: one listener takes IPv6 and IPv4 peers") {
  auto config = test_config();
  config.bind = "::";
  TestNode node(config);
  auto v6 = test_config();
  v6.listen = false;
  v6.connect = {fmt::format("[::1]:{}", node.port())};
  TestNode over_ipv6(v6);
  RawPeer over_ipv4(node.port(), "127.0.0.13");
  REQUIRE(over_ipv4.handshake(3));
  REQUIRE(node.wait_for_ready_peers(2));
  auto peers = node.snapshot();
  bool saw_v6 = std::any_of(peers.begin(), peers.end(), [](auto& p) { return p.address.starts_with("[::1]:"); });
  bool saw_v4 = std::any_of(peers.begin(), peers.end(), [](auto& p) { return p.address.starts_with("127.0.0.13:"); });
  CHECK(saw_v6);
  CHECK(saw_v4);
}
