// addr (16-byte addresses) and addrv2 (BIP155).
#include <doctest/doctest.h>

#include <limits>
#include <variant>

#include "message_test_helpers.hpp"
#include "util/hex.hpp"
#include "wire/compact_size.hpp"
#include "wire/message.hpp"

using namespace peregrine;
using namespace peregrine::wire;
using namespace peregrine::test;

namespace {

NetAddress address(NetworkId net, std::size_t size, std::uint8_t fill) {
  NetAddress a;
  a.network = static_cast<std::uint8_t>(net);
  a.bytes.assign(size, fill);
  for (std::size_t i = 0; i < size; ++i) a.bytes[i] = static_cast<std::uint8_t>(fill + i);
  return a;
}

std::vector<AddressEntry> v1_entries(std::size_t n) {
  std::vector<AddressEntry> entries;
  for (std::size_t i = 0; i < n; ++i) {
    auto k = static_cast<std::uint8_t>(i);
    NetAddress a = i % 2 ? NetAddress::ipv4({10, k, 1, 2}) : address(NetworkId::ipv6, 16, k);
    a.bytes[0] = i % 2 ? a.bytes[0] : 0x20; // keep IPv6 ones out of the IPv4-mapped range
    entries.push_back({static_cast<std::uint32_t>(1'700'000'000 + i), 0x409, a,
                       static_cast<std::uint16_t>(8333 + i)});
  }
  return entries;
}

// One addrv2 entry with the given network byte and address length.
Bytes addrv2_with(std::uint8_t network, std::size_t length) {
  Bytes out = hex("01" "00000000" "01"); // count 1, time 0, services 1
  out.push_back(network);
  Writer w(out);
  write_compact_size(w, length);
  out.resize(out.size() + length, 0x42);
  out.insert(out.end(), {0x20, 0x8d});
  return out;
}

constexpr std::size_t kAddrV2LengthOffset = 1 + 4 + 1 + 1;

} // namespace

TEST_CASE("addr: IPv4 and IPv6 entries round-trip; IPv4 travels IPv4-mapped") {
  AddrMessage m{v1_entries(6)};
  Bytes payload = check_round_trip(m);
  CHECK(payload.size() == 1 + 6 * 30);
  // Entry 1 is IPv4 10.1.1.2: ::ffff:10.1.1.2 then port 8334 big-endian.
  const std::size_t e1 = 1 + 30;
  CHECK(Bytes(payload.begin() + e1 + 12, payload.begin() + e1 + 30) ==
        hex("00000000000000000000ffff0a010102208e"));
  auto back = decode_ok<AddrMessage>(payload);
  CHECK(back.entries[1].address.is(NetworkId::ipv4));
  CHECK(back.entries[0].address.is(NetworkId::ipv6));
  check_truncations("addr", payload);
}

TEST_CASE("addr: 1,000 entries accepted, 1,001 is count_too_large") {
  AddrMessage m{v1_entries(kMaxAddrToSend)};
  CHECK(decode_ok<AddrMessage>(encode_payload(Message{m})).entries.size() == kMaxAddrToSend);
  m.entries.push_back(m.entries.front());
  DecodeError err = decode_error("addr", encode_payload(Message{m}));
  CHECK(err.code == DecodeErrc::count_too_large);
  CHECK(err.field == "addr.count");
  CHECK(err.offset == 0);
}

TEST_CASE("addr: an address with no 16-byte form encodes as the zero address") {
  AddrMessage m{{AddressEntry{1, 1, address(NetworkId::torv3, 32, 1), 9050}}};
  Bytes payload = encode_payload(Message{m});
  CHECK(payload.size() == 31);
  auto back = decode_ok<AddrMessage>(payload);
  CHECK(back.entries[0].address == NetAddress{});
  CHECK(back.entries[0].port == 9050);
}

TEST_CASE("addrv2: every network round-trips, unknown ones kept as received") {
  AddrV2Message m;
  m.entries = {
      {1'700'000'000, 0x409, NetAddress::ipv4({1, 2, 3, 4}), 8333},
      {1'700'000'001, 0, address(NetworkId::ipv6, 16, 0x20), 8333},
      {1'700'000'002, 0x8, address(NetworkId::torv3, 32, 0x50), 9050},
      {1'700'000'003, 0x1, address(NetworkId::i2p, 32, 0x60), 0},
      {1'700'000'004, 0xfd, address(NetworkId::cjdns, 16, 0xfc), 8333},
      {1'700'000'005, 0x10000, address(NetworkId::torv2, 10, 0x70), 8333},
      {1'700'000'006, std::numeric_limits<std::uint64_t>::max(), NetAddress{42, Bytes(7, 9)}, 1},
  };
  Bytes payload = check_round_trip(m);
  // First entry: time, services 0x409 as CompactSize fd0904, IPv4 id 1, length 4, bytes, port.
  CHECK(Bytes(payload.begin(), payload.begin() + 1 + 4 + 3 + 1 + 1 + 4 + 2) ==
        hex("07" "00f15365" "fd0904" "01" "04" "01020304" "208d"));
  auto back = decode_ok<AddrV2Message>(payload);
  CHECK(back.entries[6].address.network == 42);
  CHECK(back.entries[6].services == std::numeric_limits<std::uint64_t>::max());
  check_truncations("addrv2", payload);
  check_round_trip(AddrV2Message{});
}

TEST_CASE("addrv2: 1,000 entries accepted, 1,001 is count_too_large") {
  AddrV2Message m;
  for (std::uint32_t i = 0; i < kMaxAddrToSend; ++i) {
    m.entries.push_back({i, 1, address(NetworkId::torv3, 32, static_cast<std::uint8_t>(i)), 8333});
  }
  CHECK(decode_ok<AddrV2Message>(encode_payload(Message{m})).entries.size() == kMaxAddrToSend);
  m.entries.push_back(m.entries.front());
  DecodeError err = decode_error("addrv2", encode_payload(Message{m}));
  CHECK(err.code == DecodeErrc::count_too_large);
  CHECK(err.field == "addrv2.count");
}

TEST_CASE("addrv2: address length 512 accepted for an unknown network, 513 is size_too_large") {
  auto ok = decode_ok<AddrV2Message>(addrv2_with(200, kMaxAddrV2Size));
  CHECK(ok.entries.at(0).address.bytes.size() == kMaxAddrV2Size);
  CHECK(ok.entries.at(0).port == 8333);

  DecodeError err = decode_error("addrv2", addrv2_with(200, kMaxAddrV2Size + 1));
  CHECK(err.code == DecodeErrc::size_too_large);
  CHECK(err.field == "addrv2.address");
  CHECK(err.offset == kAddrV2LengthOffset);
  // The limit applies to known networks too, before their own length check.
  CHECK(decode_error("addrv2", addrv2_with(1, kMaxAddrV2Size + 1)).code ==
        DecodeErrc::size_too_large);
}

TEST_CASE("addrv2: known networks must have their BIP155 length") {
  struct Case {
    NetworkId net;
    std::size_t size;
  };
  for (Case c : {Case{NetworkId::ipv4, 4}, Case{NetworkId::ipv6, 16}, Case{NetworkId::torv3, 32},
                 Case{NetworkId::i2p, 32}, Case{NetworkId::cjdns, 16}}) {
    auto net = static_cast<std::uint8_t>(c.net);
    CAPTURE(int(net));
    CHECK(addr_v2_size(net) == c.size);
    CHECK(decode_ok<AddrV2Message>(addrv2_with(net, c.size)).entries.size() == 1);
    for (std::size_t wrong : {std::size_t{0}, c.size - 1, c.size + 1, std::size_t{64}}) {
      DecodeError err = decode_error("addrv2", addrv2_with(net, wrong));
      CHECK(err.code == DecodeErrc::bad_value);
      CHECK(err.field == "addrv2.address");
      CHECK(err.offset == kAddrV2LengthOffset);
    }
  }
}

TEST_CASE("addrv2: TORv2 and unknown networks are read at any length, as Core skips them") {
  CHECK_FALSE(addr_v2_size(static_cast<std::uint8_t>(NetworkId::torv2)).has_value());
  CHECK_FALSE(addr_v2_size(0).has_value());
  CHECK_FALSE(addr_v2_size(7).has_value());
  for (std::size_t length : {0, 10, 16, 32}) {
    auto m = decode_ok<AddrV2Message>(addrv2_with(3, length));
    CHECK(m.entries.at(0).address.bytes.size() == length);
    CHECK(m.entries.at(0).port == 8333); // the stream stays in step after the skipped address
  }
  CHECK(decode_ok<AddrV2Message>(addrv2_with(0, 3)).entries.at(0).address.network == 0);
}

TEST_CASE("addrv2: services are an unbounded but canonical CompactSize") {
  // 2^40: far above MAX_SIZE, which limits sizes, not service bits.
  Bytes big = hex("01" "00000000" "ff0000000000010000" "01" "04" "7f000001" "208d");
  CHECK(decode_ok<AddrV2Message>(big).entries.at(0).services == (std::uint64_t{1} << 40));

  Bytes non_canonical = hex("01" "00000000" "fd0100" "01" "04" "7f000001" "208d");
  DecodeError err = decode_error("addrv2", non_canonical);
  CHECK(err.code == DecodeErrc::non_canonical_size);
  CHECK(err.field == "addrv2.services");
  CHECK(err.offset == 5);
}

TEST_CASE("addr and addrv2 reject trailing bytes") {
  Bytes addr = encode_payload(Message{AddrMessage{v1_entries(1)}});
  addr.push_back(1);
  CHECK(decode_error("addr", addr).code == DecodeErrc::trailing_bytes);
  Bytes v2 = addrv2_with(1, 4);
  v2.push_back(1);
  DecodeError err = decode_error("addrv2", v2);
  CHECK(err.code == DecodeErrc::trailing_bytes);
  CHECK(err.offset == v2.size() - 1);
}
