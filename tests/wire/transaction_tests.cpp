#include <doctest/doctest.h>

#include "allocation_tracker.hpp"
#include "test_data.hpp"
#include "util/hex.hpp"
#include "wire/codec.hpp"
#include "wire/transaction.hpp"

using namespace peregrine;
using namespace peregrine::wire;

namespace {

Bytes hex(const char* h) { return *util::from_hex(h); }

// The genesis coinbase: a legacy transaction whose txid is the genesis merkle root.
constexpr const char* kGenesisCoinbase =
    "01000000010000000000000000000000000000000000000000000000000000000000000000ffffffff4d04ffff00"
    "1d0104455468652054696d65732030332f4a616e2f32303039204368616e63656c6c6f72206f6e206272696e6b20"
    "6f66207365636f6e64206261696c6f757420666f722062616e6b73ffffffff0100f2052a01000000434104678afd"
    "b0fe5548271967f1a67130b7105cd6a828e03909a67962e0ea1f61deb649f6bc3f4cef38c4f35504e51ec112de5c"
    "384df7ba0b8d578a4c702b6bf11d5fac00000000";

Transaction one_in_one_out() {
  Transaction tx;
  tx.version = 2;
  TxIn in;
  in.prevout.txid.bytes[0] = 0x11;
  in.prevout.index = 3;
  in.script_sig = {0x51};
  in.sequence = 0xfffffffe;
  tx.inputs.push_back(in);
  tx.outputs.push_back(TxOut{1000, {0x00, 0x14}});
  tx.lock_time = 500;
  return tx;
}

} // namespace

TEST_CASE("genesis coinbase decodes, re-encodes identically and hashes to the genesis merkle root") {
  Bytes raw = hex(kGenesisCoinbase);
  auto tx = from_bytes<Transaction>(raw);
  REQUIRE(tx.has_value());
  CHECK(tx->is_coinbase());
  CHECK_FALSE(tx->has_witness());
  CHECK(tx->outputs.at(0).value == 5'000'000'000);
  CHECK(serialize(*tx) == raw);
  CHECK(serialized_size(*tx) == raw.size());
  CHECK(weight(*tx) == raw.size() * 4);
  CHECK(txid(*tx).to_hex() == "4a5e1e4baab89f3a32518a88c31bc87f618f76673e2cc77ab2127b7afdeda33b");
  CHECK(wtxid(*tx) == txid(*tx));
}

TEST_CASE("segwit serialization round-trips and separates txid from wtxid") {
  Transaction tx = one_in_one_out();
  Hash256 legacy_id = txid(tx);
  tx.inputs[0].witness = {Bytes(72, 0x30), Bytes(33, 0x02)};
  Bytes full = serialize(tx);
  CHECK(full[4] == 0x00); // marker
  CHECK(full[5] == 0x01); // flag
  auto back = from_bytes<Transaction>(full);
  REQUIRE(back.has_value());
  CHECK(*back == tx);
  CHECK(txid(tx) == legacy_id); // the witness does not change the txid
  CHECK(wtxid(tx) != txid(tx));
  std::size_t stripped = serialized_size(tx, TxEncoding::without_witness);
  CHECK(stripped == serialize(tx, TxEncoding::without_witness).size());
  CHECK(weight(tx) == stripped * 3 + full.size());
}

TEST_CASE("an empty input list followed by a zero byte is a legacy transaction, as in Core") {
  // version, 0 inputs, then 0x00: Core reads it as a flag of zero and reads no output list.
  auto tx = from_bytes<Transaction>(hex("02000000" "00" "00" "00000000"));
  REQUIRE(tx.has_value());
  CHECK(tx->inputs.empty());
  CHECK(tx->outputs.empty());
  CHECK(serialize(*tx) == hex("02000000" "00" "00" "00000000"));
}

TEST_CASE("unknown segwit flag bits and all-empty witnesses are rejected") {
  std::string body = "01" "11" + std::string(62, '0') + "03000000" "00" "ffffffff"
                     "01" "e803000000000000" "00";
  auto bad_flag = from_bytes<Transaction>(hex(("01000000" "00" "02" + body + "00" "00000000").c_str()));
  REQUIRE_FALSE(bad_flag.has_value());
  CHECK(bad_flag.error().code == DecodeErrc::bad_witness_flag);
  CHECK(bad_flag.error().offset == 5);

  auto empty = from_bytes<Transaction>(hex(("01000000" "00" "01" + body + "00" "00000000").c_str()));
  REQUIRE_FALSE(empty.has_value());
  CHECK(empty.error().code == DecodeErrc::superfluous_witness);

  auto good = from_bytes<Transaction>(hex(("01000000" "00" "01" + body + "0101aa" "00000000").c_str()));
  REQUIRE(good.has_value());
  CHECK(good->inputs.at(0).witness == WitnessStack{{0xaa}});
}

TEST_CASE("truncation anywhere in a transaction is a typed error, never a crash") {
  Bytes raw = hex(kGenesisCoinbase);
  for (std::size_t len = 0; len < raw.size(); ++len) {
    auto tx = from_bytes<Transaction>(ByteSpan(raw).first(len));
    REQUIRE_FALSE(tx.has_value());
    CHECK(tx.error().code == DecodeErrc::truncated);
    CHECK(tx.error().offset <= len);
  }
  Bytes longer = raw;
  longer.push_back(0);
  auto trailing = from_bytes<Transaction>(longer);
  REQUIRE_FALSE(trailing.has_value());
  CHECK(trailing.error().code == DecodeErrc::trailing_bytes);
  CHECK(trailing.error().offset == raw.size());
}

TEST_CASE("forged counts neither allocate nor loop") {
  SUBCASE("2^32 inputs is above MAX_SIZE") {
    auto tx = from_bytes<Transaction>(hex("01000000" "ff0000000001000000"));
    REQUIRE_FALSE(tx.has_value());
    CHECK(tx.error().code == DecodeErrc::size_too_large);
  }
  SUBCASE("MAX_SIZE inputs with no bytes behind them") {
    test::AllocationScope scope;
    auto tx = from_bytes<Transaction>(hex("01000000" "fe00000002" "00"));
    REQUIRE_FALSE(tx.has_value());
    CHECK(tx.error().code == DecodeErrc::truncated);
    CHECK(scope.largest() < 1024);
  }
  SUBCASE("MAX_SIZE witness items with no bytes behind them") {
    std::string h = "01000000" "00" "01" "01" + std::string(64, '1') + "00000000" "00" "ffffffff"
                    "00" "fe00000002";
    test::AllocationScope scope;
    auto tx = from_bytes<Transaction>(hex(h.c_str()));
    REQUIRE_FALSE(tx.has_value());
    CHECK(tx.error().code == DecodeErrc::truncated);
    CHECK(scope.largest() < 1024);
  }
  SUBCASE("a script claiming MAX_SIZE bytes") {
    std::string h = "01000000" "01" + std::string(64, '1') + "00000000" "fe00000002" "aa";
    test::AllocationScope scope;
    auto tx = from_bytes<Transaction>(hex(h.c_str()));
    REQUIRE_FALSE(tx.has_value());
    CHECK(tx.error().code == DecodeErrc::truncated);
    CHECK(tx.error().field == "txin.script_sig");
    CHECK(scope.largest() < 1024);
  }
}

TEST_CASE("the 1 MB, 5,569-input mainnet transaction") {
  Bytes raw = test::load_shared("blocks/megatx_bb41a757.bin");
  auto tx = from_bytes<Transaction>(raw);
  REQUIRE(tx.has_value());
  CHECK(tx->inputs.size() == 5569);
  CHECK(serialize(*tx) == raw);
  CHECK(txid(*tx).to_hex().starts_with("bb41a757"));
}
