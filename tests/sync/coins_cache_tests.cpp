// The coins cache and its table: fresh and dirty coins, what each kind of flush writes and keeps,
// memory that matches the allocator's, a failed write that changes nothing, and coins of every
// script kind that come back the same from memory and from disk.
#include <doctest/doctest.h>

#include <map>
#include <random>

#include "../wire/allocation_tracker.hpp"
#include "consensus/script/opcodes.hpp"
#include "sync/coins_cache.hpp"
#include "temp_dir.hpp"
#include "util/fault_plan.hpp"
#include "util/hex.hpp"

using namespace peregrine;
using consensus::Coin;
using peregrine::test::TempDir;
using Keep = sync::CoinsCache::Keep;

namespace {

const consensus::ChainParams& regtest() { return consensus::chain_params(consensus::Network::regtest); }

wire::OutPoint outpoint(std::uint32_t tag, std::uint32_t index) {
  wire::OutPoint o;
  for (int i = 0; i < 4; ++i) o.txid.bytes[i] = static_cast<std::uint8_t>(tag >> (8 * i));
  o.txid.bytes[31] = 0x5a;
  o.index = index;
  return o;
}

Bytes script_of(std::size_t size, std::uint8_t fill) { return Bytes(size, fill); }

Coin coin(std::int64_t value, Bytes script, int height = 7, bool coinbase = false) {
  return Coin{{value, std::move(script)}, height, coinbase};
}

// P2PKH: one of the compressed script kinds, 21 bytes in the record.
Coin p2pkh(std::int64_t value, int height = 7) {
  Bytes s = {consensus::OP_DUP, consensus::OP_HASH160, 20};
  s.resize(23, static_cast<std::uint8_t>(value));
  s.push_back(consensus::OP_EQUALVERIFY);
  s.push_back(consensus::OP_CHECKSIG);
  return coin(value, s, height);
}

Hash256 block_hash(std::uint8_t tag) {
  Hash256 h;
  h.bytes[0] = tag;
  return h;
}

// Makes the Nth write to the database's files (LevelDB's log and tables) fail, and every one after
// it, through the write seam (util/file_io), until the scope ends.
struct WriteFault {
  WriteFault(const std::filesystem::path& db_dir, std::uint64_t nth) {
    util::set_fault_plan(util::FaultPlan{util::fault_site(db_dir / "000001.log"), util::FaultOp::write,
                                         util::FaultKind::eio, nth});
  }
  ~WriteFault() { util::set_fault_plan(std::nullopt); }
  WriteFault(const WriteFault&) = delete;
  WriteFault& operator=(const WriteFault&) = delete;
};

struct Fixture {
  TempDir dir;
  std::unique_ptr<sync::UtxoDb> db = open();

  std::unique_ptr<sync::UtxoDb> open() {
    auto opened = sync::UtxoDb::open(dir.path, regtest(), sync::LevelDbTuning{});
    REQUIRE_MESSAGE(opened.has_value(), opened.error());
    return std::move(*opened);
  }
  std::optional<Coin> on_disk(const wire::OutPoint& o) const { return db->get(o).value(); }
};

} // namespace

TEST_CASE("coins cache: a new coin is dirty and fresh; spent before a flush it never reaches the disk") {
  Fixture f;
  sync::CoinsCache cache(*f.db);
  cache.add(outpoint(1, 0), p2pkh(5000));
  CHECK(cache.size() == 1);
  CHECK(cache.dirty_count() == 1);
  CHECK(cache.have(outpoint(1, 0)).value());
  auto spent = cache.spend(outpoint(1, 0)).value();
  REQUIRE(spent.has_value());
  CHECK(*spent == p2pkh(5000));
  // Fresh: erased outright, so the flush has nothing to write or delete for it.
  CHECK(cache.size() == 0);
  CHECK(cache.dirty_count() == 0);
  CHECK_FALSE(cache.have(outpoint(1, 0)).value());
  CHECK_FALSE(cache.spend(outpoint(1, 0)).value().has_value());
  CHECK(cache.lookups().misses == 2); // the last two asked the database, which has nothing
  REQUIRE(cache.flush(block_hash(1)).has_value());
  CHECK_FALSE(f.on_disk(outpoint(1, 0)).has_value());
  CHECK(f.db->best_block() == block_hash(1));
}

TEST_CASE("coins cache: a coin the database may hold is not fresh, so its spend is written") {
  Fixture f;
  REQUIRE(f.db->apply({{outpoint(5, 0), p2pkh(2)}}, block_hash(1)).has_value());
  sync::CoinsCache cache(*f.db);
  // A possible overwrite (Core's two duplicate coinbases).
  cache.add(outpoint(5, 0), p2pkh(3), true);
  REQUIRE(cache.spend(outpoint(5, 0)).value().has_value());
  CHECK(cache.size() == 1);
  CHECK(cache.dirty_count() == 1);
  // A coin read from disk and spent: its deletion too.
  REQUIRE(f.db->apply({{outpoint(6, 0), p2pkh(4)}}, block_hash(2)).has_value());
  CHECK(cache.spend(outpoint(6, 0)).value() == p2pkh(4));
  CHECK_FALSE(cache.have(outpoint(6, 0)).value());
  // Added again after the spend (a reorg restoring it): dirty, not fresh, since the disk has one.
  cache.add(outpoint(6, 0), p2pkh(4));
  REQUIRE(cache.spend(outpoint(6, 0)).value().has_value());
  CHECK(cache.dirty_count() == 2);
  REQUIRE(cache.flush(block_hash(3)).has_value());
  CHECK_FALSE(f.on_disk(outpoint(5, 0)).has_value());
  CHECK_FALSE(f.on_disk(outpoint(6, 0)).has_value());
}

TEST_CASE("coins cache: have() reads the database without caching; warm() inserts clean coins only if absent") {
  Fixture f;
  REQUIRE(f.db->apply({{outpoint(1, 0), p2pkh(10)}, {outpoint(1, 1), p2pkh(11)}}, block_hash(1)).has_value());
  sync::CoinsCache cache(*f.db);
  CHECK(cache.have(outpoint(1, 0)).value());
  CHECK_FALSE(cache.cached(outpoint(1, 0)));
  CHECK(cache.size() == 0);

  cache.warm(outpoint(1, 0), p2pkh(10));
  CHECK(cache.cached(outpoint(1, 0)));
  CHECK(cache.dirty_count() == 0);
  // The cache's own state wins over a read that raced it.
  cache.add(outpoint(2, 0), p2pkh(20));
  cache.warm(outpoint(2, 0), p2pkh(99));
  REQUIRE(cache.spend(outpoint(1, 1)).value().has_value());
  cache.warm(outpoint(1, 1), p2pkh(11));
  CHECK_FALSE(cache.have(outpoint(1, 1)).value());

  const auto misses = cache.lookups().misses;
  CHECK(cache.spend(outpoint(1, 0)).value() == p2pkh(10));
  CHECK(cache.spend(outpoint(2, 0)).value() == p2pkh(20));
  CHECK(cache.lookups().misses == misses); // both answered from memory
  REQUIRE(cache.flush(block_hash(2)).has_value());
  CHECK_FALSE(f.on_disk(outpoint(1, 0)).has_value()); // a warmed coin is not fresh: its spend is written
  CHECK_FALSE(f.on_disk(outpoint(2, 0)).has_value());
}

TEST_CASE("coins cache: a keep-clean flush writes dirty coins and keeps every coin; an empty flush drops all") {
  Fixture f;
  REQUIRE(f.db->apply({{outpoint(1, 0), p2pkh(10)}, {outpoint(1, 1), p2pkh(11)}}, block_hash(1)).has_value());
  sync::CoinsCache cache(*f.db);
  cache.warm(outpoint(1, 0), p2pkh(10));                    // clean
  REQUIRE(cache.spend(outpoint(1, 1)).value().has_value()); // a deletion to write
  cache.add(outpoint(2, 0), p2pkh(20));                     // dirty and fresh
  cache.add(outpoint(2, 1), p2pkh(21));
  REQUIRE(cache.flush(block_hash(2), 0, Keep::clean).has_value());
  CHECK(f.db->best_block() == block_hash(2));
  CHECK(f.on_disk(outpoint(2, 0)) == p2pkh(20));
  CHECK_FALSE(f.on_disk(outpoint(1, 1)).has_value());
  CHECK(cache.size() == 3); // the spent entry is gone, the coins stay
  CHECK(cache.dirty_count() == 0);
  CHECK_FALSE(cache.cached(outpoint(1, 1)));

  // Kept coins are answered from memory, and are no longer fresh: the disk has them now.
  const auto misses = cache.lookups().misses;
  CHECK(cache.spend(outpoint(2, 0)).value() == p2pkh(20));
  CHECK(cache.spend(outpoint(1, 0)).value() == p2pkh(10));
  CHECK(cache.lookups().misses == misses);
  CHECK(cache.dirty_count() == 2);

  REQUIRE(cache.flush(block_hash(3)).has_value());
  CHECK(cache.size() == 0);
  CHECK_FALSE(cache.cached(outpoint(2, 1)));
  CHECK_FALSE(f.on_disk(outpoint(2, 0)).has_value());
  CHECK_FALSE(f.on_disk(outpoint(1, 0)).has_value());
  CHECK(f.on_disk(outpoint(2, 1)) == p2pkh(21));
  CHECK(cache.spend(outpoint(2, 1)).value() == p2pkh(21)); // read back from disk
}

TEST_CASE("coins cache: a failed write changes neither the database nor the cache") {
  Fixture f;
  REQUIRE(f.db->apply({{outpoint(1, 0), p2pkh(10)}}, block_hash(1)).has_value());
  sync::CoinsCache cache(*f.db);
  cache.add(outpoint(2, 0), p2pkh(20));
  REQUIRE(cache.spend(outpoint(1, 0)).value().has_value());
  const auto size = cache.size();
  const auto dirty = cache.dirty_count();
  std::optional<WriteFault> fault(std::in_place, f.dir.path, 1);
  for (Keep keep : {Keep::clean, Keep::nothing}) {
    auto flushed = cache.flush(block_hash(2), 0, keep);
    REQUIRE_FALSE(flushed.has_value());
    CHECK(flushed.error().find("Input/output error") != std::string::npos);
    CHECK(cache.size() == size);
    CHECK(cache.dirty_count() == dirty);
  }
  fault.reset();
  CHECK(f.db->best_block() == block_hash(1));
  CHECK(f.on_disk(outpoint(1, 0)) == p2pkh(10));
  CHECK_FALSE(f.on_disk(outpoint(2, 0)).has_value());
  // The cache still says what was connected: the spend stands, the new coin is there and fresh.
  CHECK_FALSE(cache.have(outpoint(1, 0)).value());
  CHECK(cache.spend(outpoint(2, 0)).value() == p2pkh(20));
  CHECK(cache.size() == size - 1);
}

TEST_CASE("coins cache: every script kind comes back the same from memory and after a reopen") {
  auto script = [](const std::string& hex) { return *util::from_hex(hex); };
  // The generator point, uncompressed: an on-curve key, which Core's compression shortens.
  const std::string g = "0479be667ef9dcbbac55a06295ce870b07029bfcdb2dce28d959f2815b16f81798"
                        "483ada7726a3c4655da4fbfc0e1108a8fd17b448a68554199c47d08ffb10d4b8";
  std::vector<Coin> kinds = {
      p2pkh(1),
      coin(2, script("a914" + std::string(40, '7') + "87")),   // P2SH
      coin(3, script("2102" + std::string(64, '9') + "ac")),   // P2PK, compressed key
      coin(4, script("41" + g + "ac")),                        // P2PK, uncompressed key
      coin(5, script("0014" + std::string(40, '3'))),          // P2WPKH
      coin(6, script("5120" + std::string(64, '4'))),          // P2TR
      coin(7, {}),
      coin(8, {consensus::OP_1}),
      coin(9, script_of(sync::CoinTable::kInlineRecord - 4, 0xab)),  // fits in the entry
      coin(10, script_of(sync::CoinTable::kInlineRecord + 30, 0xcd)), // stored apart
      coin(2'100'000'000'000'000, script_of(520, 0xef), 1'000'000, true),
  };
  Fixture f;
  {
    sync::CoinsCache cache(*f.db);
    for (std::size_t i = 0; i < kinds.size(); ++i) {
      cache.add(outpoint(1, static_cast<std::uint32_t>(i)), kinds[i], true);
      cache.add(outpoint(2, static_cast<std::uint32_t>(i)), kinds[i]);
    }
    for (std::size_t i = 0; i < kinds.size(); ++i)
      CHECK(cache.spend(outpoint(2, static_cast<std::uint32_t>(i))).value() == kinds[i]);
    REQUIRE(cache.flush(block_hash(1)).has_value());
  }
  f.db.reset();
  f.db = f.open();
  sync::CoinsCache cache(*f.db);
  for (std::size_t i = 0; i < kinds.size(); ++i) {
    CHECK(f.on_disk(outpoint(1, static_cast<std::uint32_t>(i))) == kinds[i]);
    CHECK(cache.spend(outpoint(1, static_cast<std::uint32_t>(i))).value() == kinds[i]);
  }
}

TEST_CASE("coins cache: random changes and flushes match a plain map, in memory and on disk") {
  Fixture f;
  sync::CoinsCache cache(*f.db);
  std::map<wire::OutPoint, Coin> model;
  std::mt19937 rng(7);
  std::uint8_t block = 0;
  for (int step = 0; step < 30'000; ++step) {
    const wire::OutPoint o = outpoint(rng() % 2'000, rng() % 3);
    const auto roll = rng() % 100;
    if (roll < 45) {
      if (model.contains(o)) continue; // BIP30: no overwrite of an unspent coin
      Coin c = rng() % 10 == 0 ? coin(step, script_of(60 + rng() % 40, 1)) : p2pkh(step, step % 500);
      cache.add(o, c, rng() % 20 == 0);
      model[o] = c;
    } else if (roll < 90) {
      auto spent = cache.spend(o).value();
      auto it = model.find(o);
      REQUIRE(spent.has_value() == (it != model.end()));
      if (spent) {
        CHECK(*spent == it->second);
        model.erase(it);
      }
    } else if (roll < 99) {
      CHECK(cache.have(o).value() == model.contains(o));
    } else {
      REQUIRE(cache.flush(block_hash(++block), 0, rng() % 2 ? Keep::clean : Keep::nothing).has_value());
      CHECK(cache.dirty_count() == 0);
    }
  }
  REQUIRE(cache.flush(block_hash(++block)).has_value());
  std::map<wire::OutPoint, Coin> disk;
  REQUIRE(f.db->for_each([&](const wire::OutPoint& o, const Coin& c) { disk[o] = c; }).has_value());
  CHECK(disk == model);
}

TEST_CASE("coin table: memory_usage() follows the allocator as it grows, reuses and shrinks") {
  sync::CoinTable table(crypto::SipKey{1, 2});
  const std::size_t empty = table.memory_usage();
  const std::size_t live_before = test::live_heap_bytes();
  constexpr std::uint32_t kCoins = 4 * sync::CoinTable::kChunkEntries - 5; // chunks nearly full
  const Bytes long_record(200, 0x42);
  for (std::uint32_t i = 0; i < kCoins; ++i) {
    auto [e, added] = table.try_emplace(outpoint(i, i % 3));
    REQUIRE(added);
    table.set_record(e, i % 100 == 0 ? ByteSpan(long_record) : ByteSpan(long_record).first(20));
  }
  const std::size_t grown = table.memory_usage() - empty;
  const std::size_t live = test::live_heap_bytes() - live_before;
  // What the table counts is what it holds from the allocator, plus glibc's 8-byte chunk headers.
  CHECK(grown >= live);
  CHECK(grown <= live + live / 100);
  CHECK(grown >= kCoins * sizeof(sync::CoinTable::Entry));
  CHECK(grown / kCoins < 110); // bytes per coin, index and long records included

  // Spent entries are reused, and their long records given back.
  for (std::uint32_t i = 0; i < kCoins; i += 2) table.erase(*table.find(outpoint(i, i % 3)));
  CHECK(table.size() == kCoins / 2);
  CHECK(table.memory_usage() < empty + grown);
  const std::size_t after_erase = table.memory_usage();
  for (std::uint32_t i = 0; i < kCoins; i += 2) table.try_emplace(outpoint(i + kCoins, 0));
  CHECK(table.memory_usage() == after_erase); // the free entries and the index had room
  for (std::uint32_t i = 1; i < kCoins; i += 2) {
    const auto* e = table.find(outpoint(i, i % 3));
    REQUIRE(e != nullptr);
    CHECK(e->record().size() == (i % 100 == 0 ? 200u : 20u));
  }
  table.clear();
  CHECK(table.size() == 0);
  CHECK(table.memory_usage() == empty);
  CHECK(test::live_heap_bytes() <= live_before + 1024);
}

TEST_CASE("coins cache: a flush larger than a part goes in parts and ends like one batch") {
  Fixture f;
  sync::CoinsCache cache(*f.db, 4096); // parts of 4 KiB: a few dozen coins each
  for (std::uint8_t t = 1; t <= 200; ++t)
    for (std::uint32_t i = 0; i < 5; ++i) cache.add(outpoint(t, i), p2pkh(t));
  REQUIRE(cache.flush(block_hash(7), 0, Keep::clean).has_value());
  CHECK(f.db->best_block() == block_hash(7));
  CHECK_FALSE(f.db->unfinished_flush().has_value());
  for (std::uint8_t t = 1; t <= 200; ++t) CHECK(f.on_disk(outpoint(t, 4)) == p2pkh(t));
  // Spends in parts too; a reopened database has no marker left.
  for (std::uint8_t t = 1; t <= 200; t += 2) REQUIRE(cache.spend(outpoint(t, 0)).value().has_value());
  REQUIRE(cache.flush(block_hash(8), 0, Keep::nothing).has_value());
  f.db.reset();
  f.db = f.open();
  CHECK(f.db->best_block() == block_hash(8));
  CHECK_FALSE(f.db->unfinished_flush().has_value());
  CHECK_FALSE(f.on_disk(outpoint(1, 0)).has_value());
  CHECK(f.on_disk(outpoint(2, 0)) == p2pkh(2));
}

TEST_CASE("coins cache: a flush in parts cut short leaves the marker naming the block it moved to") {
  Fixture f;
  REQUIRE(f.db->apply({{outpoint(1, 0), p2pkh(10)}}, block_hash(1)).has_value());
  sync::CoinsCache cache(*f.db, 4096);
  for (std::uint8_t t = 2; t <= 200; ++t) cache.add(outpoint(t, 0), p2pkh(t));
  {
    WriteFault fault(f.dir.path, 4); // the marker and two parts reach the log (a write a record), then the disk fails
    REQUIRE_FALSE(cache.flush(block_hash(2), 0, Keep::nothing).has_value());
    f.db.reset();
  }
  f.db = f.open();
  REQUIRE(f.db->unfinished_flush().has_value());
  CHECK(f.db->unfinished_flush()->to == block_hash(2));
  CHECK(f.db->unfinished_flush()->from == block_hash(1));
  CHECK(f.db->best_block() == block_hash(1)); // the chain state replays from here (chain_replay.cpp)
  std::size_t written = 0;
  for (std::uint8_t t = 2; t <= 200; ++t) written += f.on_disk(outpoint(t, 0)).has_value();
  CHECK(written > 0);
  CHECK(written < 199);
}
