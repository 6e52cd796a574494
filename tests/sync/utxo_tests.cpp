// The UTXO database: coins and the best block move together, survive a reopen, come back in Core's
// outpoint order, and a corrupt record is an error, not "spent". The cache above it is in
// coins_cache_tests.cpp.
#include <doctest/doctest.h>

#include "temp_dir.hpp"

#include <filesystem>
#include <random>

#include <leveldb/db.h>

#include "sync/utxo_db.hpp"

using namespace peregrine;
using consensus::Coin;

using peregrine::test::TempDir;

namespace {

const consensus::ChainParams& regtest() { return consensus::chain_params(consensus::Network::regtest); }

wire::OutPoint outpoint(std::uint8_t tag, std::uint32_t index) {
  wire::OutPoint o;
  o.txid.bytes[0] = tag;
  o.txid.bytes[31] = 0x5a;
  o.index = index;
  return o;
}

Coin coin(std::int64_t value, int height = 7, bool coinbase = false) {
  Coin c;
  c.output.value = value;
  c.output.script_pubkey = {0x76, 0xa9, 0x14};
  c.output.script_pubkey.resize(23, static_cast<std::uint8_t>(value));
  c.output.script_pubkey.push_back(0x88);
  c.output.script_pubkey.push_back(0xac);
  c.height = height;
  c.coinbase = coinbase;
  return c;
}

Hash256 block_hash(std::uint8_t tag) {
  Hash256 h;
  h.bytes[0] = tag;
  return h;
}

std::unique_ptr<sync::UtxoDb> open(const TempDir& dir) {
  auto db = sync::UtxoDb::open(dir.path, regtest());
  REQUIRE_MESSAGE(db.has_value(), db.error());
  return std::move(*db);
}

} // namespace

TEST_CASE("UTXO database: coins and the best block are written together and survive a reopen") {
  TempDir dir;
  {
    auto db = open(dir);
    CHECK(db->best_block().is_zero());
    REQUIRE(db->apply({{outpoint(1, 0), coin(5000)}, {outpoint(1, 1), coin(6000, 9, true)}}, block_hash(1)).has_value());
    REQUIRE(db->apply({{outpoint(1, 0), std::nullopt}, {outpoint(2, 0), coin(7000)}}, block_hash(2)).has_value());
  }
  auto db = open(dir);
  CHECK(db->best_block() == block_hash(2));
  CHECK_FALSE(db->get(outpoint(1, 0)).value().has_value());
  auto c = db->get(outpoint(1, 1)).value();
  REQUIRE(c.has_value());
  CHECK(*c == coin(6000, 9, true));
  CHECK(db->get(outpoint(2, 0)).value() == coin(7000));
  CHECK(db->disk_bytes() > 0);
}

TEST_CASE("UTXO database: iteration is in Core's order, txid bytes then index") {
  TempDir dir;
  auto db = open(dir);
  std::vector<sync::CoinChange> changes;
  for (std::uint32_t index : {300u, 0u, 128u, 127u, 1u}) changes.push_back({outpoint(2, index), coin(index + 1)});
  changes.push_back({outpoint(1, 5), coin(99)});
  REQUIRE(db->apply(changes, block_hash(1)).has_value());
  std::vector<std::pair<int, std::uint32_t>> seen;
  REQUIRE(db->for_each([&](const wire::OutPoint& o, const Coin& c) {
                seen.emplace_back(o.txid.bytes[0], o.index);
                CHECK(c.output.value == (o.txid.bytes[0] == 1 ? 99 : static_cast<std::int64_t>(o.index) + 1));
              }).has_value());
  CHECK(seen == std::vector<std::pair<int, std::uint32_t>>{{1, 5}, {2, 0}, {2, 1}, {2, 127}, {2, 128}, {2, 300}});
}

TEST_CASE("UTXO database: another network's database is refused; a corrupt coin is an error, not spent") {
  TempDir dir;
  {
    auto db = open(dir);
    REQUIRE(db->apply({{outpoint(1, 0), coin(5000)}}, block_hash(1)).has_value());
  }
  auto other = sync::UtxoDb::open(dir.path, consensus::chain_params(consensus::Network::main));
  REQUIRE_FALSE(other.has_value());
  CHECK(other.error().find("another network") != std::string::npos);
  {
    // Overwrite the coin's record with bytes no writer produces.
    leveldb::DB* raw = nullptr;
    REQUIRE(leveldb::DB::Open(leveldb::Options(), dir.path.string(), &raw).ok());
    std::unique_ptr<leveldb::DB> ldb(raw);
    std::string key = "C" + std::string(32, '\0');
    key[1] = 1;
    key[32] = 0x5a;
    key += '\0';
    std::string old;
    REQUIRE(ldb->Get(leveldb::ReadOptions(), key, &old).ok()); // the key is the one we think
    REQUIRE(ldb->Put(leveldb::WriteOptions(), key, std::string("\xff\xff\xff", 3)).ok());
  }
  auto db = open(dir);
  auto got = db->get(outpoint(1, 0));
  REQUIRE_FALSE(got.has_value());
  CHECK(got.error().find("does not decode") != std::string::npos);
  CHECK_FALSE(db->for_each([](const wire::OutPoint&, const Coin&) {}).has_value());
}

TEST_CASE("UTXO database: LevelDB's share of dbcache is Core's, and the rest goes to the coins cache") {
  constexpr std::size_t MiB = std::size_t{1} << 20;
  CHECK(sync::utxo_db_cache_bytes(450 * MiB) == 8 * MiB);
  CHECK(sync::utxo_db_cache_bytes(16 * MiB) == 8 * MiB);
  CHECK(sync::utxo_db_cache_bytes(10 * MiB) == 5 * MiB);
  CHECK(sync::utxo_db_cache_bytes(0) == 0);
  const auto t = sync::utxo_db_tuning(8 * MiB);
  CHECK(t.block_cache_bytes == 4 * MiB);
  CHECK(t.write_buffer_bytes == 2 * MiB);
  CHECK(t.bloom_bits_per_key == 10);
  CHECK_FALSE(t.compress);
  TempDir dir;
  auto db = sync::UtxoDb::open(dir.path, regtest(), t);
  REQUIRE(db.has_value());
  CHECK((*db)->cache_bytes() == 8 * MiB); // block cache and two write buffers
}
