#include "consensus/block_check.hpp"

#include "consensus/coinbase.hpp"
#include "consensus/header_rules.hpp"
#include "consensus/sigops.hpp"
#include "consensus/tx_finality.hpp"
#include "wire/merkle.hpp"

namespace peregrine::consensus {
namespace {

std::unexpected<BlockFailure> fail(BlockError error, std::optional<std::size_t> tx = std::nullopt) {
  return std::unexpected(BlockFailure{error, tx, std::nullopt, std::nullopt, std::nullopt, std::nullopt});
}

} // namespace

std::string BlockFailure::reason() const {
  switch (error) {
  case BlockError::high_hash: return "high-hash";
  case BlockError::bad_txnmrklroot: return "bad-txnmrklroot";
  case BlockError::bad_txns_duplicate: return "bad-txns-duplicate";
  case BlockError::bad_blk_length: return "bad-blk-length";
  case BlockError::bad_cb_missing: return "bad-cb-missing";
  case BlockError::bad_cb_multiple: return "bad-cb-multiple";
  case BlockError::bad_txns: return tx_error ? std::string(to_string(*tx_error)) : "bad-txns";
  case BlockError::bad_blk_sigops: return "bad-blk-sigops";
  case BlockError::bad_txns_nonfinal: return "bad-txns-nonfinal";
  case BlockError::bad_cb_height: return "bad-cb-height";
  case BlockError::bad_witness_nonce_size: return "bad-witness-nonce-size";
  case BlockError::bad_witness_merkle_match: return "bad-witness-merkle-match";
  case BlockError::unexpected_witness: return "unexpected-witness";
  case BlockError::bad_blk_weight: return "bad-blk-weight";
  case BlockError::bad_cb_amount: return "bad-cb-amount";
  case BlockError::bad_signet_blksig: return "bad-signet-blksig";
  case BlockError::script_failed:
    return "mandatory-script-verify-flag-failed (" +
           std::string(script_error ? to_string(*script_error) : "unknown") + ")";
  }
  return "unknown";
}

std::string BlockFailure::detail() const {
  std::string text = reason();
  if (error == BlockError::bad_signet_blksig && signet_error) {
    text += " (" + std::string(to_string(*signet_error));
    if (script_error) text += ": " + std::string(to_string(*script_error));
    text += ")";
  }
  return text;
}

std::expected<void, BlockFailure> check_block(const wire::Block& block, const ChainParams& params, bool check_pow,
                                              std::span<const Hash256> txids) {
  if (check_pow && !check_header(wire::block_hash(block.header), block.header, params))
    return fail(BlockError::high_hash);
  // Where Core checks it (right after proof of work), for every signet block: on signet the
  // header's work is trivial, the solution is what makes a block the signer's.
  if (params.network == Network::signet) {
    if (auto solved = check_signet_solution(block, params.signet_challenge, params.genesis_hash, txids); !solved)
      return std::unexpected(BlockFailure{BlockError::bad_signet_blksig, 0, std::nullopt, std::nullopt,
                                          solved.error().script_error, solved.error().error});
  }

  const wire::MerkleRoot merkle = txids.size() == block.txs.size() && !txids.empty()
                                      ? wire::merkle_root({txids.begin(), txids.end()})
                                      : wire::block_merkle_root(block);
  if (merkle.root != block.header.merkle_root) return fail(BlockError::bad_txnmrklroot);
  if (merkle.mutated) return fail(BlockError::bad_txns_duplicate);

  // Cheap bounds before the per-transaction work: the weight limit caps the stripped size too.
  if (block.txs.empty() || block.txs.size() * kWitnessScaleFactor > kMaxBlockWeight ||
      wire::serialized_size(block, wire::TxEncoding::without_witness) * kWitnessScaleFactor > kMaxBlockWeight)
    return fail(BlockError::bad_blk_length);

  if (!block.txs[0].is_coinbase()) return fail(BlockError::bad_cb_missing, 0);
  for (std::size_t i = 1; i < block.txs.size(); ++i)
    if (block.txs[i].is_coinbase()) return fail(BlockError::bad_cb_multiple, i);

  for (std::size_t i = 0; i < block.txs.size(); ++i) {
    if (auto checked = check_transaction(block.txs[i]); !checked)
      return std::unexpected(BlockFailure{BlockError::bad_txns, i, checked.error(), std::nullopt, std::nullopt, std::nullopt});
  }

  std::int64_t sigops = 0;
  for (const auto& tx : block.txs) sigops += legacy_sigop_count(tx);
  if (sigops * static_cast<std::int64_t>(kWitnessScaleFactor) > kMaxBlockSigopsCost)
    return fail(BlockError::bad_blk_sigops);
  return {};
}

std::optional<BlockError> find_mutation(const wire::Block& block, int height, const ChainParams& params,
                                        std::vector<Hash256>* txids) {
  std::vector<Hash256> hashes;
  hashes.reserve(block.txs.size());
  for (const auto& tx : block.txs) hashes.push_back(wire::txid(tx));
  const wire::MerkleRoot merkle = hashes.empty() ? wire::block_merkle_root(block) : wire::merkle_root(hashes);
  if (txids) *txids = std::move(hashes);
  if (merkle.root != block.header.merkle_root) return BlockError::bad_txnmrklroot;
  if (merkle.mutated) return BlockError::bad_txns_duplicate;
  if (height >= params.segwit_height) {
    switch (wire::check_witness_commitment(block)) {
    case wire::WitnessCommitment::absent:
    case wire::WitnessCommitment::valid: return std::nullopt;
    case wire::WitnessCommitment::bad_nonce: return BlockError::bad_witness_nonce_size;
    case wire::WitnessCommitment::mismatch: return BlockError::bad_witness_merkle_match;
    case wire::WitnessCommitment::unexpected_witness: return BlockError::unexpected_witness;
    }
  }
  for (const auto& tx : block.txs)
    if (tx.has_witness()) return BlockError::unexpected_witness;
  return std::nullopt;
}

std::expected<void, BlockFailure> check_block_contextual(const wire::Block& block, const BlockContext& context,
                                                         const ChainParams& params) {
  // BIP113: after CSV, lock times compare with the parent's median time past, not the block's time.
  const std::int64_t cutoff =
      context.height >= params.csv_height ? context.prev_median_time_past : std::int64_t{block.header.time};
  for (std::size_t i = 0; i < block.txs.size(); ++i)
    if (!is_final_tx(block.txs[i], context.height, cutoff)) return fail(BlockError::bad_txns_nonfinal, i);

  if (context.height >= params.bip34_height && !block.txs.empty() &&
      coinbase_height(block.txs[0]) != context.height)
    return fail(BlockError::bad_cb_height, 0);

  // Before segwit no witness may appear at all; after, only with a matching commitment.
  if (context.witness_checked && context.height >= params.segwit_height) {
    // find_mutation checked the same commitment rules for this height.
  } else if (context.height >= params.segwit_height) {
    switch (wire::check_witness_commitment(block)) {
    case wire::WitnessCommitment::absent:
    case wire::WitnessCommitment::valid: break;
    case wire::WitnessCommitment::bad_nonce: return fail(BlockError::bad_witness_nonce_size, 0);
    case wire::WitnessCommitment::mismatch: return fail(BlockError::bad_witness_merkle_match, 0);
    case wire::WitnessCommitment::unexpected_witness: return fail(BlockError::unexpected_witness);
    }
  } else {
    for (std::size_t i = 0; i < block.txs.size(); ++i)
      if (block.txs[i].has_witness()) return fail(BlockError::unexpected_witness, i);
  }

  if (wire::weight(block) > kMaxBlockWeight) return fail(BlockError::bad_blk_weight);
  return {};
}

} // namespace peregrine::consensus
