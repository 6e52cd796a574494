// BIP152: cmpctblock, getblocktxn and blocktxn.
#include <doctest/doctest.h>

#include <variant>

#include "message_test_helpers.hpp"
#include "test_data.hpp"
#include "util/hex.hpp"
#include "wire/codec.hpp"
#include "wire/compact_size.hpp"
#include "wire/message.hpp"

using namespace peregrine;
using namespace peregrine::wire;
using namespace peregrine::test;

namespace {


Transaction segwit_tx(std::uint8_t seed) {
  Transaction tx;
  tx.version = 2;
  TxIn in;
  in.prevout.txid.bytes.fill(seed);
  in.prevout.index = seed;
  in.witness = {Bytes(71, seed), Bytes(33, 0x02)};
  tx.inputs.push_back(in);
  tx.outputs.push_back(TxOut{50'000 + seed, Bytes(22, 0x00)});
  tx.lock_time = seed;
  return tx;
}

Transaction coinbase() {
  Transaction tx;
  TxIn in;
  in.prevout.index = OutPoint::kNullIndex;
  in.script_sig = hex("03a08601");
  in.witness = {Bytes(32, 0)};
  tx.inputs.push_back(in);
  tx.outputs.push_back(TxOut{625'000'000, hex("51")});
  return tx;
}

CmpctBlockMessage sample_compact() {
  CmpctBlockMessage m;
  m.header.version = 0x20000000;
  m.header.prev_block.bytes.fill(0xab);
  m.header.merkle_root.bytes.fill(0xcd);
  m.header.time = 1'700'000'000;
  m.header.bits = 0x17034219;
  m.header.nonce = 42;
  m.nonce = 0x0102030405060708;
  m.short_ids = {0, 1, 0xffff'ffff'ffff, 0x0000'1234'5678'9abc, 0x8000'0000'0001};
  m.prefilled = {{0, coinbase()}, {3, segwit_tx(3)}, {4, segwit_tx(4)}, {9, segwit_tx(9)}};
  return m;
}

// Header, nonce, no short ids, then the prefilled list as given (count and raw entries).
Bytes compact_with_prefilled(std::uint64_t short_count, std::uint64_t prefilled_count,
                             const Bytes& entries) {
  Bytes out(80 + 8, 0);
  Writer w(out);
  write_compact_size(w, short_count);
  out.resize(out.size() + short_count * 6, 0x33);
  write_compact_size(w, prefilled_count);
  w.bytes(entries);
  return out;
}

Bytes prefilled_entry(std::uint64_t delta) {
  Bytes out;
  Writer w(out);
  write_compact_size(w, delta);
  write(w, segwit_tx(1));
  return out;
}

constexpr std::size_t kPrefilledIndexOffset = 80 + 8 + 1 + 1; // with no short ids

} // namespace

TEST_CASE("cmpctblock: round trip with 48-bit short ids and absolute prefilled indexes") {
  CmpctBlockMessage m = sample_compact();
  CHECK(m.block_tx_count() == 9);
  Bytes payload = check_round_trip(m);
  // Short ids: 6 bytes little-endian each, after header, nonce and the count.
  CHECK(Bytes(payload.begin() + 89, payload.begin() + 89 + 18) ==
        hex("000000000000" "010000000000" "ffffffffffff"));
  CHECK(Bytes(payload.begin() + 89 + 18, payload.begin() + 89 + 24) == hex("bc9a78563412"));
  // Prefilled indexes 0, 3, 4, 9 travel as gaps 0, 2, 0, 4.
  Reader r(ByteSpan(payload).subspan(89 + 30));
  CHECK(read_compact_size(r, "count") == 4);
  std::uint64_t gaps[4];
  for (auto& gap : gaps) {
    gap = read_compact_size(r, "gap");
    Transaction tx;
    read(r, tx);
  }
  CHECK(gaps[0] == 0);
  CHECK(gaps[1] == 2);
  CHECK(gaps[2] == 0);
  CHECK(gaps[3] == 4);
  CHECK(r.ok());
  check_truncations("cmpctblock", payload);
}

TEST_CASE("cmpctblock: a prefilled index of 65535 is accepted, 65536 is bad_value") {
  auto ok = decode_ok<CmpctBlockMessage>(compact_with_prefilled(0, 1, prefilled_entry(65535)));
  CHECK(ok.prefilled.at(0).index == 65535);
  CHECK(ok.prefilled.at(0).tx == segwit_tx(1));

  Bytes over = compact_with_prefilled(0, 1, prefilled_entry(65536));
  DecodeError err = decode_error("cmpctblock", over);
  CHECK(err.code == DecodeErrc::bad_value);
  CHECK(err.field == "cmpctblock.prefilled_index");
  CHECK(err.offset == kPrefilledIndexOffset);

  // The overflow can come from the differential sum: 65535, then a gap of 0 is index 65536.
  Bytes two = prefilled_entry(65535);
  Bytes second = prefilled_entry(0);
  two.insert(two.end(), second.begin(), second.end());
  DecodeError sum = decode_error("cmpctblock", compact_with_prefilled(0, 2, two));
  CHECK(sum.code == DecodeErrc::bad_value);
  CHECK(sum.field == "cmpctblock.prefilled_index");
  CHECK(sum.offset == kPrefilledIndexOffset + prefilled_entry(65535).size());
}

TEST_CASE("cmpctblock: 65535 transactions in all are accepted, 65536 are bad_value") {
  CmpctBlockMessage m = sample_compact();
  m.prefilled = {{65534, segwit_tx(7)}};
  m.short_ids.assign(65534, 0x1122'3344'5566);
  CHECK(m.block_tx_count() == kMaxCompactIndex);
  check_round_trip(m);

  m.short_ids.push_back(1);
  DecodeError err = decode_error("cmpctblock", encode_payload(Message{m}));
  CHECK(err.code == DecodeErrc::bad_value);
  CHECK(err.field == "cmpctblock.prefilled_count");

  // Too many short ids alone are refused at their count, before their data.
  DecodeError ids = decode_error("cmpctblock", compact_with_prefilled(kMaxCompactIndex + 1, 0, {}));
  CHECK(ids.code == DecodeErrc::bad_value);
  CHECK(ids.field == "cmpctblock.short_id_count");
  CHECK(ids.offset == 88);
}

TEST_CASE("cmpctblock: the real BIP152 message for block 426884 matches the full block") {
  Bytes compact_raw = test::load_shared("p2p/compact426884.raw");
  Bytes block_raw = test::load_shared("p2p/block426884.raw");
  auto block = from_bytes<Block>(block_raw);
  REQUIRE_MESSAGE(block.has_value(), block.error().message());

  auto compact = decode_ok<CmpctBlockMessage>(compact_raw);
  CHECK(compact.header == block->header);
  REQUIRE_FALSE(compact.prefilled.empty());
  CHECK(compact.prefilled[0].index == 0);
  CHECK(compact.prefilled[0].tx.is_coinbase());
  CHECK(compact.prefilled[0].tx == block->txs.at(0));
  CHECK(compact.block_tx_count() == block->txs.size());
  for (const auto& p : compact.prefilled) {
    REQUIRE(p.index < block->txs.size());
    CHECK(p.tx == block->txs[p.index]);
  }
  CHECK(encode_payload(Message{compact}) == compact_raw);
  check_truncations("cmpctblock", ByteSpan(compact_raw).first(200)); // prefixes of a prefix

  Bytes trailing = compact_raw;
  trailing.push_back(0);
  CHECK(decode_error("cmpctblock", trailing).code == DecodeErrc::trailing_bytes);
}

TEST_CASE("getblocktxn: round trip with differential indexes") {
  GetBlockTxnMessage m;
  m.block_hash.bytes.fill(0x5a);
  m.indexes = {0, 1, 5, 1000, 65535};
  Bytes payload = check_round_trip(m);
  // Gaps 0, 0, 3, 994 (fd e203), 64534 (fd 16fc).
  CHECK(Bytes(payload.begin() + 32, payload.end()) == hex("05" "00" "00" "03" "fde203" "fd16fc"));
  check_truncations("getblocktxn", payload);
  check_round_trip(GetBlockTxnMessage{});
}

TEST_CASE("getblocktxn: index 65535 accepted, 65536 bad_value; more than 65536 indexes refused") {
  Bytes hash(32, 0x01);
  auto with = [&](std::string_view tail) {
    Bytes out = hash;
    Bytes t = hex(tail);
    out.insert(out.end(), t.begin(), t.end());
    return out;
  };
  auto last = decode_ok<GetBlockTxnMessage>(with("01" "fdffff"));
  CHECK(last.indexes == std::vector<std::uint16_t>{65535});

  DecodeError err = decode_error("getblocktxn", with("01" "fe00000100"));
  CHECK(err.code == DecodeErrc::bad_value);
  CHECK(err.field == "getblocktxn.index");
  CHECK(err.offset == 33);

  DecodeError sum = decode_error("getblocktxn", with("02" "fdffff" "00"));
  CHECK(sum.code == DecodeErrc::bad_value);
  CHECK(sum.offset == 36);

  // All 65536 indexes (gaps of zero) fit; one more cannot.
  GetBlockTxnMessage all;
  for (std::uint32_t i = 0; i <= kMaxCompactIndex; ++i) {
    all.indexes.push_back(static_cast<std::uint16_t>(i));
  }
  check_round_trip(all);
  DecodeError count = decode_error("getblocktxn", with("fe01000100"));
  CHECK(count.code == DecodeErrc::bad_value);
  CHECK(count.field == "getblocktxn.count");
}

TEST_CASE("blocktxn: round trip with witness transactions, truncation and trailing bytes") {
  BlockTxnMessage m;
  m.block_hash.bytes.fill(0x77);
  m.txs = {segwit_tx(1), segwit_tx(2), coinbase()};
  Bytes payload = check_round_trip(m);
  CHECK(payload[32] == 3);
  CHECK(payload[33 + 4] == 0x00); // segwit marker: transactions travel with witnesses
  check_truncations("blocktxn", payload);
  check_round_trip(BlockTxnMessage{});

  payload.push_back(0);
  CHECK(decode_error("blocktxn", payload).code == DecodeErrc::trailing_bytes);
}
