#pragma once
// The parts of a generated block around its transactions: the coinbase (BIP34 height, BIP141
// witness commitment in every block, as Core's miner makes it once segwit is active), the header
// with its nonce ground to meet the target, and the block's serialization.
#include <cstdint>
#include <span>

#include "consensus/chainparams.hpp"
#include "util/bytes.hpp"
#include "util/hash256.hpp"
#include "wire/block.hpp"

namespace peregrine::workload {

// The coinbase of block `height`: a scriptSig of the height as BIP34 pushes it and the seed (so
// chains of different seeds differ from block 1 on), the paying output, and the witness
// commitment to witness_root (of the block's wtxids, the coinbase's counted as zero) with an
// all-zero witness nonce.
wire::Transaction make_coinbase(int height, std::uint64_t seed, wire::TxOut paying, const Hash256& witness_root);

// Counts nonces up from zero until the header's hash meets its bits (two tries on average on
// regtest, whose target is half of all hashes).
void grind_nonce(wire::BlockHeader& header, const consensus::ChainParams& params);

// The block's bytes into out (replaced): header, transaction count, the coinbase, then the other
// transactions as already serialized.
void serialize_block(const wire::BlockHeader& header, const wire::Transaction& coinbase, std::span<const Bytes> txs,
                     Bytes& out);

} // namespace peregrine::workload
