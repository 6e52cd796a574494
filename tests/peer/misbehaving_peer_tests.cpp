// In-process misbehaving peers on loopback, each met with Bitcoin Core's outcome (doc/peer.md).
// Each attacker connects from its own 127.0.0.N; these tests narrow "local" to 127.0.0.1 so the
// others stand for remote addresses that can be discouraged, while a well-behaved peer on
// 127.0.0.1 must keep being served.
#include <doctest/doctest.h>

#include <cstring>
#include <ctime>
#include <filesystem>
#include <thread>

#include "test_node.hpp"
#include "util/hex.hpp"
#include "wire/compact_size.hpp"
#include "wire/framing.hpp"
#include "wire/writer.hpp"

using namespace peregrine;
using namespace peregrine::test;
using namespace std::chrono_literals;

namespace {

constexpr wire::Magic kMainMagic = {0xf9, 0xbe, 0xb4, 0xd9};

// The peer gets the pong for this nonce (after any it was owed before).
bool answered(RawPeer& peer, std::uint64_t nonce) {
  peer.send_message(wire::PingMessage{nonce});
  auto deadline = std::chrono::steady_clock::now() + 10s;
  while (std::chrono::steady_clock::now() < deadline) {
    auto pong = peer.expect<wire::PongMessage>(10s);
    if (!pong) return false;
    if (pong->nonce == nonce) return true;
  }
  return false;
}

void check_still_serving(RawPeer& good, std::uint64_t nonce) { CHECK(answered(good, nonce)); }

Bytes header_with(std::string_view command_bytes, std::uint32_t length, ByteSpan payload) {
  Bytes frame = wire::frame_message(kRegtestMagic, "ping", payload);
  std::memset(frame.data() + 4, 0, 12);
  std::memcpy(frame.data() + 4, command_bytes.data(), std::min<std::size_t>(command_bytes.size(), 12));
  std::memcpy(frame.data() + 16, &length, 4);
  return frame;
}

// A list message with `count` items of `item_size` zero bytes after `prefix` bytes.
Bytes list_frame(std::string_view command, std::size_t prefix, std::uint64_t count, std::size_t item_size,
                 std::size_t suffix = 0) {
  Bytes payload(prefix, 0);
  wire::Writer w(payload);
  wire::write_compact_size(w, count);
  payload.resize(payload.size() + static_cast<std::size_t>(count) * item_size + suffix, 0);
  return wire::frame_message(kRegtestMagic, command, payload);
}

peer::PeerManagerConfig narrow_local(peer::PeerManagerConfig config = test_config()) {
  config.local_address = [](const wire::NetAddress& a) { return a == *peer::parse_ip("127.0.0.1"); };
  return config;
}

bool discouraged(TestNode& node, const char* ip) {
  return node.call([&](peer::PeerManager& m) { return m.discouraged().contains(*peer::parse_ip(ip)); });
}

struct Attack {
  const char* name;
  const char* from;
  std::function<void(RawPeer&)> run;
  const char* offence; // as logged
  bool handshake_first;
  bool closed;
  bool discouraged;
};

} // namespace

TEST_CASE("each misbehaving peer meets Core's outcome: discouraged, disconnected, or its message dropped") {
  TestNode node(narrow_local());
  RawPeer good(node.port(), "127.0.0.1");
  REQUIRE(good.handshake(1));

  const Attack attacks[] = {
      // The stream cannot be followed: disconnect, no discouragement.
      {"wrong magic", "127.0.0.2",
       [](RawPeer& p) { p.send_bytes(wire::frame_message(kMainMagic, "version", Bytes(100, 0))); },
       "wrong-magic", false, true, false},
      {"length over 4 MB", "127.0.0.4",
       [](RawPeer& p) { p.send_bytes(header_with("block", 4'000'001, Bytes(8, 0))); },
       "oversized-message", true, true, false},
      // Undecodable messages: dropped with a log line, the connection kept.
      {"bad checksum", "127.0.0.3",
       [](RawPeer& p) {
         Bytes frame = wire::encode_message(kRegtestMagic, wire::PingMessage{7});
         frame[20] ^= 0xff;
         p.send_bytes(frame);
       },
       "bad-checksum", true, false, false},
      {"a 2^32 CompactSize", "127.0.0.5",
       [](RawPeer& p) { p.send_bytes(list_frame("inv", 0, std::uint64_t{1} << 32, 0)); },
       "malformed-payload", true, false, false},
      {"garbage command", "127.0.0.6",
       [](RawPeer& p) { p.send_bytes(header_with("\x01\xfe\x7f", 3, Bytes(3, 0x55))); },
       "bad-command", true, false, false},
      // A flood is throttled (reading pauses), never punished; every ping is answered.
      {"flood of 2,500 pings", "127.0.0.7",
       [](RawPeer& p) {
         Bytes flood;
         for (int i = 0; i < 2'500; ++i) {
           Bytes ping = wire::encode_message(kRegtestMagic, wire::PingMessage{static_cast<std::uint64_t>(i)});
           flood.insert(flood.end(), ping.begin(), ping.end());
         }
         p.send_bytes(flood);
       },
       nullptr, true, false, false},
      // Lists over their limits: discouraged; a long locator only disconnects.
      {"inv of 50,001", "127.0.0.12", [](RawPeer& p) { p.send_bytes(list_frame("inv", 0, 50'001, 36)); },
       "oversized-inv", true, true, true},
      {"getdata of 50,001", "127.0.0.13", [](RawPeer& p) { p.send_bytes(list_frame("getdata", 0, 50'001, 36)); },
       "oversized-inv", true, true, true},
      {"headers of 2,001", "127.0.0.14", [](RawPeer& p) { p.send_bytes(list_frame("headers", 0, 2'001, 81)); },
       "oversized-headers", true, true, true},
      {"addr of 1,001", "127.0.0.15", [](RawPeer& p) { p.send_bytes(list_frame("addr", 0, 1'001, 30)); },
       "oversized-addr", true, true, true},
      {"getheaders locator of 102", "127.0.0.16",
       [](RawPeer& p) { p.send_bytes(list_frame("getheaders", 4, 102, 32, 32)); }, "oversized-locator", true,
       true, false},
      // Handshake oddities are ignored; a feature message after verack disconnects.
      {"ping before version", "127.0.0.17", [](RawPeer& p) { p.send_message(wire::PingMessage{1}); },
       "handshake-violation", false, false, false},
      {"second version", "127.0.0.18",
       [](RawPeer& p) {
         wire::VersionMessage v;
         v.version = 70016;
         p.send_message(v);
       },
       "handshake-violation", true, false, false},
      {"wtxidrelay after verack", "127.0.0.19", [](RawPeer& p) { p.send_message(wire::WtxidRelayMessage{}); },
       "late-feature-message", true, true, false},
  };

  std::uint64_t nonce = 100;
  for (const auto& attack : attacks) {
    CAPTURE(attack.name);
    RawPeer attacker(node.port(), attack.from);
    if (attack.handshake_first) REQUIRE(attacker.handshake(++nonce));
    attack.run(attacker);
    if (attack.offence) CHECK(node.logs().wait_for(fmt::format("{}:", attack.offence)));
    if (attack.closed) {
      CHECK(attacker.wait_closed());
    } else if (attack.handshake_first) {
      CHECK(answered(attacker, ++nonce)); // still connected and served
    } else {
      REQUIRE(attacker.handshake(++nonce)); // the early message changed nothing
    }
    CHECK(discouraged(node, attack.from) == attack.discouraged);
    if (attack.discouraged) CHECK(node.logs().wait_for(fmt::format("discouraged {}:", attack.from)));
    check_still_serving(good, ++nonce);
  }
  CHECK_FALSE(node.logs().contains("bug:"));
  CHECK(node.call([](peer::PeerManager& m) { return m.bans().active(std::time(nullptr)).size(); }) == 0);
}

TEST_CASE("a local peer sending headers with count 2^32-1: its message dropped, nothing banned or discouraged") {
  TestNode node; // Core's own rule: all of 127.0.0.0/8 is local
  RawPeer local(node.port(), "127.0.0.1");
  REQUIRE(local.handshake(1));
  local.send_bytes(list_frame("headers", 0, 0xffffffff, 0));
  CHECK(node.logs().wait_for("malformed-payload:"));
  CHECK(answered(local, 2));
  CHECK_FALSE(discouraged(node, "127.0.0.1"));
  CHECK(node.call([](peer::PeerManager& m) { return m.bans().active(std::time(nullptr)).size(); }) == 0);
  RawPeer later(node.port(), "127.0.0.1"); // later local connections are welcome
  CHECK(later.handshake(3));
}

TEST_CASE("Core's exceptions: local peers are disconnected, not discouraged; manual peers are not punished") {
  TestNode node; // Core's local rule
  RawPeer local(node.port(), "127.0.0.1");
  REQUIRE(local.handshake(1));
  REQUIRE(node.wait_for_ready_peers(1));
  peer::PeerId id = node.snapshot().at(0).id;
  node.call([id](peer::PeerManager& m) { m.misbehaving(id, peer::Offence::invalid_block, "test"); return 0; });
  CHECK(local.wait_closed());
  CHECK(node.logs().contains("disconnecting but not discouraging local"));
  CHECK_FALSE(discouraged(node, "127.0.0.1"));
  RawPeer again(node.port(), "127.0.0.1");
  CHECK(again.handshake(2));

  TestNode target;
  auto config = narrow_local();
  config.listen = false;
  config.connect = {fmt::format("127.0.0.1:{}", target.port())};
  TestNode manual(config);
  REQUIRE(manual.wait_for_ready_peers(1));
  auto peer = manual.snapshot().at(0);
  REQUIRE(peer.type == peer::ConnectionType::manual);
  manual.call([&](peer::PeerManager& m) { m.misbehaving(peer.id, peer::Offence::invalid_pow_headers, "test"); return 0; });
  CHECK(manual.logs().contains("not punishing manually connected"));
  auto after = manual.snapshot();
  REQUIRE(after.size() == 1);
  CHECK(after[0].id == peer.id);
  CHECK(after[0].state == peer::PeerState::active);
  CHECK_FALSE(discouraged(manual, "127.0.0.1"));
}

TEST_CASE("blocks do not count toward the message flood limit") {
  // During initial sync a peer answers our getdata with thousands of small blocks a second.
  TestNode node;
  RawPeer peer(node.port(), "127.0.0.11");
  REQUIRE(peer.handshake(7));
  wire::Block block; // decodes; whether it is valid is for the layer above
  block.txs.resize(1);
  block.txs[0].inputs.resize(1);
  block.txs[0].inputs[0].prevout.index = wire::OutPoint::kNullIndex;
  block.txs[0].inputs[0].script_sig = {0x51, 0x51};
  block.txs[0].outputs.resize(1);
  block.txs[0].outputs[0].script_pubkey = {0x51};
  const Bytes one = wire::encode_message(kRegtestMagic, wire::BlockMessage{block});
  Bytes blocks;
  for (int i = 0; i < 5'000; ++i) blocks.insert(blocks.end(), one.begin(), one.end());
  peer.send_bytes(blocks);
  check_still_serving(peer, 8);
  CHECK(eventually([&] { return node.handler().commands().size() >= 5'000; }));
  CHECK_FALSE(node.logs().contains("misbehaving"));
}

TEST_CASE("a slow-loris peer that dribbles a message is cut off") {
  TestNode node(narrow_local()); // frame timeout 1.5 s in tests
  RawPeer good(node.port(), "127.0.0.1");
  REQUIRE(good.handshake(1));
  RawPeer slow(node.port(), "127.0.0.8");
  REQUIRE(slow.handshake(2));
  Bytes frame = wire::encode_message(kRegtestMagic, wire::PingMessage{1});
  bool closed = false;
  for (std::size_t i = 0; i < frame.size() && !closed; ++i) {
    slow.send_bytes(ByteSpan(frame).subspan(i, 1));
    closed = slow.wait_closed(300ms);
  }
  CHECK(closed);
  CHECK(node.logs().contains("slow-message:"));
  CHECK_FALSE(discouraged(node, "127.0.0.8")); // disconnected only
  check_still_serving(good, 3);
}

TEST_CASE("a peer that never finishes the handshake is dropped at the handshake timeout") {
  TestNode node; // handshake timeout 3 s in tests
  RawPeer silent(node.port(), "127.0.0.9");
  CHECK(silent.wait_closed(6s));
  CHECK(node.logs().contains("handshake not done after 3000 ms"));
}

TEST_CASE("a connection to ourselves is recognised and dropped, without a ban") {
  auto config = test_config();
  TestNode probe; // find a free port, then make a node --connect to its own listening port
  config.listen_port = probe.port();
  config.connect = {fmt::format("127.0.0.1:{}", probe.port())};
  probe.call([](peer::PeerManager& m) { m.stop(); return 0; });
  std::this_thread::sleep_for(100ms);
  TestNode self(config);
  CHECK(self.logs().wait_for("is a connection to ourselves"));
  CHECK(self.logs().wait_for("connected to self"));
  bool banned = self.call([](peer::PeerManager& m) {
    return m.bans().is_banned(*peer::parse_ip("127.0.0.1"), std::time(nullptr));
  });
  CHECK_FALSE(banned);
}

TEST_CASE("an operator's ban survives a restart, discouragement does not; whitelisted peers are never punished") {
  auto dir = std::filesystem::temp_directory_path() / "peregrine_peer_ban_test";
  std::filesystem::remove_all(dir);
  std::filesystem::create_directories(dir);
  auto config = narrow_local();
  config.datadir = dir;
  config.whitelist = {*peer::Subnet::parse("127.0.0.11")};
  {
    TestNode node(config);
    node.call([](peer::PeerManager& m) {
      m.bans().ban(peer::Subnet::single(*peer::parse_ip("127.0.0.10")), std::time(nullptr), 3600, "setban RPC");
      return 0;
    });
    RawPeer banned(node.port(), "127.0.0.10");
    CHECK(banned.wait_closed());
    CHECK(node.logs().wait_for("refused inbound 127.0.0.10"));

    RawPeer friendly(node.port(), "127.0.0.11");
    REQUIRE(friendly.handshake(5));
    friendly.send_bytes(list_frame("headers", 0, 2'001, 81));
    CHECK(node.logs().wait_for("not punishing whitelisted"));
    CHECK(answered(friendly, 6));
    CHECK_FALSE(discouraged(node, "127.0.0.11"));

    RawPeer hostile(node.port(), "127.0.0.12");
    REQUIRE(hostile.handshake(7));
    hostile.send_bytes(list_frame("headers", 0, 2'001, 81));
    CHECK(hostile.wait_closed());
    CHECK(discouraged(node, "127.0.0.12"));
    // Nothing misbehaving ever reaches the ban list.
    CHECK(node.call([](peer::PeerManager& m) { return m.bans().active(std::time(nullptr)).size(); }) == 1);
  }
  config.listen_port = 0; // a fresh port; the ban list file is what carries over
  TestNode restarted(config);
  RawPeer again(restarted.port(), "127.0.0.10");
  CHECK(again.wait_closed());
  CHECK(restarted.logs().wait_for("refused inbound 127.0.0.10"));
  RawPeer forgiven(restarted.port(), "127.0.0.12"); // Core's filter is in memory only
  CHECK(forgiven.handshake(8));
  std::filesystem::remove_all(dir);
}
