#pragma once
// EvalScript: runs one script on a stack under the given flags and rule set.
#include <expected>

#include "consensus/script/execution_data.hpp"
#include "consensus/script/script_error.hpp"
#include "consensus/script/script_flags.hpp"
#include "consensus/script/signature_checker.hpp"
#include "consensus/script/stack.hpp"
#include "util/bytes.hpp"

namespace peregrine::consensus {

// Limits (consensus).
inline constexpr std::size_t kMaxScriptSize = 10'000;     // legacy and segwit v0 scripts
inline constexpr std::size_t kMaxScriptElementSize = 520; // any pushed or witness item
inline constexpr int kMaxOpsPerScript = 201;              // non-push opcodes, legacy and v0
inline constexpr std::size_t kMaxStackSize = 1000;        // stack + altstack items
inline constexpr int kMaxPubkeysPerMultisig = 20;
inline constexpr std::int64_t kValidationWeightPerSigop = 50; // BIP342
inline constexpr std::int64_t kValidationWeightOffset = 50;

// Runs `script` on `stack`. The stack's items may point into the script (and into whatever the
// caller pushed), so both must outlive the stack's use. execdata carries the tapscript budget in
// and the code separator position out.
std::expected<void, ScriptError> eval_script(Stack& stack, ByteSpan script, ScriptFlags flags,
                                             const SignatureChecker& checker, SigVersion sigversion,
                                             ExecutionData& execdata);

} // namespace peregrine::consensus
