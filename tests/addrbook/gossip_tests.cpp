#include <doctest/doctest.h>

#include <map>
#include <set>

#include "addrbook/addr_gossip.hpp"
#include "addrbook_test_helpers.hpp"
#include "util/hex.hpp"
#include "wire/codec.hpp"
#include "wire/compact_size.hpp"
#include "wire/messages/addrv2.hpp"

using namespace peregrine;
using namespace peregrine::addrbook;
using namespace peregrine::addrbook::test;

namespace {

// One addrv2 entry as BIP155 serializes it, with a chosen network id and address length.
void put_v2(wire::Writer& w, std::uint8_t network, const Bytes& address, std::uint16_t port = 8333,
            std::uint32_t time = kNow - 60) {
  w.u32_le(time);
  wire::write_compact_size(w, kNodeNetwork | kNodeWitness);
  w.u8(network);
  wire::write_var_bytes(w, address);
  w.u16_be(port);
}

Bytes addrv2_message(const std::vector<std::pair<std::uint8_t, Bytes>>& items) {
  Bytes out;
  wire::Writer w(out);
  wire::write_compact_size(w, items.size());
  for (const auto& [net, bytes] : items) put_v2(w, net, bytes);
  return out;
}

std::vector<wire::AddressEntry> many(std::size_t n, std::uint32_t first = 0,
                                     std::int64_t time = kNow - 3 * kHour) {
  std::vector<wire::AddressEntry> out;
  for (std::size_t i = 0; i < n; ++i)
    out.push_back(entry(ipv4_n(static_cast<std::uint32_t>(first + i) << 16 | 0x0a0b), 8333, time));
  return out;
}

const wire::NetAddress kPeer = ipv4(80, 81, 82, 83);
const wire::NetAddress kLocal = ipv4(44, 45, 46, 47);

} // namespace

TEST_CASE("addrv2 with every network type: stored or ignored as the network deserves") {
  AddrBook book(options());
  AddrGossip gossip(book, 1);
  auto peer = gossip.new_peer(true, kNow);
  peer.on_getaddr_sent(); // enough tokens for the whole message
  auto bytes = addrv2_message({
      {1, ipv4(1, 2, 3, 4).bytes},
      {2, of_network(wire::NetworkId::ipv6, 7).bytes},
      {3, Bytes(10, 0x33)}, // TORv2: retired, kept by the decoder, ignored here
      {4, Bytes(32, 0x44)},
      {5, Bytes(32, 0x55)},
      {6, of_network(wire::NetworkId::cjdns, 6).bytes},
      {42, Bytes(20, 0x42)},        // unknown network: any length, ignored
      {1, ipv4(10, 0, 0, 1).bytes}, // a private address: valid, not routable
  });
  auto message = wire::from_bytes<wire::AddrV2Message>(bytes);
  REQUIRE(message);
  REQUIRE(message->entries.size() == 8);
  auto r = gossip.on_addr(peer, message->entries, kPeer, kNow);
  CHECK(r.received == 8);
  CHECK(r.unsupported == 2);
  CHECK(r.unroutable == 1);
  CHECK(r.invalid == 0);
  CHECK(r.stored == 5);
  CHECK(r.new_to_book == 5);
  CHECK(r.rejected() == 0);
  auto stats = book.stats();
  for (std::uint8_t net : {1, 2, 4, 5, 6}) CHECK(stats.by_network[net].new_count == 1);
  CHECK(stats.by_network[3].new_count == 0);
  CHECK(stats.reachable == 2); // only IPv4 and IPv6 may be selected
  for (int i = 0; i < 50; ++i) {
    auto picked = book.select(false, kNow);
    REQUIRE(picked);
    CHECK((picked->address.is(wire::NetworkId::ipv4) || picked->address.is(wire::NetworkId::ipv6)));
  }
  CHECK(book.check().empty());
}

TEST_CASE("addrv2 with invalid lengths: the decoder refuses, and bypassing it is scored") {
  // A known network with the wrong length is a decode error for the whole message (the peer
  // layer scores it); so is a length over 512. Nothing here crashes on any of them.
  for (auto [net, size] : std::vector<std::pair<std::uint8_t, std::size_t>>{
           {1, 16}, {1, 3}, {2, 4}, {4, 31}, {5, 33}, {6, 4}, {1, 0}}) {
    CAPTURE(int(net));
    CAPTURE(size);
    auto bytes = addrv2_message({{1, ipv4(1, 2, 3, 4).bytes}, {net, Bytes(size, 0xfc)}});
    auto decoded = wire::from_bytes<wire::AddrV2Message>(bytes);
    REQUIRE_FALSE(decoded);
    CHECK(decoded.error().code == wire::DecodeErrc::bad_value);
  }
  auto too_long = addrv2_message({{42, Bytes(513, 1)}});
  CHECK(wire::from_bytes<wire::AddrV2Message>(too_long).error().code ==
        wire::DecodeErrc::size_too_large);

  // Entries built without the decoder (another transport, a bug) are counted, never stored.
  AddrBook book(options());
  AddrGossip gossip(book, 1);
  auto peer = gossip.new_peer(true, kNow);
  peer.on_getaddr_sent();
  std::vector<wire::AddressEntry> bad = {
      entry(wire::NetAddress{1, Bytes(16, 9)}), entry(wire::NetAddress{2, Bytes(4, 9)}),
      entry(wire::NetAddress{4, Bytes(3, 9)}), entry(wire::NetAddress{6, Bytes(600, 0xfc)}),
      entry(ipv4(1, 2, 3, 4))};
  auto r = gossip.on_addr(peer, bad, kPeer, kNow);
  CHECK(r.invalid == 4);
  CHECK(r.rejected() == 4);
  CHECK(r.stored == 1);
  CHECK(book.size() == 1);
}

TEST_CASE("an addr message over 1,000 entries is refused whole") {
  AddrBook book(options());
  AddrGossip gossip(book, 1);
  auto peer = gossip.new_peer(false, kNow);
  peer.on_getaddr_sent();
  auto r = gossip.on_addr(peer, many(1'001), kPeer, kNow);
  CHECK(r.oversized);
  CHECK(r.rejected() == 1'001);
  CHECK(book.size() == 0);
}

TEST_CASE("token bucket: 0.1 address per second, one to start, a full answer after getaddr") {
  AddrBook book(options());
  AddrGossip gossip(book, 1);
  auto peer = gossip.new_peer(true, kNow);
  // The first token lets a self-announcement through; the rest of a burst is dropped.
  auto r = gossip.on_addr(peer, many(5, 0), kPeer, kNow);
  CHECK(r.stored == 1);
  CHECK(r.rate_limited == 4);
  // 10 s later: exactly one more token.
  r = gossip.on_addr(peer, many(5, 10), kPeer, kNow + 10);
  CHECK(r.stored == 1);
  CHECK(r.rate_limited == 4);
  // 95 s later: 9.5 tokens, so nine pass and half a token is kept.
  r = gossip.on_addr(peer, many(20, 20), kPeer, kNow + 105);
  CHECK(r.stored == 9);
  CHECK(peer.tokens() == doctest::Approx(0.5));
  // 5 s more makes it whole again.
  r = gossip.on_addr(peer, many(1, 40), kPeer, kNow + 110);
  CHECK(r.stored == 1);
  // A long silence fills the bucket to 1,000 and no further.
  peer.refill(kNow + 1'000'000);
  CHECK(peer.tokens() == doctest::Approx(1'000.0));
  // A clock stepping back never adds tokens.
  double before = peer.tokens();
  peer.refill(kNow);
  CHECK(peer.tokens() == doctest::Approx(before));

  // After our getaddr the answer may be a full 1,000 on top of what is there.
  auto outbound = gossip.new_peer(false, kNow);
  outbound.on_getaddr_sent();
  r = gossip.on_addr(outbound, many(1'000, 100), kPeer, kNow);
  CHECK(r.rate_limited == 0);
  CHECK(r.stored == 1'000);
  CHECK(outbound.getaddr_sent()); // a full 1,000 may be followed by more of the answer
}

TEST_CASE("the getaddr answer ends with a message shorter than 1,000") {
  AddrBook book(options());
  AddrGossip gossip(book, 1);
  auto peer = gossip.new_peer(false, kNow);
  peer.on_getaddr_sent();
  peer.on_addr_received(1'000);
  CHECK(peer.getaddr_sent());
  peer.on_addr_received(999);
  CHECK_FALSE(peer.getaddr_sent());
}

TEST_CASE("getaddr is answered once per inbound connection, never to outbound peers") {
  AddrBook book(options());
  for (std::uint32_t i = 0; i < 400; ++i)
    book.add(std::vector{entry(ipv4_n(i << 16 | 0x0101))}, ipv4_n((i + 900) << 16 | 1), kNow);
  AddrGossip gossip(book, 1);
  auto inbound = gossip.new_peer(true, kNow);
  auto answered = gossip.on_getaddr(inbound, kLocal, kNow);
  REQUIRE(answered);
  CHECK(*answered > 0);
  CHECK(*answered <= book.size() * 23 / 100);
  auto sent = inbound.take_to_send();
  CHECK(sent.size() == *answered);
  CHECK_FALSE(gossip.on_getaddr(inbound, kLocal, kNow + 1)); // repeated: ignored
  CHECK(inbound.queued() == 0);

  auto outbound = gossip.new_peer(false, kNow);
  CHECK_FALSE(gossip.on_getaddr(outbound, kLocal, kNow));

  // Another connection through the same local address within the day gets the same answer.
  auto other = gossip.new_peer(true, kNow);
  REQUIRE(gossip.on_getaddr(other, kLocal, kNow + 3'600));
  auto again = other.take_to_send();
  auto key = [](const std::vector<wire::AddressEntry>& v) {
    std::set<std::pair<Bytes, std::uint16_t>> s;
    for (const auto& e : v) s.insert({e.address.bytes, e.port});
    return s;
  };
  CHECK(key(again) == key(sent));
  // Two days later the cached answer has expired.
  auto later = gossip.new_peer(true, kNow);
  REQUIRE(gossip.on_getaddr(later, kLocal, kNow + 2 * kDay));
  CHECK(key(later.take_to_send()) != key(sent));
}

TEST_CASE("getaddr answers leave out what a peer without addrv2 cannot decode") {
  AddrBook book(options());
  book.add(std::vector{entry(of_network(wire::NetworkId::torv3, 1))}, kPeer, kNow);
  for (std::uint32_t i = 0; i < 40; ++i)
    book.add(std::vector{entry(of_network(wire::NetworkId::torv3, static_cast<std::uint8_t>(i)))},
             ipv4_n((i + 90) << 16 | 1), kNow);
  AddrGossip gossip(book, 1);
  auto v1 = gossip.new_peer(true, kNow);
  REQUIRE(gossip.on_getaddr(v1, kLocal, kNow));
  CHECK(v1.take_to_send().empty());
  auto v2 = gossip.new_peer(true, kNow);
  v2.set_wants_addrv2(true);
  REQUIRE(gossip.on_getaddr(v2, ipv4(9, 9, 9, 9), kNow));
  CHECK_FALSE(v2.take_to_send().empty());
}

TEST_CASE("fresh addresses from small messages are relayed; answers and old news are not") {
  AddrBook book(options());
  AddrGossip gossip(book, 1);
  auto peer2 = gossip.new_peer(true, kNow);
  peer2.refill(kNow + 10'000); // plenty of tokens
  auto r = gossip.on_addr(peer2, many(3, 10, kNow + 10'000 - 60), kPeer, kNow + 10'000);
  CHECK(r.to_relay.size() == 3);
  // Older than ten minutes: stored, not relayed.
  r = gossip.on_addr(peer2, many(3, 20, kNow + 10'000 - 3'600), kPeer, kNow + 10'000);
  CHECK(r.stored == 3);
  CHECK(r.to_relay.empty());
  // More than ten in one message: an answer to someone's getaddr, not news.
  auto peer3 = gossip.new_peer(true, kNow);
  peer3.refill(kNow + 100'000);
  r = gossip.on_addr(peer3, many(11, 30, kNow + 100'000 - 60), kPeer, kNow + 100'000);
  CHECK(r.stored == 11);
  CHECK(r.to_relay.empty());
  // The answer to our own getaddr is never relayed.
  auto peer4 = gossip.new_peer(false, kNow);
  peer4.on_getaddr_sent();
  r = gossip.on_addr(peer4, many(2, 50, kNow - 60), kPeer, kNow);
  CHECK(r.to_relay.empty());
  // Unroutable addresses are never relayed.
  auto peer5 = gossip.new_peer(true, kNow);
  peer5.refill(kNow + 100);
  r = gossip.on_addr(peer5, std::vector{entry(ipv4(192, 168, 0, 1), 8333, kNow + 50)}, kPeer,
                     kNow + 100);
  CHECK(r.to_relay.empty());
}

TEST_CASE("times from the future or before 1973 become five days ago") {
  AddrBook book(options());
  AddrGossip gossip(book, 1);
  auto peer = gossip.new_peer(false, kNow);
  peer.on_getaddr_sent();
  gossip.on_addr(
      peer,
      std::vector{entry(ipv4(1, 2, 3, 4), 8333, kNow + kDay), entry(ipv4(2, 3, 4, 5), 8333, 5)},
      kPeer, kNow);
  for (auto a : {ipv4(1, 2, 3, 4), ipv4(2, 3, 4, 5)}) {
    auto info = book.find(a, 8333);
    REQUIRE(info);
    CHECK(info->time == kNow - 5 * kDay - kGossipTimePenalty);
  }
}

TEST_CASE("addresses of nodes that serve no blocks are not stored") {
  AddrBook book(options());
  AddrGossip gossip(book, 1);
  auto peer = gossip.new_peer(false, kNow);
  peer.on_getaddr_sent();
  auto r = gossip.on_addr(peer,
                          std::vector{entry(ipv4(1, 2, 3, 4), 8333, kNow, 0),
                                      entry(ipv4(2, 3, 4, 5), 8333, kNow, kNodeWitness),
                                      entry(ipv4(3, 4, 5, 6), 8333, kNow, kNodeNetworkLimited)},
                          kPeer, kNow);
  CHECK(r.useless == 2);
  CHECK(r.stored == 1);
}

TEST_CASE("relay targets: two peers, stable for a day, never the origin") {
  AddrBook book(options());
  AddrGossip gossip(book, 7);
  std::vector<PeerId> peers;
  for (PeerId id = 1; id <= 20; ++id) peers.push_back(id);
  auto e = entry(ipv4(1, 2, 3, 4));
  auto first = gossip.relay_targets(e, peers, std::nullopt, kNow);
  CHECK(first.size() == 2);
  CHECK(first[0] != first[1]);
  CHECK(gossip.relay_targets(e, peers, std::nullopt, kNow + 60) ==
        first); // repeats reach no one new
  // Across days the targets rotate.
  std::set<PeerId> over_time;
  for (int day = 0; day < 30; ++day) {
    for (PeerId id : gossip.relay_targets(e, peers, std::nullopt, kNow + day * kDay))
      over_time.insert(id);
  }
  CHECK(over_time.size() > 6);
  // Different addresses go to different peers.
  std::set<PeerId> across;
  for (std::uint32_t i = 0; i < 50; ++i) {
    for (PeerId id : gossip.relay_targets(entry(ipv4_n(i << 16 | 1)), peers, std::nullopt, kNow))
      across.insert(id);
  }
  CHECK(across.size() > 15);
  // The origin never gets its own address back.
  for (std::uint32_t i = 0; i < 50; ++i) {
    auto to = gossip.relay_targets(entry(ipv4_n(i << 16 | 1)), peers, PeerId{3}, kNow);
    CHECK(std::find(to.begin(), to.end(), PeerId{3}) == to.end());
  }
  CHECK(gossip.relay_targets(e, std::vector<PeerId>{5}, std::nullopt, kNow) ==
        std::vector<PeerId>{5});
  CHECK(gossip.relay_targets(e, std::vector<PeerId>{5}, PeerId{5}, kNow).empty());
  // An unreachable network's address goes to one or two peers.
  std::map<std::size_t, int> sizes;
  for (std::uint8_t i = 0; i < 40; ++i) {
    sizes[gossip
              .relay_targets(entry(of_network(wire::NetworkId::torv3, i)), peers, std::nullopt,
                             kNow)
              .size()]++;
  }
  CHECK(sizes[1] > 0);
  CHECK(sizes[2] > 0);
}

TEST_CASE("send queue: known addresses are not sent back, the queue is bounded") {
  AddrBook book(options());
  AddrGossip gossip(book, 1);
  auto peer = gossip.new_peer(true, kNow);
  auto from_peer = entry(ipv4(1, 2, 3, 4));
  gossip.on_addr(peer, std::vector{from_peer}, kPeer, kNow);
  gossip.push(peer, from_peer); // it told us: never echo it back
  gossip.push(peer, entry(ipv4(2, 3, 4, 5)));
  gossip.push(peer, entry(of_network(wire::NetworkId::i2p, 3), 0)); // no addrv2: cannot decode
  auto sent = peer.take_to_send();
  REQUIRE(sent.size() == 1);
  CHECK(sent[0].address == ipv4(2, 3, 4, 5));
  gossip.push(peer, entry(ipv4(2, 3, 4, 5))); // sent once: known now
  CHECK(peer.queued() == 0);

  for (auto& e : many(1'500, 100)) gossip.push(peer, e);
  CHECK(peer.queued() == kMaxAddrQueue);
  CHECK(peer.take_to_send().size() == kMaxAddrQueue);
}

TEST_CASE("the known-address set remembers at least the last 2,500") {
  KnownAddresses known(kKey);
  for (std::uint32_t i = 0; i < 10'000; ++i) {
    known.insert(ipv4_n(i), 8333);
    if (i >= 2'500) CHECK(known.contains(ipv4_n(i - 2'499), 8333));
  }
  CHECK(known.contains(ipv4_n(9'999), 8333));
  CHECK_FALSE(known.contains(ipv4_n(9'999), 8334));
  CHECK_FALSE(known.contains(ipv4_n(10), 8333)); // long forgotten
}
