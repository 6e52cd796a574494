// Every real block in ../shared/data: decode, re-encode byte for byte, hashes and roots match.
#include <doctest/doctest.h>

#include <string>
#include <vector>

#include "test_data.hpp"
#include "util/hex.hpp"
#include "wire/blk_file.hpp"
#include "wire/block.hpp"
#include "wire/codec.hpp"
#include "wire/merkle.hpp"

using namespace peregrine;
using namespace peregrine::wire;

namespace {

constexpr Magic kMainMagic = {0xf9, 0xbe, 0xb4, 0xd9};
constexpr Magic kTestnet3Magic = {0x0b, 0x11, 0x09, 0x07};
constexpr Magic kRegtestMagic = {0xfa, 0xbf, 0xb5, 0xda};


// Decodes a block and checks everything that does not need chain context.
Block check_block(ByteSpan raw) {
  auto block = from_bytes<Block>(raw);
  REQUIRE_MESSAGE(block.has_value(), block.error().message());
  CHECK(to_bytes(*block) == Bytes(raw.begin(), raw.end()));
  CHECK(serialized_size(*block) == raw.size());
  auto root = block_merkle_root(*block);
  CHECK(root.root == block->header.merkle_root);
  CHECK_FALSE(root.mutated);
  auto commitment = check_witness_commitment(*block);
  CHECK((commitment == WitnessCommitment::valid || commitment == WitnessCommitment::absent));
  return std::move(*block);
}

// Decodes every record of a blk file, checking each block and the prev-hash chain.
std::vector<Hash256> check_chain_file(const char* relative, const Magic& magic) {
  Bytes file = test::load_shared(relative);
  Reader r(file);
  std::vector<Hash256> hashes;
  while (!r.at_end()) {
    auto record = read_blk_record(r, magic);
    REQUIRE_MESSAGE(record.has_value(), record.error().message());
    Block block = check_block(record->block);
    if (!hashes.empty()) {
      REQUIRE_MESSAGE(block.header.prev_block == hashes.back(), "height ", hashes.size());
    }
    hashes.push_back(block_hash(block.header));
  }
  return hashes;
}

} // namespace

TEST_CASE("mainnet blocks 0-599 decode, round-trip and link by prev-hash") {
  auto hashes = check_chain_file("chain/mainnet_blocks_0_599.blk", kMainMagic);
  REQUIRE(hashes.size() == 600);
  CHECK(hashes[0].to_hex() == "000000000019d6689c085ae165831e934ff763ae46a2a6c172b3f1b60a8ce26f");
  CHECK(hashes[1].to_hex() == "00000000839a8e6886ab5951d76f411475428afc90947ee320161bbf18eb6048");
}

TEST_CASE("testnet3 blocks 0-4000 decode, round-trip and link") {
  auto hashes = check_chain_file("chain/testnet3_blocks_0_4000.blk", kTestnet3Magic);
  REQUIRE(hashes.size() == 4001);
  CHECK(hashes[0].to_hex() == "000000000933ea01ad0ee984209779baaec3ced90fa3f408719526f8d77f4943");
}

TEST_CASE("the regtest chain decodes, round-trips and links") {
  auto hashes = check_chain_file("chain/regtest_blocks_0_206.blk", kRegtestMagic);
  CHECK(hashes.size() >= 206);
}

TEST_CASE("single mainnet blocks, including segwit ones with witness commitments") {
  struct Case {
    const char* file;
    std::size_t tx_count; // 0 = not published in the data's README
    bool segwit;
  };
  const Case cases[] = {
      {"blocks/mainnet_367891.raw", 420, false},
      {"blocks/mainnet_413567.raw", 1557, false},
      {"blocks/mainnet_481829.raw", 0, true},
      {"blocks/mainnet_482683.raw", 0, true},
      {"blocks/block-0000000000000000001602407ac49862a7bca9d00f7f402db20b7be2f5de59d2.blk", 3315, true},
      {"blocks/block-00000000000000000021868c2cefc52a480d173c849412fe81c4e5ab806f94ab.blk", 230, true},
      {"p2p/block426884.raw", 0, false},
  };
  for (const auto& c : cases) {
    std::string name = c.file;
    CAPTURE(name);
    Bytes raw = test::load_shared(c.file);
    Block block = check_block(raw);
    if (c.tx_count) CHECK(block.txs.size() == c.tx_count);
    CHECK((check_witness_commitment(block) == WitnessCommitment::valid) == c.segwit);
    CHECK(weight(block) <= 4'000'000);
    if (auto at = name.find("block-"); at != std::string::npos) {
      CHECK(block_hash(block.header).to_hex() == name.substr(at + 6, 64));
    }
  }
}

TEST_CASE("a tampered witness breaks the commitment; removing it is unexpected witness") {
  Block block = check_block(
      test::load_shared("blocks/block-00000000000000000021868c2cefc52a480d173c849412fe81c4e5ab806f94ab.blk"));
  REQUIRE(check_witness_commitment(block) == WitnessCommitment::valid);
  std::size_t spender = 0;
  for (std::size_t i = 1; i < block.txs.size(); ++i) {
    if (block.txs[i].has_witness()) {
      spender = i;
      break;
    }
  }
  REQUIRE(spender > 0);
  Block tampered = block;
  tampered.txs[spender].inputs[0].witness[0].push_back(0x00);
  CHECK(check_witness_commitment(tampered) == WitnessCommitment::mismatch);
  // The txid tree does not cover witnesses: the header's merkle root still matches.
  CHECK(block_merkle_root(tampered).root == block.header.merkle_root);

  Block no_nonce = block;
  no_nonce.txs[0].inputs[0].witness.clear();
  CHECK(check_witness_commitment(no_nonce) == WitnessCommitment::bad_nonce);

  Block no_commitment = block;
  auto index = witness_commitment_index(block);
  REQUIRE(index.has_value());
  no_commitment.txs[0].outputs.erase(no_commitment.txs[0].outputs.begin() + *index);
  CHECK(check_witness_commitment(no_commitment) == WitnessCommitment::unexpected_witness);
}

TEST_CASE("a block with a duplicated last transaction keeps its root but is flagged mutated") {
  Bytes file = test::load_shared("chain/mainnet_blocks_0_599.blk");
  Reader r(file);
  Block block;
  // Find a block with an odd number (>1) of transactions: duplicating its last one keeps the root.
  while (!r.at_end()) {
    auto record = read_blk_record(r, kMainMagic);
    REQUIRE(record.has_value());
    block = *from_bytes<Block>(record->block);
    if (block.txs.size() > 1 && block.txs.size() % 2 == 1) break;
  }
  REQUIRE(block.txs.size() % 2 == 1);
  block.txs.push_back(block.txs.back());
  auto root = block_merkle_root(block);
  CHECK(root.root == block.header.merkle_root);
  CHECK(root.mutated);
}

TEST_CASE("blk records: wrong magic, zero or oversized length, truncated block") {
  Bytes file = test::load_shared("chain/mainnet_blocks_0_599.blk");
  {
    Reader r(file);
    auto rec = read_blk_record(r, kTestnet3Magic);
    REQUIRE_FALSE(rec.has_value());
    CHECK(rec.error().code == DecodeErrc::bad_magic);
  }
  {
    Bytes zero = *util::from_hex("f9beb4d900000000");
    Reader r(zero);
    auto rec = read_blk_record(r, kMainMagic);
    REQUIRE_FALSE(rec.has_value());
    CHECK(rec.error().code == DecodeErrc::size_too_large);
    CHECK(rec.error().offset == 4);
  }
  {
    Bytes big = *util::from_hex("f9beb4d901093d00"); // 4,000,001
    Reader r(big);
    CHECK(read_blk_record(r, kMainMagic).error().code == DecodeErrc::size_too_large);
  }
  {
    Reader r(ByteSpan(file).first(100));
    auto rec = read_blk_record(r, kMainMagic);
    REQUIRE_FALSE(rec.has_value());
    CHECK(rec.error().code == DecodeErrc::truncated);
    CHECK(rec.error().field == "blk.block");
  }
}

TEST_CASE("block truncated at every header byte and inside its transactions") {
  Bytes raw = test::load_shared("blocks/mainnet_482683.raw");
  for (std::size_t len : {std::size_t{0}, std::size_t{1}, std::size_t{79}, std::size_t{80},
                          std::size_t{81}, raw.size() / 2, raw.size() - 1}) {
    CAPTURE(len);
    auto block = from_bytes<Block>(ByteSpan(raw).first(len));
    REQUIRE_FALSE(block.has_value());
    CHECK(block.error().code == DecodeErrc::truncated);
  }
}
