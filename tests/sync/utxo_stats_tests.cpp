// UTXO statistics against figures computed here by other means: hash_serialized_3 is SHA-256d of
// TxOutSer bytes laid out by hand in Core's order (txid bytes, then index numerically), muhash a
// MuHash3072 fed the same bytes in another order, counts and amounts summed from the coins given.
#include <doctest/doctest.h>

#include "temp_dir.hpp"

#include <algorithm>
#include <filesystem>
#include <map>
#include <random>

#include "crypto/muhash.hpp"
#include "crypto/sha256.hpp"
#include "sync/utxo_stats.hpp"
#include "util/hex.hpp"

using namespace peregrine;
using consensus::Coin;

using peregrine::test::TempDir;

namespace {

const consensus::ChainParams& regtest() { return consensus::chain_params(consensus::Network::regtest); }

std::unique_ptr<sync::UtxoDb> open(const TempDir& dir) {
  auto db = sync::UtxoDb::open(dir.path, regtest());
  REQUIRE_MESSAGE(db.has_value(), db.error());
  return std::move(*db);
}

sync::UtxoStats stats_of(const sync::UtxoDb& db) {
  auto stats = sync::compute_utxo_stats(db);
  REQUIRE_MESSAGE(stats.has_value(), stats.error());
  return *stats;
}

wire::OutPoint outpoint(std::uint8_t first, std::uint8_t last, std::uint32_t index) {
  wire::OutPoint o;
  o.txid.bytes[0] = first;
  o.txid.bytes[31] = last; // the display order's first byte: must not decide the order
  o.index = index;
  return o;
}

Coin coin(std::int64_t value, Bytes script, int height, bool coinbase) {
  Coin c;
  c.output.value = value;
  c.output.script_pubkey = std::move(script);
  c.height = height;
  c.coinbase = coinbase;
  return c;
}

void put_le(Bytes& out, std::uint64_t v, int bytes) {
  for (int i = 0; i < bytes; ++i) out.push_back(static_cast<std::uint8_t>(v >> (8 * i)));
}

// Core's TxOutSer, written out field by field (scripts here are under 253 bytes: a one-byte length).
Bytes tx_out_ser(const wire::OutPoint& o, const Coin& c) {
  Bytes b(o.txid.bytes.begin(), o.txid.bytes.end());
  put_le(b, o.index, 4);
  put_le(b, static_cast<std::uint32_t>(c.height) * 2 + (c.coinbase ? 1 : 0), 4);
  put_le(b, static_cast<std::uint64_t>(c.output.value), 8);
  REQUIRE(c.output.script_pubkey.size() < 253);
  b.push_back(static_cast<std::uint8_t>(c.output.script_pubkey.size()));
  b.insert(b.end(), c.output.script_pubkey.begin(), c.output.script_pubkey.end());
  return b;
}

Hash256 block_hash(std::uint8_t tag) {
  Hash256 h;
  h.bytes[0] = tag;
  h.bytes[31] = 0x77;
  return h;
}

} // namespace

TEST_CASE("UTXO stats: the empty set has Core's empty digests") {
  TempDir dir;
  auto db = open(dir);
  sync::UtxoStats s = stats_of(*db);
  CHECK(s.txouts == 0);
  CHECK(s.transactions == 0);
  CHECK(s.bogosize == 0);
  CHECK(s.total_amount == 0);
  CHECK(s.best_block.is_zero());
  // SHA-256d of nothing, and Core's gettxoutsetinfo muhash of an empty set (feature_utxo_set_hash.py).
  CHECK(s.hash_serialized_3.to_hex() == "56944c5d3f98413ef45cf54545538103cc9f298e0575820ad3591376e2e0f65d");
  CHECK(s.muhash.to_hex() == "dd5ad2a105c2d29495f577245c357409002329b9f4d6182c0af3dc2f462555c8");

  util::json::Value j = sync::to_json(s);
  CHECK(j.dump() == "{\"height\":null,\"bestblock\":null,\"txouts\":0,\"bogosize\":0,"
                    "\"hash_serialized_3\":\"56944c5d3f98413ef45cf54545538103cc9f298e0575820ad3591376e2e0f65d\","
                    "\"muhash\":\"dd5ad2a105c2d29495f577245c357409002329b9f4d6182c0af3dc2f462555c8\","
                    "\"total_amount\":0.00000000,\"transactions\":0,\"disk_size\":" +
                        std::to_string(s.disk_bytes) + "}");
}

TEST_CASE("UTXO stats: every field of a small set, computed independently") {
  TempDir dir;
  auto db = open(dir);
  // Expected contents, keyed the way Core hashes: txid bytes, then the index as a number.
  std::map<std::pair<Hash256, std::uint32_t>, Coin> expected;
  std::vector<sync::CoinChange> changes;
  auto add = [&](const wire::OutPoint& o, const Coin& c) {
    expected[{o.txid, o.index}] = c;
    changes.push_back({o, c});
  };
  const Bytes p2pkh = util::from_hex("76a914000102030405060708090a0b0c0d0e0f1011121388ac").value();
  const Bytes p2wpkh = util::from_hex("0014ffeeddccbbaa99887766554433221100ffeeddcc").value();
  add(outpoint(0x02, 0x01, 0), coin(50'0000'0000, p2pkh, 1, true));
  add(outpoint(0x01, 0xff, 1), coin(12'3456'7890, p2wpkh, 150, false));
  add(outpoint(0x01, 0xff, 0), coin(1, {}, 150, false)); // an empty script
  // One txid with indexes whose keys sort 0, 1, 20000, 300 (Core's VARINT is not numeric order
  // across lengths); Core hashes them numerically.
  for (std::uint32_t index : {300u, 20000u, 1u, 0u})
    add(outpoint(0x80, 0x00, index), coin(1000 + index, {0x51}, 0x7fff'ffff, false));
  add(outpoint(0x03, 0x00, 5), coin(777, p2pkh, 9, false)); // spent in the next batch
  REQUIRE(db->apply(changes, block_hash(1)).has_value());
  REQUIRE(db->apply({{outpoint(0x03, 0x00, 5), std::nullopt}}, block_hash(2)).has_value());
  expected.erase({outpoint(0x03, 0x00, 5).txid, 5});

  Bytes all;
  crypto::MuHash3072 reversed;
  std::int64_t total = 0;
  std::uint64_t bogosize = 0;
  for (const auto& [key, c] : expected) {
    wire::OutPoint o{key.first, key.second};
    Bytes ser = tx_out_ser(o, c);
    all.insert(all.end(), ser.begin(), ser.end());
    total += c.output.value;
    bogosize += 50 + c.output.script_pubkey.size();
  }
  for (auto it = expected.rbegin(); it != expected.rend(); ++it)
    reversed.insert(tx_out_ser({it->first.first, it->first.second}, it->second));

  sync::UtxoStats s = stats_of(*db);
  CHECK(s.txouts == 7);
  CHECK(s.transactions == 3);
  CHECK(s.bogosize == bogosize);
  CHECK(s.total_amount == total);
  CHECK(s.total_amount == 50'0000'0000 + 12'3456'7890 + 1 + 4 * 1000 + 300 + 20000 + 1);
  CHECK(s.best_block == block_hash(2));
  CHECK(s.hash_serialized_3 == crypto::sha256d(all));
  CHECK(s.muhash == reversed.finalize());
  CHECK(s.disk_bytes == db->disk_bytes());
  CHECK(s.disk_bytes > 0);

  // The order matters and is Core's: the database's key order gives another digest.
  Bytes key_order;
  db->for_each([&](const wire::OutPoint& o, const Coin& c) {
       Bytes ser = tx_out_ser(o, c);
       key_order.insert(key_order.end(), ser.begin(), ser.end());
     }).value();
  CHECK(key_order.size() == all.size());
  CHECK(crypto::sha256d(key_order) != s.hash_serialized_3);

  s.height = 2;
  util::json::Value j = sync::to_json(s);
  CHECK(j.find("height")->dump() == "2");
  CHECK(*j.find("bestblock")->as_string() == block_hash(2).to_hex());
  CHECK(j.find("txouts")->dump() == "7");
  CHECK(*j.find("hash_serialized_3")->as_string() == crypto::sha256d(all).to_hex());
  CHECK(*j.find("muhash")->as_string() == reversed.finalize().to_hex());
  CHECK(j.find("total_amount")->dump() == "62.34592192");
  CHECK(j.find("disk_size")->dump() == std::to_string(s.disk_bytes));
}

TEST_CASE("UTXO stats: amounts print as Core's ValueFromAmount does") {
  CHECK(sync::format_btc(0) == "0.00000000");
  CHECK(sync::format_btc(1) == "0.00000001");
  CHECK(sync::format_btc(2'100'000'000'000'000) == "21000000.00000000");
  CHECK(sync::format_btc(-150'000'000) == "-1.50000000");
  CHECK(sync::format_btc(std::numeric_limits<std::int64_t>::min()) == "-92233720368.54775808");
}

TEST_CASE("UTXO stats: a total past 64 bits is an error, not a wrapped number") {
  TempDir dir;
  auto db = open(dir);
  // 4,400 coins of MAX_MONEY each: every coin is valid, their sum is not an amount.
  std::vector<sync::CoinChange> changes;
  for (std::uint32_t i = 0; i < 4400; ++i)
    changes.push_back({outpoint(0x10, 0, i), coin(2'100'000'000'000'000, {0x51}, 1, false)});
  REQUIRE(db->apply(changes, block_hash(1)).has_value());
  auto stats = sync::compute_utxo_stats(*db);
  REQUIRE_FALSE(stats.has_value());
  CHECK(stats.error().find("overflows") != std::string::npos);
}
