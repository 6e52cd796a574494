#pragma once
// Merkle roots over txids and wtxids, and the BIP141 witness commitment.
#include <cstddef>
#include <optional>
#include <string_view>
#include <vector>

#include "util/hash256.hpp"
#include "wire/block.hpp"

namespace peregrine::wire {

struct MerkleRoot {
  Hash256 root;
  // CVE-2012-2459: a level where two paired siblings are equal means a different transaction list
  // (with a duplicated subtree) has the same root, so the block as received may be mutated.
  bool mutated = false;
};

// Root of the leaves (consumed as scratch space). An empty list gives a zero root.
MerkleRoot merkle_root(std::vector<Hash256> leaves);

MerkleRoot block_merkle_root(const Block& block);
// BIP141: the coinbase's wtxid counts as zero.
Hash256 block_witness_merkle_root(const Block& block);

// Index of the coinbase output holding the witness commitment: the last output whose script starts
// OP_RETURN 0x24 aa21a9ed and is at least 38 bytes long.
std::optional<std::size_t> witness_commitment_index(const Block& block);

enum class WitnessCommitment {
  absent,             // no commitment and no witness data: fine
  valid,              // commitment matches the witness merkle root and nonce
  unexpected_witness, // witness data but no commitment
  bad_nonce,          // commitment present but the coinbase witness is not one 32-byte item
  mismatch,           // commitment does not match
};
std::string_view to_string(WitnessCommitment result);

// The check a segwit-active block must pass (valid or absent).
WitnessCommitment check_witness_commitment(const Block& block);

} // namespace peregrine::wire
