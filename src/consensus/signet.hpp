#pragma once
// BIP325: a signet block must carry, in its coinbase witness commitment, a solution to the
// network's challenge script, checked as the spend of a virtual transaction that commits to the
// block (all but its nonce and the solution itself). Core's CheckSignetBlockSolution.
#include <array>
#include <cstdint>
#include <expected>
#include <optional>
#include <span>
#include <string_view>

#include "consensus/script/script_error.hpp"
#include "util/bytes.hpp"
#include "util/hash256.hpp"
#include "wire/block.hpp"
#include "wire/transaction.hpp"

namespace peregrine::consensus {

// The 4 bytes a push in the witness commitment script starts with to hold the solution.
inline constexpr std::array<std::uint8_t, 4> kSignetHeader = {0xec, 0xc7, 0xda, 0xa2};

enum class SignetError : std::uint8_t {
  no_commitment, // the coinbase has no witness commitment output to hold a solution
  bad_encoding,  // the solution push is not exactly a scriptSig and a witness stack
  no_solution,   // no solution, and the challenge is not satisfied by an empty one
  script_failed, // the solution does not satisfy the challenge (wrong key, other block, ...)
};
std::string_view to_string(SignetError error);

struct SignetFailure {
  SignetError error;
  std::optional<ScriptError> script_error; // for no_solution and script_failed
};

// The two virtual transactions of BIP325: to_spend pays 0 to the challenge and commits to the
// block; to_sign spends it with the block's solution (empty if it has none).
struct SignetTxs {
  wire::Transaction to_spend;
  wire::Transaction to_sign;
  bool has_solution = false; // a solution push was found in the commitment
};

// Builds the virtual transactions of a block for a challenge. txids, when given, are the block's
// (one per transaction): only the coinbase is hashed again. Fails with no_commitment or
// bad_encoding.
std::expected<SignetTxs, SignetFailure> make_signet_txs(const wire::Block& block, ByteSpan challenge,
                                                        std::span<const Hash256> txids = {});

// Whether the block's solution satisfies the challenge. The genesis block (genesis_hash) needs none.
std::expected<void, SignetFailure> check_signet_solution(const wire::Block& block, ByteSpan challenge,
                                                         const Hash256& genesis_hash,
                                                         std::span<const Hash256> txids = {});

// A network's message start for a signet challenge: the first 4 bytes of sha256d of the
// challenge as a single push (CompactSize length, then the script).
std::array<std::uint8_t, 4> signet_message_start(ByteSpan challenge);

} // namespace peregrine::consensus
