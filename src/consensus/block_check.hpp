#pragma once
// Block rules that need no coins (Core's CheckBlock), and those that need only the block's height
// and its parent's median time past (ContextualCheckBlock). Failures carry Core's reject reason.
#include <cstdint>
#include <expected>
#include <optional>
#include <span>
#include <string>

#include "consensus/chainparams.hpp"
#include "consensus/script/script_error.hpp"
#include "consensus/signet.hpp"
#include "consensus/tx_check.hpp"
#include "wire/block.hpp"

namespace peregrine::consensus {

enum class BlockError : std::uint8_t {
  high_hash,                // the header's proof of work fails
  bad_txnmrklroot,          // merkle root does not match the transactions
  bad_txns_duplicate,       // a duplicated subtree (CVE-2012-2459): the block was mutated in transit
  bad_blk_length,           // no transactions, or too large without witnesses
  bad_cb_missing,           // first transaction not a coinbase
  bad_cb_multiple,          // a coinbase after the first transaction
  bad_txns,                 // a transaction fails the context-free rules (see BlockFailure::tx_error)
  bad_blk_sigops,           // legacy sigops over the limit
  bad_txns_nonfinal,        // a transaction not final at this height and time
  bad_cb_height,            // BIP34: the coinbase does not start with the height
  bad_witness_nonce_size,   // commitment present, coinbase witness not one 32-byte item
  bad_witness_merkle_match, // commitment does not match the witness merkle root
  unexpected_witness,       // witness data without a commitment (or before segwit)
  bad_blk_weight,           // weight over 4,000,000
  // With the coins the block spends (block_inputs.hpp):
  bad_cb_amount,            // the coinbase claims more than the subsidy plus fees
  script_failed,            // an input's scripts fail (see BlockFailure::script_error)
  // Signet only (BIP325): the coinbase lacks a solution to the challenge (see signet_error).
  bad_signet_blksig,
};

struct BlockFailure {
  BlockError error;
  std::optional<std::size_t> tx_index; // the transaction at fault, where there is one
  std::optional<TxError> tx_error;     // for bad_txns
  std::optional<std::size_t> input_index;    // for script_failed: the input in that transaction
  std::optional<ScriptError> script_error;   // for script_failed, and the signet script's failure
  std::optional<SignetError> signet_error;   // for bad_signet_blksig: which part failed
  // Core's reject reason: "bad-txnmrklroot", "bad-txns-vin-empty", ...
  std::string reason() const;
  // The reason with what it does not say: for a signet block, which part of the solution failed.
  std::string detail() const;
};

// Context-free: proof of work (unless check_pow is false, for blocks whose header was checked),
// on signet the block's solution to the challenge (always: the header does not cover it),
// merkle root and mutation, size, coinbase position, every transaction's own rules, legacy sigops.
// txids, when given, are the block's (one per transaction): a caller that needs them anyway saves
// hashing every transaction twice.
std::expected<void, BlockFailure> check_block(const wire::Block& block, const ChainParams& params,
                                              bool check_pow = true, std::span<const Hash256> txids = {});

struct BlockContext {
  int height = 0;
  std::int64_t prev_median_time_past = 0; // of the parent: BIP113's lock-time cutoff after CSV
  // find_mutation passed for this block at this height: its witness check need not be hashed again.
  bool witness_checked = false;
};

// Whether the block is the one its header commits to. A block altered in transit (Core's
// BLOCK_MUTATED: merkle root mismatch or duplicated subtree, witness data that the commitment does
// not cover, or witness data stripped) says nothing about the header: its sender is at fault and
// the block may be fetched again from another peer. Returns the mutation found, if any. txids, when
// given, receives the block's txids (hashed here anyway), for check_block.
std::optional<BlockError> find_mutation(const wire::Block& block, int height, const ChainParams& params,
                                        std::vector<Hash256>* txids = nullptr);

// With its place in the chain: finality, BIP34 height, witness commitment or no witness, weight.
std::expected<void, BlockFailure> check_block_contextual(const wire::Block& block, const BlockContext& context,
                                                         const ChainParams& params);

} // namespace peregrine::consensus
