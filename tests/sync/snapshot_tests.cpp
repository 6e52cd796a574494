// UTXO snapshot files (sync/snapshot_format, snapshot_dump, snapshot_root): Bitcoin Core's own
// files read with the statistics Core printed for them, our dump read back coin for coin, the
// chunk Merkle root against a hand computation, and every kind of hostile file refused with a
// reason (never a crash: each cut of a real file is tried).
#include <doctest/doctest.h>

#include <algorithm>
#include <random>
#include <sstream>
#include <string>
#include <vector>

#include "../temp_dir.hpp"
#include "../test_data.hpp"
#include "consensus/chainparams.hpp"
#include "crypto/sha256.hpp"
#include "sync/snapshot_dump.hpp"
#include "sync/snapshot_format.hpp"
#include "sync/snapshot_root.hpp"
#include "sync/utxo_db.hpp"
#include "sync/utxo_stats.hpp"
#include "util/file.hpp"

using namespace peregrine;

namespace {

const consensus::ChainParams& regtest() { return consensus::chain_params(consensus::Network::regtest); }
const consensus::ChainParams& signet() { return consensus::chain_params(consensus::Network::signet); }

struct ReadResult {
  std::string error; // empty when the file read through
  sync::SnapshotHeader header;
  std::vector<sync::SnapshotCoin> coins;
  sync::UtxoStats stats;
  std::vector<Hash256> chunks;
};

ReadResult read_snapshot(ByteSpan bytes, const wire::Magic* magic, std::optional<std::uint32_t> base_height = {}) {
  ReadResult out;
  std::string text(bytes.begin(), bytes.end());
  std::istringstream in(text);
  auto reader = sync::SnapshotReader::open(in, magic);
  if (!reader) {
    out.error = reader.error();
    return out;
  }
  out.header = (*reader)->header();
  if (base_height) (*reader)->set_base_height(*base_height);
  sync::UtxoStatsAccumulator acc;
  for (;;) {
    auto next = (*reader)->next();
    if (!next) {
      out.error = next.error();
      return out;
    }
    if (!*next) break;
    acc.add((*next)->outpoint, (*next)->coin);
    out.coins.push_back(**next);
  }
  out.stats = *acc.finish();
  out.chunks = (*reader)->chunk_hashes();
  return out;
}

Hash256 from_display(const char* hex) {
  auto h = Hash256::from_hex(hex);
  REQUIRE(h.has_value());
  return *h;
}

consensus::Coin coin(std::int64_t value, int height, std::uint8_t tag, std::size_t script_bytes = 22) {
  consensus::Coin c;
  c.output.value = value;
  c.output.script_pubkey.assign(script_bytes, tag);
  c.output.script_pubkey[0] = 0x00;
  c.height = height;
  c.coinbase = tag % 3 == 0;
  return c;
}

// A small set with txids sharing prefixes, several outputs per txid, and an index past 16,511
// (where Core's VARINT key order stops being numeric order).
std::vector<sync::CoinChange> sample_changes(std::size_t txids) {
  std::vector<sync::CoinChange> changes;
  std::mt19937 rng(7);
  for (std::size_t t = 0; t < txids; ++t) {
    wire::OutPoint o;
    for (auto& b : o.txid.bytes) b = static_cast<std::uint8_t>(rng());
    o.txid.bytes[0] = static_cast<std::uint8_t>(t % 4);
    const std::uint32_t outputs = 1 + t % 4;
    for (std::uint32_t i = 0; i < outputs; ++i) {
      o.index = i == 3 ? 20'000 : i * 7;
      changes.push_back({o, coin(1000 + static_cast<std::int64_t>(t * 10 + i), static_cast<int>(t % 50),
                                 static_cast<std::uint8_t>(t + i), 22 + (t % 30))});
    }
  }
  return changes;
}

Bytes encode_header_for(std::uint64_t count, const wire::Magic& magic, std::uint16_t version = 2) {
  sync::SnapshotHeader h;
  h.version = version;
  h.network_magic = magic;
  h.base_block.bytes[0] = 1;
  h.coins_count = count;
  if (version == 3) h.base_height = 10;
  return sync::encode_snapshot_header(h);
}

// One txid's group: txid (first byte `first`), the coins at `indexes`, each of height `height`.
void append_group(Bytes& out, std::uint8_t first, std::vector<std::uint32_t> indexes, int height = 1) {
  Hash256 txid;
  txid.bytes.fill(0x11);
  txid.bytes[0] = first;
  out.insert(out.end(), txid.bytes.begin(), txid.bytes.end());
  out.push_back(static_cast<std::uint8_t>(indexes.size()));
  for (std::uint32_t i : indexes) sync::write_snapshot_coin(out, i, coin(5000, height, 1));
}

std::string error_of(const Bytes& file, const wire::Magic* magic = nullptr) { return read_snapshot(file, magic).error; }

} // namespace

TEST_CASE("snapshot: Bitcoin Core v31's regtest dump reads with the statistics Core printed") {
  const Bytes file = test::load_shared("snapshots/regtest_206_core31.dat");
  ReadResult r = read_snapshot(file, &regtest().magic);
  REQUIRE_MESSAGE(r.error.empty(), r.error);
  CHECK(r.header.version == 2);
  CHECK_FALSE(r.header.base_height.has_value());
  CHECK(r.header.base_block == from_display("3de082158b117acd088306c395d09771bb7cbf0b7355796c1b1e0bd748ef9bed"));
  CHECK(r.header.coins_count == 230);
  CHECK(r.coins.size() == 230);
  CHECK(r.stats.hash_serialized_3 == from_display("6f596a9fb79023e72ac6c2423e9dff4991f49994c0a55d1a2124ce03a98e9d74"));
  // One chunk: the root is the file's own SHA256d.
  REQUIRE(r.chunks.size() == 1);
  CHECK(sync::chunk_merkle_root(r.chunks) == crypto::sha256d(file));
  // On another network it is refused by its message start.
  CHECK(error_of(file, &signet().magic).find("another network") != std::string::npos);
}

TEST_CASE("snapshot: Core 28's and Core 27's (headerless) signet dumps hold the same set") {
  ReadResult v2 = read_snapshot(test::load_shared("snapshots/signet_100_core28.dat"), &signet().magic);
  ReadResult legacy = read_snapshot(test::load_shared("snapshots/signet_100_core27.dat"), &signet().magic);
  REQUIRE_MESSAGE(v2.error.empty(), v2.error);
  REQUIRE_MESSAGE(legacy.error.empty(), legacy.error);
  CHECK(v2.header.version == 2);
  CHECK(legacy.header.version == sync::kSnapshotVersionLegacy);
  CHECK(v2.header.base_block == legacy.header.base_block);
  CHECK(v2.coins.size() == v2.header.coins_count);
  CHECK(v2.coins.size() > 0);
  CHECK(v2.stats.hash_serialized_3 == legacy.stats.hash_serialized_3);
  CHECK(v2.stats.txouts == legacy.stats.txouts);
  CHECK(v2.stats.total_amount == legacy.stats.total_amount);
}

TEST_CASE("snapshot: the chunk root promotes an odd node and hashes pairs") {
  auto leaf = [](std::uint8_t b) {
    Hash256 h;
    h.bytes.fill(b);
    return h;
  };
  const Hash256 a = leaf(1), b = leaf(2), c = leaf(3), d = leaf(4), e = leaf(5);
  using crypto::sha256d_pair;
  CHECK(sync::chunk_merkle_root({}) == Hash256{});
  CHECK(sync::chunk_merkle_root(std::vector{a}) == a);
  CHECK(sync::chunk_merkle_root(std::vector{a, b}) == sha256d_pair(a, b));
  // Three: c is promoted unchanged (not paired with itself as in a block's merkle tree).
  CHECK(sync::chunk_merkle_root(std::vector{a, b, c}) == sha256d_pair(sha256d_pair(a, b), c));
  CHECK(sync::chunk_merkle_root(std::vector{a, b, c, d, e}) ==
        sha256d_pair(sha256d_pair(sha256d_pair(a, b), sha256d_pair(c, d)), e));
}

TEST_CASE("snapshot: chunk leaves do not depend on how the bytes are written") {
  Bytes data(2 * sync::kSnapshotChunkBytes + 12345);
  std::mt19937 rng(3);
  for (auto& x : data) x = static_cast<std::uint8_t>(rng());
  sync::ChunkHasher pieces;
  for (std::size_t at = 0; at < data.size();) {
    const std::size_t n = std::min<std::size_t>(data.size() - at, 1 + rng() % 1'500'000);
    pieces.write(ByteSpan(data).subspan(at, n));
    at += n;
  }
  const auto leaves = pieces.finish();
  REQUIRE(leaves.size() == 3);
  CHECK(sync::chunk_count(data.size()) == 3);
  for (std::size_t i = 0; i < 3; ++i) {
    const std::size_t from = i * sync::kSnapshotChunkBytes;
    CHECK(leaves[i] == crypto::sha256d(ByteSpan(data).subspan(from, std::min(sync::kSnapshotChunkBytes, data.size() - from))));
  }
}

TEST_CASE("snapshot: a dump of a database reads back coin for coin, with the database's statistics") {
  test::TempDir dir("peregrine-snapshot-dump");
  auto db = sync::UtxoDb::open(dir.path / "chainstate", regtest());
  REQUIRE_MESSAGE(db.has_value(), db.error());
  Hash256 best;
  best.bytes[5] = 9;
  const auto changes = sample_changes(300);
  REQUIRE((*db)->apply(changes, best, 77).has_value());
  auto expected = sync::compute_utxo_stats(**db);
  REQUIRE(expected.has_value());

  for (std::uint16_t version : {std::uint16_t{2}, std::uint16_t{3}}) {
    CAPTURE(version);
    const auto path = dir.path / ("set" + std::to_string(version) + ".dat");
    auto dump = sync::dump_utxo_snapshot(**db, regtest().magic, version, 49, path);
    REQUIRE_MESSAGE(dump.has_value(), dump.error());
    CHECK(dump->header.coins_count == changes.size());
    CHECK(dump->stats.hash_serialized_3 == expected->hash_serialized_3);
    CHECK(dump->stats.muhash == Hash256{}); // left out: Core gives hash_serialized_3 only
    CHECK_FALSE(std::filesystem::exists(sync::incomplete_snapshot_path(path)));
    auto bytes = util::read_file(path);
    REQUIRE(bytes.has_value());
    CHECK(bytes->size() == dump->bytes);
    CHECK(dump->root == crypto::sha256d(*bytes));
    ReadResult back = read_snapshot(*bytes, &regtest().magic);
    REQUIRE_MESSAGE(back.error.empty(), back.error);
    CHECK(back.header.base_block == best);
    CHECK(back.header.base_height == (version == 3 ? std::optional<std::uint32_t>(49) : std::nullopt));
    CHECK(back.coins.size() == changes.size());
    CHECK(back.stats.hash_serialized_3 == expected->hash_serialized_3);
    for (const auto& c : back.coins) {
      auto stored = (*db)->get(c.outpoint);
      REQUIRE(stored.has_value());
      REQUIRE(stored->has_value());
      CHECK(**stored == c.coin);
    }
    // Core's rule: never over an existing file.
    auto again = sync::dump_utxo_snapshot(**db, regtest().magic, version, 49, path);
    REQUIRE_FALSE(again.has_value());
    CHECK(again.error().find("already exists") != std::string::npos);
  }
}

TEST_CASE("snapshot: every cut of a real file is an error, never a crash or a success") {
  const Bytes file = test::load_shared("snapshots/regtest_206_core31.dat");
  for (std::size_t cut = 0; cut < file.size(); cut += (cut < 200 ? 1 : 97)) {
    CAPTURE(cut);
    const Bytes part(file.begin(), file.begin() + static_cast<std::ptrdiff_t>(cut));
    CHECK_FALSE(error_of(part, &regtest().magic).empty());
  }
}

TEST_CASE("snapshot: hostile files are refused with the reason") {
  const wire::Magic& magic = regtest().magic;
  auto body = [](std::initializer_list<std::pair<std::uint8_t, std::vector<std::uint32_t>>> groups) {
    Bytes b;
    for (const auto& [first, indexes] : groups) append_group(b, first, indexes);
    return b;
  };
  auto file = [&](std::uint64_t count, const Bytes& b, std::uint16_t version = 2) {
    Bytes f = encode_header_for(count, magic, version);
    f.insert(f.end(), b.begin(), b.end());
    return f;
  };
  const Bytes good = body({{1, {0, 1}}, {2, {5}}});
  REQUIRE(error_of(file(3, good)).empty());

  SUBCASE("padded") {
    Bytes f = file(3, good);
    f.push_back(0);
    CHECK(error_of(f).find("1 more bytes follow") != std::string::npos);
  }
  SUBCASE("a count that says fewer") { CHECK(error_of(file(2, good)).find("bad snapshot") != std::string::npos); }
  SUBCASE("a count that says more") { CHECK(error_of(file(4, good)).find("after 3 of the 4 coins") != std::string::npos); }
  SUBCASE("a huge count") { CHECK(error_of(file(~std::uint64_t{0}, good)).find("ends at byte") != std::string::npos); }
  SUBCASE("a group claiming more coins than the count leaves") {
    Bytes b = good;
    b[32] = 200;
    CHECK(error_of(file(3, b)).find("only 3 are left") != std::string::npos);
  }
  SUBCASE("unsorted txids") { CHECK(error_of(file(3, body({{2, {5}}, {1, {0, 1}}}))).find("out of order") != std::string::npos); }
  SUBCASE("unsorted indexes") { CHECK(error_of(file(2, body({{1, {1, 0}}}))).find("out of order") != std::string::npos); }
  SUBCASE("a duplicate coin") { CHECK(error_of(file(2, body({{1, {4}}, {1, {4}}}))).find("repeats") != std::string::npos); }
  SUBCASE("a txid with no coins") { CHECK(error_of(file(1, body({{1, {}}}))).find("no coins") != std::string::npos); }
  SUBCASE("another network") {
    CHECK(error_of(file(3, good), &signet().magic).find("another network") != std::string::npos);
    CHECK(error_of(file(3, good), &magic).empty());
  }
  SUBCASE("an unknown version") {
    Bytes f = file(3, good);
    f[5] = 9;
    CHECK(error_of(f).find("version 9 is not supported") != std::string::npos);
  }
  SUBCASE("no magic and no plausible legacy header") {
    Bytes f(40, 0xff);
    CHECK(error_of(f).find("not a UTXO snapshot") != std::string::npos);
  }
  SUBCASE("a coin above the base height") {
    Bytes b;
    append_group(b, 1, {0}, 11);
    CHECK(error_of(file(1, b, 3)).find("height 11 above the base block's 10") != std::string::npos);
    Bytes ok;
    append_group(ok, 1, {0}, 10);
    CHECK(error_of(file(1, ok, 3)).empty());
  }
  SUBCASE("an unspendable output") {
    Bytes b;
    Hash256 txid;
    b.insert(b.end(), txid.bytes.begin(), txid.bytes.end());
    b.push_back(1);
    consensus::Coin c = coin(1, 1, 1);
    c.output.script_pubkey = {0x6a, 0x01, 0x02};
    sync::write_snapshot_coin(b, 0, c);
    CHECK(error_of(file(1, b)).find("unspendable") != std::string::npos);
  }
  SUBCASE("an amount beyond MAX_MONEY") {
    Bytes b;
    append_group(b, 1, {0});
    // The coin's VARINT code (height 1: 0x02) then its amount: make the amount VARINT huge.
    Bytes evil(b.begin(), b.begin() + 34);
    evil.push_back(0x02);
    for (int i = 0; i < 9; ++i) evil.push_back(0xff);
    evil.push_back(0x7f);
    evil.push_back(0x00);
    evil.insert(evil.end(), 20, 0xaa);
    CHECK_FALSE(error_of(file(1, evil)).empty());
  }
}
