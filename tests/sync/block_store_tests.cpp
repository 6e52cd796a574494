// The block store and undo data: 600 mainnet blocks written as Core's blk framing byte for byte,
// rotation and reopening, undo records with Core's checksum and encoding (every script kind, and
// the real coins block 367,891 spent), and damaged files or positions as errors naming the file.
#include <doctest/doctest.h>

#include "temp_dir.hpp"

#include <filesystem>
#include <fstream>
#include <random>

#include <fmt/format.h>

#include "crypto/sha256.hpp"
#include "consensus/spent_outputs.hpp"
#include "sync/block_store.hpp"
#include "sync/block_undo.hpp"
#include "test_data.hpp"
#include "util/hex.hpp"
#include "wire/allocation_tracker.hpp"
#include "wire/blk_file.hpp"
#include "wire/block.hpp"
#include "wire/codec.hpp"

using namespace peregrine;
using consensus::Coin;
using sync::BlockPos;
using sync::BlockStore;
using sync::BlockUndo;
using wire::DecodeErrc;

namespace {

const consensus::ChainParams& mainnet() { return consensus::chain_params(consensus::Network::main); }

// DATADIR/blocks under a fresh temporary datadir, so messages read "blocks/blk00000.dat".
struct TempBlocksDir {
  test::TempDir root{"peregrine-blocks"};
  std::filesystem::path path = root.path / "blocks";
  std::filesystem::path file(const std::string& name) const { return path / name; }
};

std::unique_ptr<BlockStore> open_store(const TempBlocksDir& dir, std::uint32_t max_file_size = sync::kDefaultMaxBlockFileSize) {
  auto store = BlockStore::open(dir.path, mainnet(), max_file_size);
  REQUIRE_MESSAGE(store.has_value(), store.error());
  return std::move(*store);
}

Bytes read_bytes(const std::filesystem::path& path) {
  auto bytes = util::read_file(path);
  REQUIRE_MESSAGE(bytes.has_value(), bytes.error());
  return std::move(*bytes);
}

// The 600 mainnet blocks, each with where its record starts in the source file.
struct ChainFile {
  Bytes bytes = test::load_shared("chain/mainnet_blocks_0_599.blk");
  std::vector<wire::BlkRecord> records;
  ChainFile() {
    wire::Reader r(bytes);
    while (!r.at_end()) {
      auto record = wire::read_blk_record(r, mainnet().magic);
      REQUIRE(record.has_value());
      records.push_back(*record);
    }
    REQUIRE(records.size() == 600);
  }
};

// Every blk file of the directory, in number order, as one byte string.
Bytes concatenated_block_files(const TempBlocksDir& dir, std::uint32_t count) {
  Bytes all;
  for (std::uint32_t n = 0; n < count; ++n) {
    Bytes part = read_bytes(dir.file(sync::block_file_name(n)));
    all.insert(all.end(), part.begin(), part.end());
  }
  return all;
}

void overwrite_byte(const std::filesystem::path& path, std::uint64_t offset, std::uint8_t value) {
  std::fstream f(path, std::ios::in | std::ios::out | std::ios::binary);
  REQUIRE(f.good());
  f.seekp(static_cast<std::streamoff>(offset));
  f.put(static_cast<char>(value));
  REQUIRE(f.good());
}

void append_bytes(const std::filesystem::path& path, const Bytes& bytes) {
  std::ofstream f(path, std::ios::app | std::ios::binary);
  f.write(reinterpret_cast<const char*>(bytes.data()), static_cast<std::streamsize>(bytes.size()));
  REQUIRE(f.good());
}

Bytes hex(std::string_view h) { return util::from_hex(h).value(); }

Coin coin(Bytes script, std::int64_t value, int height, bool coinbase = false) {
  Coin c;
  c.output.value = value;
  c.output.script_pubkey = std::move(script);
  c.height = height;
  c.coinbase = coinbase;
  return c;
}

Hash256 hash_of(std::uint8_t tag) {
  Hash256 h;
  h.bytes.fill(tag);
  return h;
}

const Bytes kKeyEvenY = hex("0479be667ef9dcbbac55a06295ce870b07029bfcdb2dce28d959f2815b16f81798"
                            "483ada7726a3c4655da4fbfc0e1108a8fd17b448a68554199c47d08ffb10d4b8");
const Bytes kKeyOddY = hex("04678afdb0fe5548271967f1a67130b7105cd6a828e03909a67962e0ea1f61deb6"
                           "49f6bc3f4cef38c4f35504e51ec112de5c384df7ba0b8d578a4c702b6bf11d5f");

Bytes pay_to_key(const Bytes& key) {
  Bytes s{static_cast<std::uint8_t>(key.size())};
  s.insert(s.end(), key.begin(), key.end());
  s.push_back(0xac);
  return s;
}

// One coin of each compressed script form and several raw ones, at heights with and without the
// version byte.
BlockUndo every_script_kind() {
  Bytes off_curve = kKeyEvenY;
  off_curve[1] = 0; // y no longer matches x: stays a raw script
  Bytes compressed_even(kKeyEvenY.begin(), kKeyEvenY.begin() + 33);
  compressed_even[0] = 0x02;
  Bytes compressed_odd = compressed_even;
  compressed_odd[0] = 0x03;
  BlockUndo undo;
  undo.txs.push_back({
      coin(hex("76a914816115944e077fe7c803cfa57f29b36bf87c1d3588ac"), 5'000'000'000, 1, true), // P2PKH
      coin(hex("a914816115944e077fe7c803cfa57f29b36bf87c1d3587"), 1, 0),                        // P2SH
      coin(pay_to_key(compressed_even), 123'456'789, 170),
      coin(pay_to_key(compressed_odd), consensus::kMaxMoney, 2'147'483'647),
  });
  undo.txs.push_back({});
  undo.txs.push_back({
      coin(pay_to_key(kKeyEvenY), 0, 9, true),
      coin(pay_to_key(kKeyOddY), 50, 100'000),
      coin(pay_to_key(off_curve), 7, 3),
      coin(hex("0014751e76e8199196d454941c45d1b3a323f1433bd6"), 99'999, 481'824), // P2WPKH
      coin(hex("5120a60869f0dbcf1dc659c9cecbaf8050135ea9e8cdc487053f1dc6880949dc684c"), 330, 709'632), // P2TR
      coin(hex("6a0b68656c6c6f20776f726c64"), 0, 500'000), // OP_RETURN
      coin({}, 0, 0),                                     // empty script
      coin(Bytes(10'000, 0x51), 1000, 12),                // the longest script kept as it is
  });
  return undo;
}

// Block 367,891's undo data, grouped from the outputs its inputs spent.
struct RealUndo {
  wire::Block block;
  BlockUndo undo;
  RealUndo() {
    auto block_or = wire::from_bytes<wire::Block>(test::load_shared("blocks/mainnet_367891.raw"));
    REQUIRE(block_or.has_value());
    block = std::move(*block_or);
    auto text = util::read_text_file(test::shared_data("blocks/mainnet_367891.spent.json"));
    REQUIRE(text.has_value());
    auto spent = consensus::parse_spent_outputs(*text);
    REQUIRE_MESSAGE(spent.has_value(), spent.error());
    std::size_t next = 0;
    for (std::size_t t = 1; t < block.txs.size(); ++t) {
      auto& coins = undo.txs.emplace_back();
      for (std::size_t i = 0; i < block.txs[t].inputs.size(); ++i, ++next) {
        REQUIRE(next < spent->size());
        const auto& s = (*spent)[next];
        coins.push_back(coin(s.output.script_pubkey, s.output.value, s.height, s.coinbase));
      }
    }
    REQUIRE(next == spent->size());
  }
};

std::string read_error(const std::expected<Bytes, std::string>& got) {
  REQUIRE_FALSE(got.has_value());
  return got.error();
}

} // namespace

TEST_CASE("block store: 600 mainnet blocks are written byte for byte as Core's blk framing") {
  ChainFile chain;
  TempBlocksDir dir;
  std::vector<BlockPos> positions;
  {
    auto store = open_store(dir);
    for (const auto& record : chain.records) {
      auto pos = store->write_block(record.block);
      REQUIRE_MESSAGE(pos.has_value(), pos.error());
      CHECK(*pos == BlockPos{0, static_cast<std::uint32_t>(record.offset + sync::kRecordPrefixSize)});
      positions.push_back(*pos);
    }
    REQUIRE(store->sync().has_value());
    CHECK(store->disk_bytes() == chain.bytes.size());
    // Readable before and after the sync, from the store that wrote them.
    for (std::size_t i = 0; i < positions.size(); i += 37) {
      auto got = store->read_block(positions[i]);
      REQUIRE_MESSAGE(got.has_value(), got.error());
      CHECK(std::ranges::equal(*got, chain.records[i].block));
    }
  }
  CHECK(read_bytes(dir.file("blk00000.dat")) == chain.bytes);
  CHECK_FALSE(std::filesystem::exists(dir.file("rev00000.dat"))); // nothing written, nothing created

  auto store = open_store(dir);
  CHECK(store->disk_bytes() == chain.bytes.size());
  for (std::size_t i = 0; i < positions.size(); ++i) {
    auto got = store->read_block(positions[i]);
    REQUIRE_MESSAGE(got.has_value(), got.error());
    CHECK(std::ranges::equal(*got, chain.records[i].block));
  }
  // The first decodes as the genesis block.
  auto genesis = wire::from_bytes<wire::Block>(store->read_block(positions[0]).value());
  REQUIRE(genesis.has_value());
  CHECK(wire::block_hash(genesis->header) == mainnet().genesis_hash);
}

TEST_CASE("block store: files rotate at max_file_size and reopening continues where they end") {
  ChainFile chain;
  constexpr std::uint32_t kMax = 20'000;
  TempBlocksDir dir;
  std::vector<BlockPos> positions;
  auto write = [&](BlockStore& store, std::size_t from, std::size_t to) {
    for (std::size_t i = from; i < to; ++i) {
      auto pos = store.write_block(chain.records[i].block);
      REQUIRE_MESSAGE(pos.has_value(), pos.error());
      positions.push_back(*pos);
    }
    REQUIRE(store.sync().has_value());
  };
  {
    auto store = open_store(dir, kMax);
    write(*store, 0, 250);
  }
  const std::uint32_t files_before = positions.back().file + 1;
  {
    auto store = open_store(dir, kMax);
    write(*store, 250, 600);
    CHECK(store->disk_bytes() == chain.bytes.size());
  }
  // Reopening added to the last file rather than starting a new one.
  CHECK(positions[250].file == files_before - 1);
  CHECK(positions[250].offset == positions[249].offset + chain.records[249].block.size() + sync::kRecordPrefixSize);

  const std::uint32_t files = positions.back().file + 1;
  CHECK(files > chain.bytes.size() / kMax);
  for (std::size_t i = 1; i < positions.size(); ++i) {
    const bool rotated = positions[i].file != positions[i - 1].file;
    CHECK(positions[i].file == positions[i - 1].file + (rotated ? 1 : 0));
    // A file moves on exactly when the next record would not fit.
    const auto end_if_added = positions[i - 1].offset + chain.records[i - 1].block.size() + 8 + chain.records[i].block.size();
    CHECK(rotated == (end_if_added > kMax));
    if (rotated) CHECK(positions[i].offset == sync::kRecordPrefixSize);
  }
  for (std::uint32_t n = 0; n < files; ++n) CHECK(std::filesystem::file_size(dir.file(sync::block_file_name(n))) <= kMax);
  CHECK(concatenated_block_files(dir, files) == chain.bytes);

  auto store = open_store(dir, kMax);
  for (std::size_t i = 0; i < positions.size(); ++i) {
    auto got = store->read_block(positions[i]);
    REQUIRE_MESSAGE(got.has_value(), got.error());
    CHECK(std::ranges::equal(*got, chain.records[i].block));
  }
}

TEST_CASE("block store: a record larger than max_file_size gets a file of its own") {
  ChainFile chain;
  TempBlocksDir dir;
  auto store = open_store(dir, 100); // every block is larger
  for (std::uint32_t i = 0; i < 4; ++i) {
    auto pos = store->write_block(chain.records[i].block);
    REQUIRE(pos.has_value());
    CHECK(*pos == BlockPos{i, sync::kRecordPrefixSize});
  }
  REQUIRE(store->sync().has_value());
  CHECK(std::filesystem::file_size(dir.file("blk00003.dat")) == chain.records[3].block.size() + 8);
}

TEST_CASE("block store: blk and rev files are numbered independently, and only Core's names count") {
  ChainFile chain;
  const Bytes undo = sync::encode_undo(every_script_kind()); // over 10,000 bytes
  TempBlocksDir dir;
  {
    auto store = open_store(dir, 16'000);
    for (int i = 0; i < 3; ++i) CHECK(store->write_undo(undo, hash_of(1)).value() == BlockPos{static_cast<std::uint32_t>(i), 8});
    CHECK(store->write_block(chain.records[0].block).value() == BlockPos{0, 8});
    REQUIRE(store->sync().has_value());
  }
  for (const char* stray : {"blk7.dat", "blk00009.dat.tmp", "blk000010.dat", "blk+0011.dat", "rev0000x.dat", "xblk00012.dat"})
    append_bytes(dir.file(stray), Bytes{1, 2, 3});
  std::filesystem::create_directory(dir.file("rev00013.dat"));

  auto store = open_store(dir, 16'000);
  CHECK(store->disk_bytes() == 3 * (undo.size() + 40) + chain.records[0].block.size() + 8);
  CHECK(store->write_undo(undo, hash_of(2)).value() == BlockPos{3, 8});
  CHECK(store->write_block(chain.records[1].block).value() ==
        BlockPos{0, static_cast<std::uint32_t>(16 + chain.records[0].block.size())});
  CHECK(store->read_undo({2, 8}, hash_of(1)).value() == undo);
  CHECK(store->read_undo({3, 8}, hash_of(2)).value() == undo);
  REQUIRE(store->sync().has_value());
}

TEST_CASE("block store: a partial record left by a crash is skipped, not overwritten or read") {
  ChainFile chain;
  TempBlocksDir dir;
  std::vector<BlockPos> positions;
  {
    auto store = open_store(dir);
    for (std::size_t i = 0; i < 10; ++i) positions.push_back(store->write_block(chain.records[i].block).value());
  }
  const auto before = std::filesystem::file_size(dir.file("blk00000.dat"));
  Bytes torn(chain.bytes.begin() + static_cast<std::ptrdiff_t>(chain.records[10].offset),
             chain.bytes.begin() + static_cast<std::ptrdiff_t>(chain.records[10].offset) + 50);
  append_bytes(dir.file("blk00000.dat"), torn);

  auto store = open_store(dir);
  auto pos = store->write_block(chain.records[11].block);
  REQUIRE(pos.has_value());
  CHECK(*pos == BlockPos{0, static_cast<std::uint32_t>(before + torn.size() + 8)});
  for (std::size_t i = 0; i < 10; ++i) CHECK(std::ranges::equal(store->read_block(positions[i]).value(), chain.records[i].block));
  CHECK(std::ranges::equal(store->read_block(*pos).value(), chain.records[11].block));
}

TEST_CASE("block store: bad positions, damaged frames and other networks' files are clear errors") {
  ChainFile chain;
  TempBlocksDir dir;
  auto store = open_store(dir);
  std::vector<BlockPos> positions;
  for (std::size_t i = 0; i < 3; ++i) positions.push_back(store->write_block(chain.records[i].block).value());
  REQUIRE(store->sync().has_value());
  const auto size = std::filesystem::file_size(dir.file("blk00000.dat"));

  CHECK(read_error(store->read_block({0, 0})) == "blocks/blk00000.dat at 0: not a record position (before the first payload)");
  CHECK(read_error(store->read_block({0, 7})).find("not a record position") != std::string::npos);
  CHECK(read_error(store->read_block({0, static_cast<std::uint32_t>(size + 1)})) ==
        fmt::format("blocks/blk00000.dat at {}: past the file end ({} bytes)", size + 1, size));
  CHECK(read_error(store->read_block({3, 8})).find("blocks/blk00003.dat at 8: cannot open") == 0);
  CHECK(read_error(store->read_block({0, positions[1].offset + 1})) ==
        fmt::format("blocks/blk00000.dat at {}: bad magic (not the start of a record)", positions[1].offset + 1));
  // The end of the file is a position, but no record starts there.
  CHECK(read_error(store->read_block({0, static_cast<std::uint32_t>(size)})).find("bad magic") != std::string::npos);
  // No undo was written: a block position is no undo position.
  CHECK(read_error(store->read_undo(positions[0], hash_of(1))).find("blocks/rev00000.dat at 8: cannot open") == 0);

  // Lengths: zero, over the block limit, and past the end of the file.
  const std::uint64_t length_at = positions[1].offset - 4;
  overwrite_byte(dir.file("blk00000.dat"), length_at, 0);
  overwrite_byte(dir.file("blk00000.dat"), length_at + 1, 0);
  CHECK(read_error(store->read_block(positions[1])).find("bad record length 0") != std::string::npos);
  overwrite_byte(dir.file("blk00000.dat"), length_at + 3, 0x7f);
  CHECK(read_error(store->read_block(positions[1])).find("bad record length 2130706432") != std::string::npos);
  CHECK(std::ranges::equal(store->read_block(positions[0]).value(), chain.records[0].block));

  std::filesystem::resize_file(dir.file("blk00000.dat"), size - 1);
  const auto last = chain.records[2].block.size();
  CHECK(read_error(store->read_block(positions[2])) ==
        fmt::format("blocks/blk00000.dat at {}: record of {} bytes runs past the file end ({} bytes)", positions[2].offset, last, size - 1));

  // The same files read with regtest's magic are not records.
  auto regtest = BlockStore::open(dir.path, consensus::chain_params(consensus::Network::regtest));
  REQUIRE(regtest.has_value());
  CHECK(read_error((*regtest)->read_block(positions[0])).find("bad magic") != std::string::npos);
}

TEST_CASE("block store: blocks no valid chain holds are refused") {
  TempBlocksDir dir;
  auto store = open_store(dir);
  CHECK_FALSE(store->write_block({}).has_value());
  CHECK_FALSE(store->write_block(Bytes(wire::kMaxBlockSerializedSize + 1, 0)).has_value());
  CHECK(store->write_block(Bytes(wire::kMaxBlockSerializedSize, 0)).has_value());
  CHECK_FALSE(store->write_undo({}, hash_of(1)).has_value());
}

TEST_CASE("undo encoding: Core's CBlockUndo layout, byte for byte") {
  Bytes p2pkh = hex("76a914816115944e077fe7c803cfa57f29b36bf87c1d3588ac");
  BlockUndo undo;
  undo.txs.push_back({coin({}, 0, 0), coin(p2pkh, 5'000'000'000, 1, true)});
  // 1 tx, 2 coins; height 0: code 00, no version, amount 00, raw script of 0 bytes (kind 6);
  // height 1 coinbase: code 03, version 00, 50 BTC compressed to 0x32, P2PKH kind 00 and the hash.
  const Bytes expected = hex("0102" "000006" "030032" "00816115944e077fe7c803cfa57f29b36bf87c1d35");
  CHECK(sync::encode_undo(undo) == expected);
  CHECK(sync::decode_undo(expected).value() == undo);
  CHECK(sync::encode_undo(BlockUndo{}) == Bytes{0x00});

  // Old undo files stored a transaction version where we write 0: read and ignored, as Core does.
  Bytes old_version = expected;
  old_version[6] = 0x02;
  CHECK(sync::decode_undo(old_version).value() == undo);
  // The version VARINT is read in full.
  Bytes wide_version = hex("0101" "03" "8100" "32" "00816115944e077fe7c803cfa57f29b36bf87c1d35");
  CHECK(sync::decode_undo(wide_version).value().txs[0][0] == coin(p2pkh, 5'000'000'000, 1, true));
}

TEST_CASE("undo encoding: every script kind round-trips through the store and its checksum") {
  const BlockUndo undo = every_script_kind();
  const Bytes encoded = sync::encode_undo(undo);
  auto decoded = sync::decode_undo(encoded);
  REQUIRE_MESSAGE(decoded.has_value(), decoded.error().message());
  CHECK(*decoded == undo);

  TempBlocksDir dir;
  const Hash256 parent = hash_of(0x42);
  BlockPos first;
  BlockPos second;
  {
    auto store = open_store(dir);
    first = store->write_undo(encoded, parent).value();
    second = store->write_undo(sync::encode_undo(BlockUndo{}), hash_of(7)).value();
    REQUIRE(store->sync().has_value());
    CHECK(store->disk_bytes() == encoded.size() + 1 + 2 * (8 + 32));
  }
  CHECK(first == BlockPos{0, 8});
  CHECK(second == BlockPos{0, static_cast<std::uint32_t>(8 + encoded.size() + 32 + 8)});
  CHECK_FALSE(std::filesystem::exists(dir.file("blk00000.dat")));
  // The record is Core's: magic, length, payload, sha256d(hash || payload).
  const Bytes file = read_bytes(dir.file("rev00000.dat"));
  CHECK(std::equal(mainnet().magic.begin(), mainnet().magic.end(), file.begin()));
  CHECK(file[4] == (encoded.size() & 0xff));
  Bytes preimage(parent.bytes.begin(), parent.bytes.end());
  preimage.insert(preimage.end(), encoded.begin(), encoded.end());
  const Hash256 checksum = crypto::sha256d(preimage);
  CHECK(std::equal(checksum.bytes.begin(), checksum.bytes.end(), file.begin() + 8 + static_cast<std::ptrdiff_t>(encoded.size())));

  auto store = open_store(dir);
  auto raw = store->read_undo(first, parent);
  REQUIRE_MESSAGE(raw.has_value(), raw.error());
  CHECK(sync::decode_undo(*raw).value() == undo);
  CHECK(sync::decode_undo(store->read_undo(second, hash_of(7)).value()).value() == BlockUndo{});
}

TEST_CASE("undo encoding: the coins mainnet block 367,891 spent") {
  RealUndo real;
  REQUIRE(real.undo.txs.size() == real.block.txs.size() - 1);
  const Bytes encoded = sync::encode_undo(real.undo);
  CHECK(sync::decode_undo(encoded).value() == real.undo);

  TempBlocksDir dir;
  auto store = open_store(dir);
  const Hash256& parent = real.block.header.prev_block; // Core keys the checksum with the parent
  auto pos = store->write_undo(encoded, parent);
  REQUIRE(pos.has_value());
  auto raw = store->read_undo(*pos, parent);
  REQUIRE_MESSAGE(raw.has_value(), raw.error());
  CHECK(*raw == encoded);
  CHECK(read_error(store->read_undo(*pos, wire::block_hash(real.block.header))) ==
        "blocks/rev00000.dat at 8: checksum mismatch");
}

TEST_CASE("undo records: a changed byte, a wrong hash or a cut file is reported, never decoded") {
  const Bytes encoded = sync::encode_undo(every_script_kind());
  TempBlocksDir dir;
  auto store = open_store(dir, 1000); // each record in its own rev file
  const Hash256 parent = hash_of(3);
  std::vector<BlockPos> positions;
  for (int i = 0; i < 4; ++i) positions.push_back(store->write_undo(encoded, parent).value());
  CHECK(positions[3] == BlockPos{3, 8});
  REQUIRE(store->sync().has_value());
  for (const auto& pos : positions) REQUIRE(store->read_undo(pos, parent).has_value());

  CHECK(read_error(store->read_undo(positions[0], hash_of(4))) == "blocks/rev00000.dat at 8: checksum mismatch");
  overwrite_byte(dir.file("rev00001.dat"), 8 + 100, encoded[100] ^ 0x01);
  CHECK(read_error(store->read_undo(positions[1], parent)) == "blocks/rev00001.dat at 8: checksum mismatch");
  overwrite_byte(dir.file("rev00002.dat"), 8 + encoded.size() + 31, 0x00);
  overwrite_byte(dir.file("rev00002.dat"), 8 + encoded.size() + 30, 0x00);
  CHECK(read_error(store->read_undo(positions[2], parent)) == "blocks/rev00002.dat at 8: checksum mismatch");
  std::filesystem::resize_file(dir.file("rev00003.dat"), 8 + encoded.size() + 31);
  CHECK(read_error(store->read_undo(positions[3], parent)).find("blocks/rev00003.dat at 8: record of") == 0);
  std::filesystem::resize_file(dir.file("rev00003.dat"), 5);
  CHECK(read_error(store->read_undo(positions[3], parent)) == "blocks/rev00003.dat at 8: past the file end (5 bytes)");
  // Undo lengths have no block limit but must fit the file: a forged one allocates nothing.
  overwrite_byte(dir.file("rev00000.dat"), 7, 0xff);
  CHECK(read_error(store->read_undo(positions[0], parent)).find("runs past the file end") != std::string::npos);
  // A record that does not decode is still delivered intact: the checksum is over the bytes.
  Bytes junk{0x05};
  auto junk_pos = store->write_undo(junk, parent).value();
  CHECK(store->read_undo(junk_pos, parent).value() == junk);
  CHECK_FALSE(sync::decode_undo(junk).has_value());
}

TEST_CASE("undo decoding: hostile bytes are typed errors that allocate nothing they do not pay for") {
  const Bytes good = sync::encode_undo(every_script_kind());
  // Every cut of a valid record is an error, never a crash.
  for (std::size_t n = 0; n < good.size(); n += 1 + n / 64) {
    auto got = sync::decode_undo(ByteSpan(good).first(n));
    REQUIRE_FALSE(got.has_value());
    CHECK(got.error().offset <= n);
  }
  Bytes trailing = good;
  trailing.push_back(0);
  CHECK(sync::decode_undo(trailing).error().code == DecodeErrc::trailing_bytes);

  // 2^25 transactions, or coins, claimed in a handful of bytes.
  for (const char* forged : {"fe00000002", "01fe00000002000006"}) {
    const Bytes bytes = hex(forged);
    std::size_t allocated = 0;
    auto got = [&] {
      test::AllocationScope scope;
      auto r = sync::decode_undo(bytes);
      allocated = scope.total_bytes();
      return r;
    }();
    REQUIRE_FALSE(got.has_value());
    CHECK(got.error().code == DecodeErrc::truncated);
    CHECK(allocated < 1024);
  }
  CHECK(sync::decode_undo(hex("fe01000002")).error().code == DecodeErrc::size_too_large);
  CHECK(sync::decode_undo(hex("fd0100")).error().code == DecodeErrc::non_canonical_size);
  // A height code wider than Core's 32 bits, at its first byte.
  auto wide = sync::decode_undo(hex("0101" "8f8f8f8f7f" "0006"));
  CHECK(wide.error() == wire::DecodeError{DecodeErrc::bad_value, 2, "undo.height"});
  auto wide_version = sync::decode_undo(hex("0101" "02" "8f8f8f8f7f" "0006"));
  CHECK(wide_version.error() == wire::DecodeError{DecodeErrc::bad_value, 3, "undo.version"});
  // Coin rules are the UTXO database's: an amount past MAX_MONEY is refused.
  Bytes rich{0x01, 0x01, 0x00};
  wire::Writer w(rich);
  consensus::write_varint(w, consensus::compress_amount(consensus::kMaxMoney + 1));
  w.u8(0x06);
  CHECK(sync::decode_undo(rich).error() == wire::DecodeError{DecodeErrc::bad_value, 3, "coin.amount"});
}
