// Block rules without coins: real mainnet blocks pass, and each rule, broken by one change to a
// real block, fails with Core's reject reason.
#include <doctest/doctest.h>

#include <algorithm>

#include "consensus/block_check.hpp"
#include "crypto/sha256.hpp"
#include "test_data.hpp"
#include "wire/codec.hpp"
#include "wire/merkle.hpp"

using namespace peregrine;
using namespace peregrine::consensus;

namespace {

const ChainParams& mainnet() { return chain_params(Network::main); }

wire::Block load_block(const char* file) {
  auto block = wire::from_bytes<wire::Block>(test::load_shared(file));
  REQUIRE(block.has_value());
  return std::move(*block);
}

// The parent's median time past is below the block's time; one second below accepts every
// lock time the real one does.
BlockContext context_of(const wire::Block& block, int height) {
  return {height, static_cast<std::int64_t>(block.header.time) - 1};
}

// After changing transactions: a matching merkle root, so the rule under test is what fails
// (proof of work is then skipped: the header changed).
void fix_merkle(wire::Block& block) { block.header.merkle_root = wire::block_merkle_root(block).root; }

// After changing witnesses: a matching commitment in the coinbase, then the merkle root.
void fix_commitment(wire::Block& block) {
  auto index = wire::witness_commitment_index(block);
  REQUIRE(index.has_value());
  Hash256 root = wire::block_witness_merkle_root(block);
  Hash256 nonce;
  std::copy_n(block.txs[0].inputs[0].witness[0].begin(), 32, nonce.bytes.begin());
  Hash256 commitment = crypto::sha256d_pair(root, nonce);
  auto& script = block.txs[0].outputs[*index].script_pubkey;
  std::copy(commitment.bytes.begin(), commitment.bytes.end(), script.begin() + 6);
  fix_merkle(block);
}

std::string reason(const std::expected<void, BlockFailure>& r) { return r ? "ok" : r.error().reason(); }

} // namespace

TEST_CASE("block rules: real mainnet blocks pass, before and after segwit") {
  for (auto [file, height] : {std::pair{"blocks/mainnet_413567.raw", 413567}, {"blocks/mainnet_367891.raw", 367891},
                              {"blocks/mainnet_481829.raw", 481829}, {"blocks/mainnet_482683.raw", 482683}}) {
    CAPTURE(file);
    auto block = load_block(file);
    CHECK(reason(check_block(block, mainnet())) == "ok");
    CHECK(reason(check_block_contextual(block, context_of(block, height), mainnet())) == "ok");
  }
}

TEST_CASE("block rules: each context-free rule, broken once") {
  auto block = load_block("blocks/mainnet_413567.raw");
  REQUIRE(block.txs.size() % 2 == 1); // an odd count: duplicating the last keeps the root

  SUBCASE("proof of work") {
    block.header.nonce ^= 1;
    CHECK(reason(check_block(block, mainnet())) == "high-hash");
  }
  SUBCASE("merkle root") {
    std::swap(block.txs[1], block.txs[2]);
    CHECK(reason(check_block(block, mainnet())) == "bad-txnmrklroot");
  }
  SUBCASE("a duplicated last transaction keeps the merkle root: the block is mutated") {
    block.txs.push_back(block.txs.back());
    CHECK(wire::block_merkle_root(block).root == block.header.merkle_root);
    CHECK(reason(check_block(block, mainnet())) == "bad-txns-duplicate");
  }
  SUBCASE("no transactions") {
    block.txs.clear();
    fix_merkle(block);
    CHECK(reason(check_block(block, mainnet(), false)) == "bad-blk-length");
  }
  SUBCASE("too large without witnesses") {
    block.txs[1].outputs[0].script_pubkey.assign(1'000'001, 0x51);
    fix_merkle(block);
    CHECK(reason(check_block(block, mainnet(), false)) == "bad-blk-length");
  }
  SUBCASE("first transaction not a coinbase") {
    std::swap(block.txs[0], block.txs[1]);
    fix_merkle(block);
    auto r = check_block(block, mainnet(), false);
    CHECK(reason(r) == "bad-cb-missing");
  }
  SUBCASE("a second coinbase") {
    block.txs[5] = block.txs[0];
    fix_merkle(block);
    auto r = check_block(block, mainnet(), false);
    CHECK(reason(r) == "bad-cb-multiple");
    CHECK(r.error().tx_index == std::size_t{5});
  }
  SUBCASE("a transaction breaking its own rules") {
    block.txs[7].outputs[0].value = -1;
    fix_merkle(block);
    auto r = check_block(block, mainnet(), false);
    CHECK(reason(r) == "bad-txns-vout-negative");
    CHECK(r.error().tx_index == std::size_t{7});
  }
  SUBCASE("legacy sigops over 20,000") {
    block.txs.resize(1'001); // room under the size limit for the script below
    block.txs[3].outputs[0].script_pubkey.assign(1'001, 0xae); // OP_CHECKMULTISIG counts 20
    fix_merkle(block);
    CHECK(reason(check_block(block, mainnet(), false)) == "bad-blk-sigops");
    block.txs[3].outputs[0].script_pubkey.resize(500); // 10,000: under the limit with the rest
    fix_merkle(block);
    CHECK(reason(check_block(block, mainnet(), false)) == "ok");
  }
}

TEST_CASE("block rules: each contextual rule, broken once") {
  SUBCASE("a transaction not final at this height") {
    auto block = load_block("blocks/mainnet_413567.raw");
    block.txs[1].lock_time = 413'568; // a height lock one block too far
    block.txs[1].inputs[0].sequence = 0;
    CHECK(reason(check_block_contextual(block, context_of(block, 413567), mainnet())) == "bad-txns-nonfinal");
    CHECK(reason(check_block_contextual(block, context_of(block, 413569), mainnet())) != "bad-txns-nonfinal");
  }
  SUBCASE("a time lock judged by the parent's median time past after CSV, by the block time before") {
    auto block = load_block("blocks/mainnet_481829.raw");
    block.txs[1].lock_time = block.header.time - 100;
    block.txs[1].inputs[0].sequence = 0;
    fix_commitment(block);
    BlockContext ctx{481829, static_cast<std::int64_t>(block.header.time) - 200};
    CHECK(reason(check_block_contextual(block, ctx, mainnet())) == "bad-txns-nonfinal");
    ctx.prev_median_time_past = block.header.time - 50;
    CHECK(reason(check_block_contextual(block, ctx, mainnet())) == "ok");
  }
  SUBCASE("BIP34: the coinbase states another height") {
    auto block = load_block("blocks/mainnet_413567.raw");
    CHECK(reason(check_block_contextual(block, context_of(block, 413568), mainnet())) == "bad-cb-height");
    // Before BIP34 the coinbase may say anything.
    ChainParams later = mainnet();
    later.bip34_height = 500'000;
    CHECK(reason(check_block_contextual(block, context_of(block, 413568), later)) == "ok");
  }
  SUBCASE("witness nonce of the wrong size") {
    auto block = load_block("blocks/mainnet_482683.raw");
    block.txs[0].inputs[0].witness[0].push_back(0);
    CHECK(reason(check_block_contextual(block, context_of(block, 482683), mainnet())) == "bad-witness-nonce-size");
  }
  SUBCASE("witness data that does not match the commitment") {
    auto block = load_block("blocks/mainnet_482683.raw");
    auto tx = std::find_if(block.txs.begin() + 1, block.txs.end(), [](const auto& t) { return t.has_witness(); });
    REQUIRE(tx != block.txs.end());
    auto in = std::find_if(tx->inputs.begin(), tx->inputs.end(),
                           [](const auto& i) { return !i.witness.empty() && !i.witness.back().empty(); });
    REQUIRE(in != tx->inputs.end());
    in->witness.back()[0] ^= 1;
    CHECK(reason(check_block_contextual(block, context_of(block, 482683), mainnet())) == "bad-witness-merkle-match");
  }
  SUBCASE("witness data without a commitment, or before segwit") {
    auto block = load_block("blocks/mainnet_482683.raw");
    ChainParams before_segwit = mainnet();
    before_segwit.segwit_height = 490'000;
    CHECK(reason(check_block_contextual(block, context_of(block, 482683), before_segwit)) == "unexpected-witness");
    auto index = wire::witness_commitment_index(block);
    REQUIRE(index.has_value());
    block.txs[0].outputs.erase(block.txs[0].outputs.begin() + static_cast<std::ptrdiff_t>(*index));
    CHECK(reason(check_block_contextual(block, context_of(block, 482683), mainnet())) == "unexpected-witness");
  }
  SUBCASE("weight over 4,000,000 with a valid commitment") {
    auto block = load_block("blocks/mainnet_482683.raw");
    auto tx = std::find_if(block.txs.begin() + 1, block.txs.end(), [](const auto& t) { return t.has_witness(); });
    REQUIRE(tx != block.txs.end());
    auto& witness = tx->inputs[0].witness;
    witness.push_back(Bytes(4'000'000, 0));
    fix_commitment(block);
    CHECK(reason(check_block(block, mainnet(), false)) == "ok"); // stripped size is unchanged
    CHECK(reason(check_block_contextual(block, context_of(block, 482683), mainnet())) == "bad-blk-weight");
    witness.back().resize(3'900'000); // weight = stripped x 3 + total: under again
    fix_commitment(block);
    CHECK(reason(check_block_contextual(block, context_of(block, 482683), mainnet())) == "ok");
  }
}
