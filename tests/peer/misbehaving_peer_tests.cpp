// In-process misbehaving peers on loopback. Each attacker connects from its own 127.0.0.N so a
// ban falls on it alone, while a well-behaved peer on 127.0.0.1 must keep being served.
#include <doctest/doctest.h>

#include <cstring>
#include <ctime>
#include <filesystem>
#include <thread>

#include "test_node.hpp"
#include "util/hex.hpp"
#include "wire/framing.hpp"

using namespace peregrine;
using namespace peregrine::test;
using namespace std::chrono_literals;

namespace {

constexpr wire::Magic kMainMagic = {0xf9, 0xbe, 0xb4, 0xd9};

// The good peer still gets answers.
void check_still_serving(RawPeer& good, std::uint64_t nonce) {
  good.send_message(wire::PingMessage{nonce});
  auto pong = good.expect<wire::PongMessage>();
  REQUIRE(pong.has_value());
  CHECK(pong->nonce == nonce);
}

Bytes header_with(std::string_view command_bytes, std::uint32_t length, ByteSpan payload) {
  Bytes frame = wire::frame_message(kRegtestMagic, "ping", payload);
  std::memset(frame.data() + 4, 0, 12);
  std::memcpy(frame.data() + 4, command_bytes.data(), std::min<std::size_t>(command_bytes.size(), 12));
  std::memcpy(frame.data() + 16, &length, 4);
  return frame;
}

struct Attack {
  const char* name;
  const char* from;
  std::function<void(RawPeer&)> run;
  const char* offence; // as logged
  bool handshake_first;
  bool banned;
};

} // namespace

TEST_CASE("each misbehaving peer is scored and disconnected, banned when the score says; others are served") {
  TestNode node;
  RawPeer good(node.port(), "127.0.0.1");
  REQUIRE(good.handshake(1));

  const Attack attacks[] = {
      {"wrong magic", "127.0.0.2",
       [](RawPeer& p) { p.send_bytes(wire::frame_message(kMainMagic, "version", Bytes(100, 0))); },
       "wrong-magic", false, true},
      {"bad checksum", "127.0.0.3",
       [](RawPeer& p) {
         Bytes frame = wire::encode_message(kRegtestMagic, wire::PingMessage{7});
         frame[20] ^= 0xff;
         p.send_bytes(frame);
       },
       "bad-checksum", true, false},
      {"length over 4 MB", "127.0.0.4",
       [](RawPeer& p) { p.send_bytes(header_with("block", 4'000'001, Bytes(8, 0))); },
       "oversized-message", true, true},
      {"a 2^32 CompactSize", "127.0.0.5",
       [](RawPeer& p) {
         Bytes payload = *util::from_hex("ff0000000001000000"); // inv with 2^32 items
         p.send_bytes(wire::frame_message(kRegtestMagic, "inv", payload));
       },
       "malformed-payload", true, true},
      {"garbage command", "127.0.0.6",
       [](RawPeer& p) { p.send_bytes(header_with("\x01\xfe\x7f", 0, {})); },
       "malformed-header", true, true},
      {"flood of 10,000 messages", "127.0.0.7",
       [](RawPeer& p) {
         Bytes flood;
         for (int i = 0; i < 10'000; ++i) {
           Bytes ping = wire::encode_message(kRegtestMagic, wire::PingMessage{static_cast<std::uint64_t>(i)});
           flood.insert(flood.end(), ping.begin(), ping.end());
         }
         p.send_bytes(flood);
       },
       "message-flood", true, true},
  };

  std::uint64_t nonce = 100;
  for (const auto& attack : attacks) {
    CAPTURE(attack.name);
    RawPeer attacker(node.port(), attack.from);
    if (attack.handshake_first) REQUIRE(attacker.handshake(++nonce));
    attack.run(attacker);
    CHECK(attacker.wait_closed());
    CHECK(node.logs().wait_for(fmt::format("misbehaved ({}", attack.offence)));
    bool banned = node.call([&](peer::PeerManager& m) {
      return m.bans().is_banned(*peer::parse_ip(attack.from), std::time(nullptr));
    });
    CHECK(banned == attack.banned);
    if (attack.banned) CHECK(node.logs().contains(fmt::format("banned {} for", attack.from)));
    check_still_serving(good, ++nonce);
  }
  CHECK(node.wait_for_ready_peers(1)); // only the good one is left
  CHECK_FALSE(node.logs().contains("bug:"));
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
  CHECK_FALSE(node.logs().contains("misbehaved"));
}

TEST_CASE("a slow-loris peer that dribbles a message is cut off") {
  TestNode node; // frame timeout 1.5 s in tests
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
  CHECK(node.logs().contains("misbehaved (slow-message"));
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

TEST_CASE("a ban survives a restart; whitelisted peers are never banned") {
  auto dir = std::filesystem::temp_directory_path() / "peregrine_peer_ban_test";
  std::filesystem::remove_all(dir);
  std::filesystem::create_directories(dir);
  auto config = test_config();
  config.datadir = dir;
  config.whitelist = {*peer::Subnet::parse("127.0.0.11")};
  {
    TestNode node(config);
    RawPeer attacker(node.port(), "127.0.0.10");
    attacker.send_bytes(wire::frame_message(kMainMagic, "version", Bytes(100, 0)));
    CHECK(attacker.wait_closed());
    CHECK(node.logs().wait_for("banned 127.0.0.10 for"));

    RawPeer friendly(node.port(), "127.0.0.11");
    friendly.send_bytes(wire::frame_message(kMainMagic, "version", Bytes(100, 0)));
    CHECK(friendly.wait_closed()); // the stream is broken either way
    CHECK(node.logs().wait_for("misbehaved (wrong-magic"));
    CHECK_FALSE(node.logs().contains("banned 127.0.0.11"));
  }
  config.listen_port = 0; // a fresh port; the ban list file is what carries over
  TestNode restarted(config);
  RawPeer again(restarted.port(), "127.0.0.10");
  CHECK(again.wait_closed());
  CHECK(restarted.logs().wait_for("refused inbound 127.0.0.10"));
  RawPeer friendly_again(restarted.port(), "127.0.0.11");
  CHECK(friendly_again.handshake(5));
  std::filesystem::remove_all(dir);
}
