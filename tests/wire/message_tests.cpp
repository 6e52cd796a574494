// Message dispatch, framing, the small fixed-size messages and version.
#include <doctest/doctest.h>

#include <string>
#include <variant>

#include "message_test_helpers.hpp"
#include "allocation_tracker.hpp"
#include "util/hex.hpp"
#include "wire/compact_size.hpp"
#include "wire/message.hpp"

using namespace peregrine;
using namespace peregrine::wire;
using namespace peregrine::test;

namespace {

// The real frames from the bitcodec capture (mainnet, a /Satoshi:22.0.0/ peer).
constexpr std::string_view kCapturedVersion =
    "f9beb4d976657273696f6e00000000006600000097302af5801101000904000000000000e57764610000000000"
    "0000000000000000000000000000000000ffff1fdf0364085e090400000000000000000000000000000000000000"
    "000000000072036dbc6d407f7f102f5361746f7368693a32322e302e302f26c00a0001";
constexpr std::string_view kCapturedVerack = "f9beb4d976657261636b000000000000000000005df6e0e2";
constexpr std::string_view kCapturedPing =
    "f9beb4d970696e6700000000000000000800000007fb26b6ed9801961797a5f1";
constexpr std::string_view kCapturedAlert =
    "f9beb4d9616c65727400000000000000a80000001bf9aaea60010000000000000000000000ffffff7f00000000ff"
    "ffff7ffeffff7f01ffffff7f00000000ffffff7f00ffffff7f002f555247454e543a20416c657274206b65792063"
    "6f6d70726f6d697365642c2075706772616465207265717569726564004630440220653febd6410f470f6bae11ca"
    "d19c48413becb1ac2c17f908fd0fd53bdc3abd5202206d0e9c96fe88d4a0f01ed9dedae2b6f9e00da94cad0fecaa"
    "e66ecf689bf71b50";
constexpr std::string_view kCapturedAddr =
    "f9beb4d96164647200000000000000001f0000000c30bcb501597a64610904000000000000000000000000000000"
    "00ffff9eb572c4208d";

VersionMessage full_version() {
  VersionMessage v;
  v.version = 70016;
  v.services = 0x409;
  v.timestamp = 1'700'000'000;
  v.addr_recv = ServiceAddress{0x9, NetAddress::ipv4({203, 0, 113, 7}), 8333};
  AddrV1Bytes v6{0x20, 0x01, 0x0d, 0xb8};
  v6[15] = 1;
  v.addr_from = ServiceAddress{0x408, NetAddress::ipv6(v6), 18333};
  v.nonce = 0x0123456789abcdef;
  v.user_agent = "/Peregrine:0.1.0/";
  v.start_height = 850'000;
  v.relay = false;
  return v;
}

} // namespace

TEST_CASE("the command list is the variant's, and unknown commands are typed errors") {
  CHECK(kMessageCommands.size() == std::variant_size_v<Message>);
  CHECK(kMessageCommands.front() == "version");
  for (std::string_view command : kMessageCommands) CHECK(is_valid_command(command));

  for (std::string_view command : {"alert", "tx", "mempool", "", "Version", "pingx"}) {
    DecodeError err = decode_error(command, {});
    CHECK(err.code == DecodeErrc::unknown_command);
    CHECK(err.field == "message.command");
  }
}

TEST_CASE("command_of names each alternative and encode_message frames the payload") {
  CHECK(command_of(Message{PingMessage{}}) == "ping");
  CHECK(command_of(Message{AddrV2Message{}}) == "addrv2");
  CHECK(command_of(Message{WtxidRelayMessage{}}) == "wtxidrelay");

  Message ping = PingMessage{0x1122334455667788};
  Bytes framed = encode_message(kMainMagic, ping);
  CHECK(framed.size() == kMessageHeaderSize + 8);
  Reader r(framed);
  auto frame = read_frame(r, kMainMagic);
  REQUIRE(frame.has_value());
  CHECK(frame->header.command == "ping");
  auto back = decode_message(frame->header.command, frame->payload);
  REQUIRE(back.has_value());
  CHECK(*back == ping);
}

TEST_CASE("captured mainnet frames decode; the obsolete alert is an unknown command") {
  for (std::string_view frame_hex : {kCapturedVersion, kCapturedVerack, kCapturedPing,
                                     kCapturedAlert, kCapturedAddr}) {
    Bytes frame_bytes = hex(frame_hex);
    Reader r(frame_bytes);
    auto frame = read_frame(r, kMainMagic);
    REQUIRE_MESSAGE(frame.has_value(), frame.error().message());
    CHECK(r.at_end());
    auto m = decode_message(frame->header.command, frame->payload);
    if (frame->header.command == "alert") {
      REQUIRE_FALSE(m.has_value());
      CHECK(m.error().code == DecodeErrc::unknown_command);
      continue;
    }
    REQUIRE_MESSAGE(m.has_value(), frame->header.command, ": ", m.error().message());
    CHECK(command_of(*m) == frame->header.command);
    // Core's own encoding: re-framing reproduces the capture byte for byte.
    CHECK(encode_message(kMainMagic, *m) == frame_bytes);
  }
}

TEST_CASE("the captured version message has the fields the capture documents") {
  Bytes frame = hex(kCapturedVersion);
  ByteSpan payload = ByteSpan(frame).subspan(kMessageHeaderSize);
  auto v = decode_ok<VersionMessage>(payload);
  CHECK(v.version == 70016);
  CHECK(v.services == 1033); // NODE_NETWORK | NODE_WITNESS | NODE_NETWORK_LIMITED
  CHECK(v.timestamp == 1633974245);
  CHECK(v.addr_recv.address.to_string() == "31.223.3.100");
  CHECK(v.addr_recv.port == 0x085e);
  CHECK(v.user_agent == "/Satoshi:22.0.0/");
  CHECK(v.start_height == 704550);
  CHECK(v.relay);
}

TEST_CASE("captured addr and ping carry the expected values") {
  Bytes frame = hex(kCapturedAddr);
  auto addr = decode_ok<AddrMessage>(ByteSpan(frame).subspan(kMessageHeaderSize));
  REQUIRE(addr.entries.size() == 1);
  CHECK(addr.entries[0].time == 0x61647a59);
  CHECK(addr.entries[0].services == 0x409);
  CHECK(addr.entries[0].address.to_string() == "158.181.114.196");
  CHECK(addr.entries[0].port == 8333);

  Bytes ping_frame = hex(kCapturedPing);
  auto ping = decode_ok<PingMessage>(ByteSpan(ping_frame).subspan(kMessageHeaderSize));
  CHECK(ping.nonce == 0xf1a59717960198ed);
}

TEST_CASE("payload-less messages decode from nothing and reject any byte") {
  Bytes one = {0x00};
  for (std::string_view command :
       {"verack", "sendheaders", "sendaddrv2", "getaddr", "wtxidrelay"}) {
    auto m = decode_message(command, {});
    REQUIRE(m.has_value());
    CHECK(command_of(*m) == command);
    CHECK(encode_payload(*m).empty());
    DecodeError err = decode_error(command, one);
    CHECK(err.code == DecodeErrc::trailing_bytes);
    CHECK(err.offset == 0);
  }
}

TEST_CASE("ping, pong, feefilter and sendcmpct: exact bytes, round trips, truncation, trailing") {
  Bytes ping = check_round_trip(PingMessage{0x0102030405060708});
  CHECK(ping == hex("0807060504030201"));
  check_round_trip(PongMessage{0xfedcba9876543210});
  Bytes fee = check_round_trip(FeeFilterMessage{1000});
  CHECK(fee == hex("e803000000000000"));
  check_round_trip(FeeFilterMessage{-1}); // a signed amount on the wire; policy is elsewhere
  Bytes cmpct = check_round_trip(SendCmpctMessage{true, 2});
  CHECK(cmpct == hex("01" "0200000000000000"));
  check_round_trip(SendCmpctMessage{false, 1});

  check_truncations("ping", ping);
  check_truncations("pong", ping);
  check_truncations("feefilter", fee);
  check_truncations("sendcmpct", cmpct);

  Bytes long_ping = ping;
  long_ping.push_back(0);
  DecodeError err = decode_error("ping", long_ping);
  CHECK(err.code == DecodeErrc::trailing_bytes);
  CHECK(err.offset == 8);
}

TEST_CASE("sendcmpct reads any non-zero byte as true, as Core reads a bool") {
  auto m = decode_ok<SendCmpctMessage>(hex("02" "0200000000000000"));
  CHECK(m.announce);
  CHECK(m.version == 2);
}

TEST_CASE("version: full round trip with every field") {
  VersionMessage v = full_version();
  Bytes payload = check_round_trip(v);
  // 4+8+8 + 26 + 26 + 8 + (1+17) + 4 + 1
  CHECK(payload.size() == 103);
  CHECK(payload.back() == 0x00); // relay false
  // Ports are big-endian: 8333 = 0x208d.
  CHECK(payload[44] == 0x20);
  CHECK(payload[45] == 0x8d);
}

TEST_CASE("version: each optional tail may be cut off and takes its default") {
  VersionMessage v = full_version();
  Bytes full = encode_payload(Message{v});
  constexpr std::size_t kAfterAddrRecv = 46, kAfterNonce = 80;
  const std::size_t after_agent = kAfterNonce + 1 + v.user_agent.size();
  const std::size_t after_height = after_agent + 4;

  auto cut = [&](std::size_t n) { return decode_ok<VersionMessage>(ByteSpan(full).first(n)); };

  VersionMessage a = cut(kAfterAddrRecv);
  CHECK(a.addr_recv == v.addr_recv);
  CHECK(a.addr_from == ServiceAddress{});
  CHECK(a.nonce == 0);
  CHECK(a.user_agent.empty());
  CHECK(a.start_height == 0);
  CHECK(a.relay); // BIP37: relay defaults to true

  VersionMessage b = cut(kAfterNonce);
  CHECK(b.addr_from == v.addr_from);
  CHECK(b.nonce == v.nonce);
  CHECK(b.user_agent.empty());
  CHECK(b.relay);

  VersionMessage c = cut(after_agent);
  CHECK(c.user_agent == v.user_agent);
  CHECK(c.start_height == 0);
  CHECK(c.relay);

  VersionMessage d = cut(after_height);
  CHECK(d.start_height == v.start_height);
  CHECK(d.relay);

  // A cut version re-encodes with all fields, which decode to the same object.
  Bytes reencoded = encode_payload(Message{a});
  CHECK(reencoded.size() == kAfterNonce + 1 + 4 + 1);
  CHECK(decode_ok<VersionMessage>(reencoded) == a);

  // Any other prefix ends inside a field.
  for (std::size_t n = 0; n < full.size(); ++n) {
    if (n == kAfterAddrRecv || n == kAfterNonce || n == after_agent || n == after_height) continue;
    auto m = decode_message("version", ByteSpan(full).first(n));
    REQUIRE_MESSAGE(!m.has_value(), "prefix ", n);
    CHECK(m.error().code == DecodeErrc::truncated);
  }
}

TEST_CASE("version: bytes after relay are ignored, as Core ignores future fields") {
  VersionMessage v = full_version();
  Bytes payload = encode_payload(Message{v});
  payload.insert(payload.end(), {0xde, 0xad, 0xbe, 0xef});
  CHECK(decode_ok<VersionMessage>(payload) == v);
}

TEST_CASE("version: user agent of 256 bytes is accepted, 257 is size_too_large") {
  VersionMessage v = full_version();
  v.user_agent.assign(kMaxUserAgentSize, 'a');
  check_round_trip(v);

  v.user_agent.push_back('a');
  Bytes payload = encode_payload(Message{v});
  DecodeError err = decode_error("version", payload);
  CHECK(err.code == DecodeErrc::size_too_large);
  CHECK(err.field == "version.user_agent");
  CHECK(err.offset == 80);
}

TEST_CASE("a forged count with nothing behind it allocates nothing large") {
  struct Case {
    std::string_view command;
    Bytes payload;
  };
  Bytes hash(32, 0x11);
  auto with_prefix = [](Bytes prefix, Bytes rest) {
    prefix.insert(prefix.end(), rest.begin(), rest.end());
    return prefix;
  };
  std::vector<Case> cases = {
      {"inv", hex("fd50c3")},          // 50,000 items
      {"getdata", hex("fd50c3")},
      {"headers", hex("fdd007")},      // 2,000 headers
      {"addr", hex("fde803")},         // 1,000 entries
      {"addrv2", hex("fde803")},
      {"getheaders", hex("0000000065")}, // 101 hashes
      {"getblocks", hex("0000000065")},
      {"blocktxn", with_prefix(hash, hex("fe00000002"))},    // 2^25 transactions
      {"getblocktxn", with_prefix(hash, hex("fe00000100"))}, // 65,536 indexes
      {"block", with_prefix(Bytes(80, 0), hex("fe00000002"))},
      {"cmpctblock", with_prefix(Bytes(88, 0), hex("fdffff"))}, // 65,535 short ids
      {"cmpctblock", with_prefix(Bytes(88, 0), hex("00fdffff"))}, // 65,535 prefilled
  };
  for (const auto& c : cases) {
    test::AllocationScope scope;
    DecodeError err = decode_error(c.command, c.payload);
    CHECK_MESSAGE(err.code == DecodeErrc::truncated, c.command);
    CHECK_MESSAGE(scope.largest() < 1024, c.command, " allocated ", scope.largest());
  }
}
