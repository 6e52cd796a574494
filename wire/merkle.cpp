#include "wire/merkle.hpp"

#include <algorithm>
#include <array>

#include "crypto/sha256.hpp"

namespace peregrine::wire {
namespace {

constexpr std::array<std::uint8_t, 6> kCommitmentPrefix = {0x6a, 0x24, 0xaa, 0x21, 0xa9, 0xed};
constexpr std::size_t kCommitmentScriptMin = 38;

} // namespace

MerkleRoot merkle_root(std::vector<Hash256> level) {
  MerkleRoot result;
  if (level.empty()) return result;
  while (level.size() > 1) {
    for (std::size_t i = 0; i + 1 < level.size(); i += 2) {
      if (level[i] == level[i + 1]) result.mutated = true;
    }
    if (level.size() % 2 == 1) level.push_back(level.back()); // an odd last node pairs with itself
    for (std::size_t i = 0; i < level.size() / 2; ++i) {
      level[i] = crypto::sha256d_pair(level[2 * i], level[2 * i + 1]);
    }
    level.resize(level.size() / 2);
  }
  result.root = level[0];
  return result;
}

MerkleRoot block_merkle_root(const Block& block) {
  std::vector<Hash256> leaves;
  leaves.reserve(block.txs.size());
  for (const auto& tx : block.txs) leaves.push_back(txid(tx));
  return merkle_root(std::move(leaves));
}

Hash256 block_witness_merkle_root(const Block& block) {
  std::vector<Hash256> leaves;
  leaves.reserve(block.txs.size());
  for (std::size_t i = 0; i < block.txs.size(); ++i) {
    leaves.push_back(i == 0 ? Hash256{} : wtxid(block.txs[i]));
  }
  return merkle_root(std::move(leaves)).root;
}

std::optional<std::size_t> witness_commitment_index(const Block& block) {
  if (block.txs.empty()) return std::nullopt;
  const auto& outputs = block.txs[0].outputs;
  for (std::size_t i = outputs.size(); i-- > 0;) {
    const Bytes& script = outputs[i].script_pubkey;
    if (script.size() >= kCommitmentScriptMin &&
        std::equal(kCommitmentPrefix.begin(), kCommitmentPrefix.end(), script.begin())) {
      return i;
    }
  }
  return std::nullopt;
}

std::string_view to_string(WitnessCommitment result) {
  switch (result) {
  case WitnessCommitment::absent: return "absent";
  case WitnessCommitment::valid: return "valid";
  case WitnessCommitment::unexpected_witness: return "unexpected-witness";
  case WitnessCommitment::bad_nonce: return "bad-witness-nonce";
  case WitnessCommitment::mismatch: return "mismatch";
  }
  return "unknown";
}

WitnessCommitment check_witness_commitment(const Block& block) {
  auto index = witness_commitment_index(block);
  if (!index) {
    bool any_witness = std::any_of(block.txs.begin(), block.txs.end(),
                                   [](const Transaction& tx) { return tx.has_witness(); });
    return any_witness ? WitnessCommitment::unexpected_witness : WitnessCommitment::absent;
  }
  const auto& coinbase_in = block.txs[0].inputs;
  if (coinbase_in.empty() || coinbase_in[0].witness.size() != 1 ||
      coinbase_in[0].witness[0].size() != 32) {
    return WitnessCommitment::bad_nonce;
  }
  Hash256 nonce;
  std::copy_n(coinbase_in[0].witness[0].begin(), 32, nonce.bytes.begin());
  Hash256 expected = crypto::sha256d_pair(block_witness_merkle_root(block), nonce);
  const Bytes& script = block.txs[0].outputs[*index].script_pubkey;
  bool match = std::equal(expected.bytes.begin(), expected.bytes.end(),
                          script.begin() + kCommitmentPrefix.size());
  return match ? WitnessCommitment::valid : WitnessCommitment::mismatch;
}

} // namespace peregrine::wire
