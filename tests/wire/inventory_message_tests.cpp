// inv, getdata, notfound, getheaders, getblocks, headers and block.
#include <doctest/doctest.h>

#include <variant>

#include "message_test_helpers.hpp"
#include "test_data.hpp"
#include "util/hex.hpp"
#include "wire/compact_size.hpp"
#include "wire/message.hpp"

using namespace peregrine;
using namespace peregrine::wire;
using namespace peregrine::test;

namespace {

Hash256 numbered_hash(std::uint32_t n) {
  Hash256 h;
  for (std::size_t i = 0; i < 32; ++i) h.bytes[i] = static_cast<std::uint8_t>(n * 31 + i);
  return h;
}

std::vector<InvItem> inventory(std::size_t n) {
  static constexpr InvType kTypes[] = {InvType::tx, InvType::block, InvType::witness_tx,
                                       InvType::witness_block, InvType::wtx, InvType::cmpct_block};
  std::vector<InvItem> items;
  for (std::size_t i = 0; i < n; ++i) {
    items.push_back({kTypes[i % std::size(kTypes)], numbered_hash(static_cast<std::uint32_t>(i))});
  }
  return items;
}

BlockHeader numbered_header(std::uint32_t n) {
  BlockHeader h;
  h.version = 0x20000000 | static_cast<std::int32_t>(n & 0xff);
  h.prev_block = numbered_hash(n);
  h.merkle_root = numbered_hash(n + 1000);
  h.time = 1'600'000'000 + n * 600;
  h.bits = 0x1703a30c;
  h.nonce = n * 7919;
  return h;
}

// A count followed by `count` items of item_size zero bytes.
Bytes counted(std::uint64_t count, std::size_t item_size, Bytes prefix = {}) {
  Writer w(prefix);
  write_compact_size(w, count);
  prefix.resize(prefix.size() + count * item_size, 0);
  return prefix;
}

constexpr std::string_view kCapturedInv =
    "f9beb4d9696e7600000000000000000049000000ec7d08c7020100000016b0440f82c8a11eb479ae98f764f077ad"
    "dcb043df2e65a71c6138d5cb4042ae0100000007292c6595ed3d806bce3783cc1043628369a67459d671245d4dad"
    "043a7ee075";
// A headers frame (four headers) followed by a pong frame, as read off the socket.
constexpr std::string_view kCapturedHeadersThenPong =
    "f9beb4d9686561646572730000000000450100003d3370e50404e0ff2f7b8d134d1e1445a2df1c681374839e87db"
    "f32658de570400000000000000000011ef2eb8d6c4b963eaeb8c1039eb946ab86c39649a9877662d6538fe70c93a"
    "2ff875656132260e1715bf98b60004006020b4ebbea3b7cef7c2f6fe3842d7187e8031168ccfde110e0000000000"
    "0000000063a392ce675dd436b12b26724b3c31e6e1eeec1f663d9dfb732c713f4c71ab667f79656132260e175d60"
    "c5330004002020995f1bbecf662e4232b5da02922f35832a7492b357d101000000000000000000ad5032b9f680ae"
    "dc1956e08be86381824011e2ed5aa459b992c7062be4cc354eca79656132260e1760a4663c0004000020de4d609e"
    "6ea7c76f7be83352e2e0cb3faae5bd3f819500000000000000000000007284c255c17e276aa2d1e7f42caddf89a1"
    "97b8cb94e59a6bf1ebb0d129ea34b97a656132260e170d446a3200f9beb4d9706f6e670000000000000000080000"
    "007dbd9c4439a9f19317217623";

} // namespace

TEST_CASE("inv, getdata and notfound round-trip and keep unknown inventory types") {
  std::vector<InvItem> items = inventory(7);
  items.push_back({static_cast<InvType>(0xdeadbeef), numbered_hash(99)}); // unknown: kept
  Bytes inv = check_round_trip(InvMessage{items});
  CHECK(inv.size() == 1 + 8 * 36);
  CHECK(check_round_trip(GetDataMessage{items}) == inv);
  CHECK(check_round_trip(NotFoundMessage{items}) == inv);
  CHECK(decode_ok<InvMessage>(inv).items.back().type == static_cast<InvType>(0xdeadbeef));
  check_round_trip(InvMessage{});
  check_truncations("inv", inv);
  check_truncations("getdata", inv);
}

TEST_CASE("inventory type values are the protocol's") {
  CHECK(static_cast<std::uint32_t>(InvType::tx) == 1);
  CHECK(static_cast<std::uint32_t>(InvType::block) == 2);
  CHECK(static_cast<std::uint32_t>(InvType::filtered_block) == 3);
  CHECK(static_cast<std::uint32_t>(InvType::cmpct_block) == 4);
  CHECK(static_cast<std::uint32_t>(InvType::wtx) == 5);
  CHECK(static_cast<std::uint32_t>(InvType::witness_tx) == 0x40000001);
  CHECK(static_cast<std::uint32_t>(InvType::witness_block) == 0x40000002);
  CHECK(static_cast<std::uint32_t>(InvType::filtered_witness_block) == 0x40000003);
}

TEST_CASE("the captured inv frame decodes to two transaction announcements") {
  Bytes frame = hex(kCapturedInv);
  auto inv = decode_ok<InvMessage>(ByteSpan(frame).subspan(kMessageHeaderSize));
  REQUIRE(inv.items.size() == 2);
  CHECK(inv.items[0].type == InvType::tx);
  CHECK(inv.items[1].type == InvType::tx);
  CHECK(inv.items[0].hash.bytes[0] == 0x16);
  CHECK(encode_message(kMainMagic, Message{inv}) == frame);
}

TEST_CASE("inventory lists: 50,000 items decode, 50,001 is count_too_large before any item") {
  Bytes at_limit = encode_payload(Message{InvMessage{inventory(kMaxInvItems)}});
  CHECK(decode_ok<InvMessage>(at_limit).items.size() == kMaxInvItems);
  CHECK(decode_ok<GetDataMessage>(at_limit).items.size() == kMaxInvItems);
  CHECK(decode_ok<NotFoundMessage>(at_limit).items.size() == kMaxInvItems);

  Bytes over = counted(kMaxInvItems + 1, 36);
  for (std::string_view command : {"inv", "getdata", "notfound"}) {
    DecodeError err = decode_error(command, over);
    CHECK(err.code == DecodeErrc::count_too_large);
    CHECK(err.field == std::string(command) + ".count");
    CHECK(err.offset == 0);
  }
  // Checked before the items: a bare over-limit count is count_too_large, not truncated.
  DecodeError bare = decode_error("inv", hex("fd51c3"));
  CHECK(bare.code == DecodeErrc::count_too_large);
}

TEST_CASE("inventory lists reject a non-canonical count and trailing bytes") {
  Bytes non_canonical = hex("fd0100" "01000000"); // one item, count in three bytes
  non_canonical.resize(non_canonical.size() + 32);
  DecodeError err = decode_error("inv", non_canonical);
  CHECK(err.code == DecodeErrc::non_canonical_size);
  CHECK(err.field == "inv.count");

  Bytes payload = encode_payload(Message{InvMessage{inventory(1)}});
  payload.push_back(0);
  DecodeError trailing = decode_error("inv", payload);
  CHECK(trailing.code == DecodeErrc::trailing_bytes);
  CHECK(trailing.offset == 37);
}

TEST_CASE("getheaders: round trip, 101 locator hashes accepted, 102 rejected") {
  GetHeadersMessage m;
  m.version = 70016;
  for (std::uint32_t i = 0; i < 30; ++i) m.locator.push_back(numbered_hash(i));
  m.hash_stop = numbered_hash(12345);
  Bytes payload = check_round_trip(m);
  CHECK(payload.size() == 4 + 1 + 30 * 32 + 32);
  check_truncations("getheaders", payload);

  GetHeadersMessage empty;
  empty.version = 70016;
  check_round_trip(empty); // zero hashes and a zero stop hash: "send me what you have"

  m.locator.resize(kMaxLocatorHashes, numbered_hash(7));
  check_round_trip(m);
  m.locator.push_back(numbered_hash(8));
  DecodeError err = decode_error("getheaders", encode_payload(Message{m}));
  CHECK(err.code == DecodeErrc::count_too_large);
  CHECK(err.field == "getheaders.count");
  CHECK(err.offset == 4);
}

TEST_CASE("getblocks: getheaders' layout under its own command and field names") {
  GetBlocksMessage m;
  m.version = 70016;
  for (std::uint32_t i = 0; i < 30; ++i) m.locator.push_back(numbered_hash(i));
  m.hash_stop = numbered_hash(12345);
  Bytes payload = check_round_trip(m);
  CHECK(payload.size() == 4 + 1 + 30 * 32 + 32);
  GetHeadersMessage same;
  static_cast<LocatorRequest&>(same) = m;
  CHECK(encode_payload(Message{same}) == payload);
  check_truncations("getblocks", payload);

  m.locator.resize(kMaxLocatorHashes + 1, numbered_hash(7));
  DecodeError err = decode_error("getblocks", encode_payload(Message{m}));
  CHECK(err.code == DecodeErrc::count_too_large);
  CHECK(err.field == "getblocks.count");
  CHECK(err.offset == 4);
}

TEST_CASE("headers: round trip, 2,000 accepted, 2,001 rejected") {
  HeadersMessage m;
  for (std::uint32_t i = 0; i < 3; ++i) m.headers.push_back(numbered_header(i));
  Bytes payload = check_round_trip(m);
  CHECK(payload.size() == 1 + 3 * 81);
  CHECK(payload[81] == 0x00); // the transaction count after each header
  check_truncations("headers", payload);

  for (std::uint32_t i = 3; i < kMaxHeadersResults; ++i) m.headers.push_back(numbered_header(i));
  CHECK(decode_ok<HeadersMessage>(encode_payload(Message{m})).headers.size() == kMaxHeadersResults);

  DecodeError err = decode_error("headers", counted(kMaxHeadersResults + 1, 81));
  CHECK(err.code == DecodeErrc::count_too_large);
  CHECK(err.field == "headers.count");
  CHECK(err.offset == 0);
}

TEST_CASE("headers: the per-header transaction count is read, must be canonical, and is ignored") {
  HeadersMessage m{{numbered_header(1)}};
  Bytes payload = encode_payload(Message{m});
  // Core ignores the value: a count of 5 (as in some old captures) decodes to the same header.
  Bytes five = payload;
  five.pop_back();
  five.push_back(5);
  CHECK(decode_ok<HeadersMessage>(five) == m);
  Bytes big = payload;
  big.pop_back();
  big.insert(big.end(), {0xfd, 0x00, 0x01}); // 256, canonical
  CHECK(decode_ok<HeadersMessage>(big) == m);

  Bytes non_canonical = payload;
  non_canonical.pop_back();
  non_canonical.insert(non_canonical.end(), {0xfd, 0x05, 0x00});
  DecodeError err = decode_error("headers", non_canonical);
  CHECK(err.code == DecodeErrc::non_canonical_size);
  CHECK(err.field == "headers.tx_count");
  CHECK(err.offset == 81);
}

TEST_CASE("a captured headers frame followed by a pong frame decodes as a stream") {
  Bytes stream = hex(kCapturedHeadersThenPong);
  Reader r(stream);
  auto first = read_frame(r, kMainMagic);
  REQUIRE(first.has_value());
  auto headers = decode_ok<HeadersMessage>(first->payload);
  REQUIRE(headers.headers.size() == 4);
  for (std::size_t i = 1; i < headers.headers.size(); ++i) {
    CHECK(headers.headers[i].prev_block == block_hash(headers.headers[i - 1]));
  }
  CHECK(block_hash(headers.headers[0]).to_hex() ==
        "0000000000000000000e11decf8c1631807e18d74238fef6c2f7ceb7a3beebb4");
  CHECK(encode_payload(Message{headers}) == Bytes(first->payload.begin(), first->payload.end()));

  auto second = read_frame(r, kMainMagic);
  REQUIRE(second.has_value());
  auto pong = decode_message(second->header.command, second->payload);
  REQUIRE(pong.has_value());
  CHECK(std::holds_alternative<PongMessage>(*pong));
  CHECK(r.at_end());
}

TEST_CASE("block: a real segwit block decodes through the message layer and re-encodes") {
  Bytes raw = test::load_shared("p2p/block426884.raw");
  auto m = decode_ok<BlockMessage>(raw);
  CHECK(m.block.txs.size() > 1);
  CHECK(encode_payload(Message{m}) == raw);

  Bytes trailing = raw;
  trailing.push_back(0);
  DecodeError err = decode_error("block", trailing);
  CHECK(err.code == DecodeErrc::trailing_bytes);
  CHECK(err.offset == raw.size());

  // Truncation inside the header and inside the first transaction.
  for (std::size_t n : {std::size_t{0}, std::size_t{79}, std::size_t{80}, std::size_t{150}}) {
    CHECK(decode_error("block", ByteSpan(raw).first(n)).code == DecodeErrc::truncated);
  }
}

TEST_CASE("block: a message carrying its raw bytes is sent as those bytes, undecoded") {
  Bytes raw = test::load_shared("p2p/block426884.raw");
  BlockMessage stored; // as the block server sends a stored block: no decoded block at all
  stored.raw = raw;
  CHECK(encode_payload(Message{stored}) == raw);
  CHECK(decode_ok<BlockMessage>(encode_payload(Message{stored})).block.txs.size() > 1);
}
