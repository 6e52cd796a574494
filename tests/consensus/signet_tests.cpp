// BIP325 signet block solutions: the real default-signet blocks 1-10 pass under the default 1-of-2
// challenge and fail under the same keys as a 2-of-2; blocks signed here under challenges of our
// own pass, and each kind of broken solution fails with its own detail. check_block (what the
// chain state calls when connecting a block) applies the check on signet and only there.
#include <doctest/doctest.h>

#include <chrono>
#include <sstream>

#include "consensus/block_check.hpp"
#include "consensus/script/opcodes.hpp"
#include "consensus/script/precomputed_tx.hpp"
#include "consensus/script/signature_checker.hpp"
#include "consensus/signet.hpp"
#include "crypto/sha256.hpp"
#include "test_data.hpp"
#include "test_signer.hpp"
#include "util/hex.hpp"
#include "wire/codec.hpp"
#include "wire/compact_size.hpp"
#include "wire/merkle.hpp"

using namespace peregrine;
using namespace peregrine::consensus;

namespace {

const ChainParams& signet() { return chain_params(Network::signet); }

Bytes hex(std::string_view text) {
  auto bytes = util::from_hex(text);
  REQUIRE(bytes.has_value());
  return *bytes;
}

std::vector<wire::Block> real_blocks() {
  auto text = util::read_text_file(test::shared_data("chain/signet_blocks_1_10.hex"));
  REQUIRE_MESSAGE(text.has_value(), text.error());
  std::vector<wire::Block> blocks;
  std::istringstream lines(*text);
  for (std::string line; std::getline(lines, line);) {
    if (line.empty()) continue;
    auto block = wire::from_bytes<wire::Block>(hex(line));
    REQUIRE(block.has_value());
    blocks.push_back(std::move(*block));
  }
  REQUIRE(blocks.size() == 10);
  return blocks;
}

// The default challenge is OP_1 <key1> <key2> OP_2 OP_CHECKMULTISIG; the same keys as a 2-of-2.
Bytes two_of_two(Bytes challenge) {
  REQUIRE(challenge.size() == 71);
  challenge.front() = OP_2;
  return challenge;
}

std::string outcome(const std::expected<void, SignetFailure>& r) { return r ? "ok" : std::string(to_string(r.error().error)); }
std::string reason(const std::expected<void, BlockFailure>& r) { return r ? "ok" : r.error().reason(); }

void append_push(Bytes& script, ByteSpan data) {
  REQUIRE(data.size() <= 0xff);
  if (data.size() >= OP_PUSHDATA1) script.push_back(OP_PUSHDATA1);
  script.push_back(static_cast<std::uint8_t>(data.size()));
  script.insert(script.end(), data.begin(), data.end());
}

Bytes header_with(ByteSpan solution) {
  Bytes data(kSignetHeader.begin(), kSignetHeader.end());
  data.insert(data.end(), solution.begin(), solution.end());
  return data;
}

// A scriptSig then a witness stack, as the solution push carries them.
Bytes encode_solution(ByteSpan script_sig, const wire::WitnessStack& witness) {
  Bytes out;
  wire::Writer w(out);
  wire::write_var_bytes(w, script_sig);
  wire::write_compact_size(w, witness.size());
  for (const auto& item : witness) wire::write_var_bytes(w, item);
  return out;
}

// The coinbase's commitment output: OP_RETURN, the 36-byte witness commitment, then `pushes`.
Bytes& commitment_script(wire::Block& block) {
  auto index = wire::witness_commitment_index(block);
  REQUIRE(index.has_value());
  return block.txs[0].outputs[*index].script_pubkey;
}

void set_solution_push(wire::Block& block, std::optional<Bytes> push) {
  Bytes& script = commitment_script(block);
  script.resize(38);
  if (push) append_push(script, *push);
  block.header.merkle_root = wire::block_merkle_root(block).root;
}

// A block on the signet genesis: a coinbase paying OP_TRUE and a valid witness commitment (no
// other transactions, so the witness root is zero), the bare signet header pushed after it, to
// be signed. Proof of work is not ground: check_block runs without it, as when sync connects.
wire::Block unsigned_block(std::uint32_t time) {
  wire::Block block;
  block.header.version = 0x20000000;
  block.header.prev_block = signet().genesis_hash;
  block.header.time = time;
  block.header.bits = signet().genesis.header.bits;
  wire::Transaction coinbase;
  coinbase.version = 2;
  wire::TxIn in;
  in.prevout = {Hash256{}, wire::OutPoint::kNullIndex};
  in.script_sig = {OP_1, OP_0};
  in.witness = {Bytes(32, 0)};
  coinbase.inputs.push_back(in);
  coinbase.outputs.push_back({50 * kCoin, Bytes{OP_1}});
  Bytes commitment = {OP_RETURN, 0x24, 0xaa, 0x21, 0xa9, 0xed};
  const Hash256 root = crypto::sha256d_pair(Hash256{}, Hash256{});
  commitment.insert(commitment.end(), root.bytes.begin(), root.bytes.end());
  coinbase.outputs.push_back({0, commitment});
  block.txs.push_back(std::move(coinbase));
  set_solution_push(block, Bytes(kSignetHeader.begin(), kSignetHeader.end()));
  return block;
}

enum class Challenge { bare_multisig, p2wpkh };

Bytes challenge_for(Challenge kind, const test::TestKey& key) {
  if (kind == Challenge::p2wpkh) return test::p2wpkh_script(key.compressed);
  Bytes script = {OP_1};
  append_push(script, key.compressed);
  script.push_back(OP_1);
  script.push_back(OP_CHECKMULTISIG);
  return script;
}

// The solution `key` gives for `block` (which carries the bare header push) under the challenge.
Bytes solve(const wire::Block& block, Challenge kind, const test::TestKey& challenge_key,
            const test::TestKey& signing_key) {
  const Bytes challenge = challenge_for(kind, challenge_key);
  auto txs = make_signet_txs(block, challenge);
  REQUIRE(txs.has_value());
  const PrecomputedTx prepared(txs->to_sign, txs->to_spend.outputs);
  const TransactionChecker checker(prepared, 0);
  if (kind == Challenge::p2wpkh) {
    const Hash256 sighash =
        checker.ecdsa_sighash(1, test::p2pkh_script(challenge_key.compressed), SigVersion::witness_v0);
    return encode_solution({}, {test::sign_ecdsa(signing_key, sighash, 1), signing_key.compressed});
  }
  const Hash256 sighash = checker.ecdsa_sighash(1, challenge, SigVersion::base);
  Bytes script_sig = {OP_0};
  append_push(script_sig, test::sign_ecdsa(signing_key, sighash, 1));
  return encode_solution(script_sig, {});
}

wire::Block signed_block(std::uint32_t time, Challenge kind, const test::TestKey& key) {
  wire::Block block = unsigned_block(time);
  set_solution_push(block, header_with(solve(block, kind, key, key)));
  return block;
}

} // namespace

TEST_CASE("signet: the real blocks 1-10 carry valid solutions for the default challenge") {
  const auto blocks = real_blocks();
  CHECK(blocks[0].header.prev_block == signet().genesis_hash);
  // Timed twice: the first pass also pays for libsecp256k1's context and the parameters' loading.
  for (std::string pass : {"first", "second"}) {
    const auto start = std::chrono::steady_clock::now();
    for (std::size_t i = 0; i < blocks.size(); ++i) {
      CAPTURE(i + 1);
      CHECK(outcome(check_signet_solution(blocks[i], signet().signet_challenge, signet().genesis_hash)) == "ok");
    }
    const auto elapsed = std::chrono::duration<double, std::micro>(std::chrono::steady_clock::now() - start);
    MESSAGE("checking the solutions of signet blocks 1-10 (" << pass << " pass) took " << elapsed.count() << " us");
  }
  for (std::size_t i = 0; i < blocks.size(); ++i) {
    CAPTURE(i + 1);
    CHECK(reason(check_block(blocks[i], signet())) == "ok"); // with proof of work
    if (i > 0) CHECK(blocks[i].header.prev_block == wire::block_hash(blocks[i - 1].header));
  }
}

TEST_CASE("signet: the same blocks fail when both keys must sign (2-of-2)") {
  const Bytes challenge = two_of_two(signet().signet_challenge);
  for (const auto& block : real_blocks()) {
    auto r = check_signet_solution(block, challenge, signet().genesis_hash);
    REQUIRE_FALSE(r.has_value());
    CHECK(r.error().error == SignetError::script_failed);
  }
  // So does check_block on a signet whose parameters carry that challenge.
  const ChainParams custom = custom_signet_params(challenge);
  const auto r = check_block(real_blocks()[0], custom);
  REQUIRE_FALSE(r.has_value());
  CHECK(r.error().reason() == "bad-signet-blksig");
  CHECK(r.error().signet_error == SignetError::script_failed);
  CHECK(r.error().detail().starts_with("bad-signet-blksig (signet solution does not satisfy the challenge"));
}

TEST_CASE("signet: the solution does not commit to the nonce; the genesis needs none") {
  auto block = real_blocks()[0];
  block.header.nonce += 1;
  CHECK(outcome(check_signet_solution(block, signet().signet_challenge, signet().genesis_hash)) == "ok");
  block.header.time += 1; // the time is committed to
  CHECK(outcome(check_signet_solution(block, signet().signet_challenge, signet().genesis_hash)) == "signet solution does not satisfy the challenge");
  CHECK(outcome(check_signet_solution(signet().genesis, signet().signet_challenge, signet().genesis_hash)) == "ok");
  // Another genesis hash: the signet genesis has no commitment at all.
  CHECK(outcome(check_signet_solution(signet().genesis, signet().signet_challenge, Hash256{})) ==
        "no witness commitment to hold a signet solution");
}

TEST_CASE("signet: blocks signed here under challenges of our own") {
  const auto key = test::make_key(7);
  const auto other = test::make_key(8);
  for (Challenge kind : {Challenge::bare_multisig, Challenge::p2wpkh}) {
    CAPTURE(static_cast<int>(kind));
    const Bytes challenge = challenge_for(kind, key);
    const ChainParams params = custom_signet_params(challenge);
    const std::uint32_t time = signet().genesis.header.time + 600;
    auto check = [&](const wire::Block& b) { return outcome(check_signet_solution(b, challenge, params.genesis_hash)); };

    const wire::Block good = signed_block(time, kind, key);
    CHECK(check(good) == "ok");
    CHECK(reason(check_block(good, params, false)) == "ok");
    CHECK(reason(check_block_contextual(good, {1, time - 1}, params)) == "ok"); // the commitment is valid
    // The default signet's challenge is not ours.
    CHECK(reason(check_block(good, signet(), false)) == "bad-signet-blksig");

    // No solution: the bare header (an empty solution), or no push at all.
    wire::Block none = unsigned_block(time);
    CHECK(check(none) == "no signet solution");
    set_solution_push(none, std::nullopt);
    CHECK(check(none) == "no signet solution");
    auto failure = check_block(none, params, false);
    REQUIRE_FALSE(failure.has_value());
    CHECK(failure.error().reason() == "bad-signet-blksig");
    CHECK(failure.error().signet_error == SignetError::no_solution);

    // A signature by the wrong key.
    wire::Block wrong = unsigned_block(time);
    set_solution_push(wrong, header_with(solve(wrong, kind, key, other)));
    CHECK(check(wrong) == "signet solution does not satisfy the challenge");

    // A solution copied from another block (here: one a second later).
    wire::Block later = signed_block(time + 1, kind, key);
    CHECK(check(later) == "ok");
    wire::Block copied = unsigned_block(time + 1);
    set_solution_push(copied, header_with(solve(unsigned_block(time), kind, key, key)));
    CHECK(check(copied) == "signet solution does not satisfy the challenge");

    // Solutions that do not parse: trailing bytes, a truncated witness, a broken CompactSize.
    const Bytes solution = solve(unsigned_block(time), kind, key, key);
    Bytes trailing = solution;
    trailing.push_back(0);
    Bytes truncated(solution.begin(), solution.end() - 1);
    for (const Bytes& bad : {trailing, truncated, Bytes{0xfd}, Bytes{0x00, 0xfe, 0xff}}) {
      wire::Block b = unsigned_block(time);
      set_solution_push(b, header_with(bad));
      CHECK(check(b) == "signet solution does not parse");
    }

    // No witness commitment at all.
    wire::Block bare = good;
    bare.txs[0].outputs.pop_back();
    CHECK(check(bare) == "no witness commitment to hold a signet solution");
  }
}

TEST_CASE("signet: only the first header push is the solution; an OP_TRUE challenge needs none") {
  const auto key = test::make_key(9);
  const Bytes challenge = challenge_for(Challenge::bare_multisig, key);
  // A later push with the header and garbage is kept as it is, in the signed data too: the signer
  // signs with an empty placeholder solution (which parses) in the first push, then replaces it.
  wire::Block block = unsigned_block(signet().genesis.header.time + 600);
  const Bytes empty_solution = encode_solution({}, {});
  Bytes& script = commitment_script(block);
  script.resize(38);
  append_push(script, header_with(empty_solution));
  append_push(script, header_with(Bytes{0xde, 0xad}));
  const Bytes solution = solve(block, Challenge::bare_multisig, key, key);
  Bytes signed_script(script.begin(), script.begin() + 38);
  append_push(signed_script, header_with(solution));
  append_push(signed_script, header_with(Bytes{0xde, 0xad}));
  commitment_script(block) = signed_script;
  block.header.merkle_root = wire::block_merkle_root(block).root;
  CHECK(outcome(check_signet_solution(block, challenge, signet().genesis_hash)) == "ok");

  // OP_TRUE: a block without any solution push is valid (the BIP's special case).
  wire::Block plain = unsigned_block(signet().genesis.header.time + 600);
  set_solution_push(plain, std::nullopt);
  CHECK(outcome(check_signet_solution(plain, Bytes{OP_1}, signet().genesis_hash)) == "ok");
}

TEST_CASE("signet: the check applies to signet only") {
  // A signet block whose solution is broken: an error on signet, not a rule anywhere else.
  auto block = real_blocks()[2];
  Bytes& script = commitment_script(block);
  script[script.size() - 2] ^= 1; // the last byte of the signature, before the empty witness count
  block.header.merkle_root = wire::block_merkle_root(block).root;
  CHECK(reason(check_block(block, signet(), false)) == "bad-signet-blksig");
  CHECK(reason(check_block(block, chain_params(Network::regtest), false)) == "ok");
  CHECK(reason(check_block(block, chain_params(Network::testnet4), false)) == "ok");
  // A real mainnet block with a witness commitment and no solution: fine on mainnet.
  auto mainnet = wire::from_bytes<wire::Block>(test::load_shared("blocks/mainnet_481829.raw"));
  REQUIRE(mainnet.has_value());
  CHECK(reason(check_block(*mainnet, chain_params(Network::main))) == "ok");
  CHECK(reason(check_block(*mainnet, signet(), false)) == "bad-signet-blksig");
}

TEST_CASE("signet: message start from the challenge (BIP325)") {
  // The BIP's example, a 1-of-1 challenge, and the default signet's magic.
  const auto example = signet_message_start(hex("512103ad5e0edad18cb1f0fc0d28a3d4f1f3e445640337489abb10404f2d1e086be43051ae"));
  CHECK(util::to_hex(example) == "7ec653a5");
  CHECK(signet_message_start(signet().signet_challenge) == signet().magic);
  const ChainParams custom = custom_signet_params(Bytes{OP_1});
  CHECK(custom.network == Network::signet);
  CHECK(custom.custom_signet);
  CHECK(custom.magic == signet_message_start(Bytes{OP_1}));
  CHECK(custom.magic != signet().magic);
  CHECK(custom.genesis_hash == signet().genesis_hash);
  CHECK(custom.dns_seeds.empty());
  CHECK(custom.assume_valid.is_zero());
  CHECK(custom.minimum_chain_work.is_zero());
}
