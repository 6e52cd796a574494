// PeerManager over real loopback sockets.
#include <doctest/doctest.h>

#include <algorithm>
#include <thread>

#include "test_node.hpp"

using namespace peregrine;
using namespace peregrine::test;
using namespace std::chrono_literals;

namespace {

peer::PeerManagerConfig connecting_to(std::uint16_t port) {
  auto c = test_config();
  c.listen = false;
  c.connect = {fmt::format("127.0.0.1:{}", port)};
  return c;
}

} // namespace

TEST_CASE("two nodes connect, handshake, measure RTT with ping/pong and disconnect cleanly") {
  TestNode a;
  TestNode b(connecting_to(a.port()));
  REQUIRE(a.wait_for_ready_peers(1));
  REQUIRE(b.wait_for_ready_peers(1));

  auto seen_by_b = b.snapshot().at(0);
  CHECK(seen_by_b.type == peer::ConnectionType::manual);
  CHECK(seen_by_b.version.version == 70016);
  CHECK(seen_by_b.version.user_agent == "/Peregrine:0.1.0/");
  CHECK(seen_by_b.version.wtxid_relay);
  CHECK(seen_by_b.version.addrv2);
  CHECK(a.snapshot().at(0).type == peer::ConnectionType::inbound);

  // Each side pings on completing the handshake: RTTs appear.
  auto deadline = std::chrono::steady_clock::now() + 5s;
  while (std::chrono::steady_clock::now() < deadline && b.snapshot().at(0).rtt_ms < 0) {
    std::this_thread::sleep_for(10ms);
  }
  auto with_rtt = b.snapshot().at(0);
  CHECK(with_rtt.rtt_ms > 0);
  CHECK(with_rtt.rtt_ms < 1000);
  CHECK(with_rtt.bytes_sent > 0);
  CHECK(with_rtt.bytes_received > 0);
  CHECK(b.handler().ready_count() == 1);

  peer::PeerId id = with_rtt.id;
  b.call([id](peer::PeerManager& m) { m.disconnect(id, "test over"); return 0; });
  CHECK(b.logs().wait_for("disconnecting peer " + std::to_string(id) + " 127.0.0.1:" +
                          std::to_string(a.port()) + ": test over"));
  CHECK(a.wait_for_peer_count(0));
  CHECK_FALSE(a.logs().contains("bug:"));
  CHECK_FALSE(b.logs().contains("bug:"));
}

TEST_CASE("after the handshake: pings are answered, other messages go to the handler") {
  TestNode node;
  RawPeer raw(node.port());
  REQUIRE(raw.handshake());
  raw.send_message(wire::PingMessage{0x5eed});
  auto pong = raw.expect<wire::PongMessage>();
  REQUIRE(pong.has_value());
  CHECK(pong->nonce == 0x5eed);

  wire::GetHeadersMessage getheaders;
  getheaders.version = 70016;
  getheaders.locator = {Hash256{}};
  raw.send_message(getheaders);
  raw.send_message(wire::SendHeadersMessage{});
  raw.send_message(wire::InvMessage{});
  auto deadline = std::chrono::steady_clock::now() + 5s;
  while (std::chrono::steady_clock::now() < deadline && node.handler().commands().size() < 3) {
    std::this_thread::sleep_for(10ms);
  }
  // ping is the manager's own business; getheaders, sendheaders (announcements are the sync
  // layer's) and inv are the sync layer's.
  CHECK(node.handler().commands() == std::vector<std::string>{"getheaders", "sendheaders", "inv"});
}

TEST_CASE("held messages wait until released; pre-framed messages go out and are reported sent") {
  TestNode node;
  RawPeer raw(node.port());
  REQUIRE(raw.handshake());
  REQUIRE(node.wait_for_ready_peers(1));
  const peer::PeerId id = node.snapshot().at(0).id;
  const std::size_t before = node.handler().commands().size();

  node.call([&](peer::PeerManager& m) { m.hold_messages(id, true); return 0; });
  raw.send_message(wire::InvMessage{});
  raw.send_message(wire::PingMessage{0x77}); // held too: the manager's own messages wait as well
  std::this_thread::sleep_for(300ms);
  CHECK(node.handler().commands().size() == before);

  node.call([&](peer::PeerManager& m) { m.hold_messages(id, false); return 0; });
  CHECK(eventually([&] { return node.handler().commands().size() == before + 1; }));
  auto pong = raw.expect<wire::PongMessage>();
  REQUIRE(pong.has_value());
  CHECK(pong->nonce == 0x77);

  const std::size_t sent_before = node.handler().sent_bytes();
  Bytes frame = wire::encode_message(kRegtestMagic, wire::Message{wire::PingMessage{0x99}});
  const std::size_t frame_size = frame.size();
  node.call([&](peer::PeerManager& m) { m.send_frame(id, std::move(frame)); return 0; });
  auto ping = raw.expect<wire::PingMessage>();
  REQUIRE(ping.has_value());
  CHECK(ping->nonce == 0x99);
  CHECK(eventually([&] { return node.handler().sent_bytes() >= sent_before + frame_size; }));
  CHECK(node.call([&](peer::PeerManager& m) { return m.send_queue_bytes(id); }) == 0);
}

TEST_CASE("a peer over its send budget is read again as soon as its queue drains, not at the next tick") {
  auto config = test_config();
  config.timeouts.tick = 60s; // the tick cannot be what recovers it here
  config.limits.send_queue_soft = 1'000'000;
  TestNode node(config);
  RawPeer slow(node.port());
  REQUIRE(slow.handshake());
  REQUIRE(node.wait_for_ready_peers(1));
  const peer::PeerId id = node.snapshot().at(0).id;
  wire::Block big;
  wire::Transaction tx;
  tx.inputs.push_back(wire::TxIn{});
  tx.outputs.push_back(wire::TxOut{0, Bytes(500'000, 0x6a)});
  big.txs.push_back(tx);
  int sent = 0;
  for (; sent < 100 && !node.logs().contains("degraded: send queue over budget"); ++sent) {
    node.call([&](peer::PeerManager& m) { m.send(id, wire::BlockMessage{big}); return 0; });
    std::this_thread::sleep_for(10ms);
  }
  REQUIRE(node.logs().contains("degraded: send queue over budget"));
  for (int i = 0; i < sent; ++i) REQUIRE(slow.expect<wire::BlockMessage>().has_value());
  CHECK(node.logs().wait_for("recovered", 5s));
  CHECK(node.snapshot().at(0).state == peer::PeerState::active);
}

TEST_CASE("a --connect target that refuses is retried with growing backoff") {
  std::uint16_t closed_port;
  {
    peer::asio::io_context io;
    peer::tcp::acceptor probe(io, peer::tcp::endpoint(peer::asio::ip::make_address("127.0.0.1"), 0));
    closed_port = probe.local_endpoint().port();
  }
  auto config = connecting_to(closed_port);
  config.timeouts.reconnect_min = 100ms;
  config.timeouts.reconnect_max = 10s;
  TestNode node(config);
  std::this_thread::sleep_for(1600ms);
  auto lines = node.logs().lines();
  auto attempts = std::count_if(lines.begin(), lines.end(), [](const std::string& l) {
    return l.find("connect failed") != std::string::npos;
  });
  // 100 ms doubling: attempts at about 0, 0.2, 0.6 and 1.4 s; a fixed 100 ms would give 16.
  CHECK(attempts >= 3);
  CHECK(attempts <= 5);
}

TEST_CASE("block download can mark a peer degraded and recovered") {
  TestNode node;
  RawPeer raw(node.port());
  REQUIRE(raw.handshake());
  REQUIRE(node.wait_for_ready_peers(1));
  peer::PeerId id = node.snapshot().at(0).id;
  node.call([id](peer::PeerManager& m) { m.set_degraded(id, true, "stalling block 123"); return 0; });
  auto degraded = node.snapshot().at(0);
  CHECK(degraded.state == peer::PeerState::degraded);
  CHECK(degraded.degrade_reason == "stalling block 123");
  node.call([id](peer::PeerManager& m) { m.set_degraded(id, false, ""); return 0; });
  CHECK(node.snapshot().at(0).state == peer::PeerState::active);
}

TEST_CASE("a full node evicts an unprotected inbound peer, a discouraged one first") {
  auto config = test_config();
  config.outbound_full = 0;
  config.outbound_block_relay = 0;
  config.max_connections = 11; // one slot is kept for a feeler: 10 inbound
  TestNode node(config);
  node.call([](peer::PeerManager& m) { m.discouraged().add(*peer::parse_ip("127.0.0.30")); return 0; });
  std::vector<std::unique_ptr<RawPeer>> raws;
  for (int i = 0; i < 10; ++i) {
    // The ninth comes from the discouraged address: let in while slots are free, marked to go first.
    raws.push_back(std::make_unique<RawPeer>(node.port(), i == 8 ? "127.0.0.30" : "127.0.0.1"));
    REQUIRE(raws.back()->handshake(100 + i));
  }
  REQUIRE(node.wait_for_ready_peers(10));
  auto peers = node.snapshot();
  std::sort(peers.begin(), peers.end(), [](const auto& x, const auto& y) { return x.id < y.id; });
  peer::PeerId marked = peers[8].id;
  REQUIRE(peers[8].address.starts_with("127.0.0.30:"));

  // Without the mark the youngest of the crowded group (the tenth) would go.
  RawPeer newcomer(node.port());
  REQUIRE(newcomer.handshake(999));
  CHECK(raws[8]->wait_closed());
  CHECK(node.logs().wait_for("disconnecting peer " + std::to_string(marked)));
  CHECK(node.wait_for_ready_peers(10));
}

TEST_CASE("a discouraged address gets an inbound slot only while more than one is free") {
  auto config = test_config();
  config.outbound_full = 0;
  config.outbound_block_relay = 0;
  config.max_connections = 4; // 3 inbound slots
  TestNode node(config);
  node.call([](peer::PeerManager& m) { m.discouraged().add(*peer::parse_ip("127.0.0.31")); return 0; });
  RawPeer first(node.port(), "127.0.0.1");
  REQUIRE(first.handshake(1));
  REQUIRE(node.wait_for_ready_peers(1));
  {
    RawPeer discouraged(node.port(), "127.0.0.31"); // 1 + 1 < 3: accepted
    CHECK(discouraged.handshake(2));
    REQUIRE(node.wait_for_ready_peers(2));
  }
  REQUIRE(node.wait_for_peer_count(1));
  RawPeer second(node.port(), "127.0.0.1");
  REQUIRE(second.handshake(3));
  REQUIRE(node.wait_for_ready_peers(2));
  RawPeer refused(node.port(), "127.0.0.31"); // 2 + 1 >= 3: refused, though a slot is free
  CHECK(refused.wait_closed());
  CHECK(node.logs().wait_for("refused inbound 127.0.0.31"));
  RawPeer welcome(node.port(), "127.0.0.32"); // anyone else takes that slot
  CHECK(welcome.handshake(4));
}

TEST_CASE("a peer that stops reading is degraded, then dropped when its send queue passes the limit") {
  auto config = test_config();
  config.limits.send_queue_soft = 1'000'000;
  config.limits.send_queue_hard = 3'000'000;
  TestNode node(config);
  RawPeer good(node.port(), "127.0.0.15");
  REQUIRE(good.handshake(1));
  RawPeer deaf(node.port(), "127.0.0.16");
  REQUIRE(deaf.handshake(2)); // and never reads again
  REQUIRE(node.wait_for_ready_peers(2));
  auto peers = node.snapshot();
  auto it = std::find_if(peers.begin(), peers.end(), [](auto& p) { return p.address.starts_with("127.0.0.16:"); });
  REQUIRE(it != peers.end());
  peer::PeerId id = it->id;

  wire::Block big;
  wire::Transaction tx;
  tx.inputs.push_back(wire::TxIn{});
  tx.outputs.push_back(wire::TxOut{0, Bytes(1'000'000, 0x6a)});
  big.txs.push_back(tx);
  // One message at a time, so the kernel's socket buffers fill before our queue does.
  for (int i = 0; i < 200 && !node.logs().contains("send queue over 3000000 bytes"); ++i) {
    node.call([&](peer::PeerManager& m) { m.send(id, wire::BlockMessage{big}); return 0; });
    std::this_thread::sleep_for(20ms);
  }
  CHECK(node.logs().contains("degraded: send queue over budget"));
  CHECK(node.logs().wait_for("send queue over 3000000 bytes"));
  CHECK(node.wait_for_ready_peers(1));
  good.send_message(wire::PingMessage{42});
  auto pong = good.expect<wire::PongMessage>();
  REQUIRE(pong.has_value());
  CHECK(pong->nonce == 42);
}
