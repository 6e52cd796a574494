#pragma once
// VerifyScript: whether an input's scriptSig and witness satisfy the scriptPubKey it spends, with
// every spending path (bare, P2SH, segwit v0, taproot key and script paths, future versions).
#include <expected>
#include <span>

#include "consensus/script/precomputed_tx.hpp"
#include "consensus/script/script_error.hpp"
#include "consensus/script/script_flags.hpp"
#include "consensus/script/signature_checker.hpp"
#include "util/bytes.hpp"

namespace peregrine::consensus {

std::expected<void, ScriptError> verify_script(ByteSpan script_sig, ByteSpan script_pubkey,
                                               std::span<const Bytes> witness, ScriptFlags flags,
                                               const SignatureChecker& checker);

// Input `input` of a prepared transaction against the output it spends.
std::expected<void, ScriptError> verify_input(const PrecomputedTx& tx, std::size_t input,
                                              ScriptFlags flags);

} // namespace peregrine::consensus
