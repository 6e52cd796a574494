#include "consensus/script/script_error.hpp"

#include <array>

namespace peregrine::consensus {
namespace {

constexpr std::array<std::string_view, kScriptErrorCount> kNames = {
    "OK",
    "UNKNOWN_ERROR",
    "EVAL_FALSE",
    "OP_RETURN",
    "SCRIPT_SIZE",
    "PUSH_SIZE",
    "OP_COUNT",
    "STACK_SIZE",
    "SIG_COUNT",
    "PUBKEY_COUNT",
    "VERIFY",
    "EQUALVERIFY",
    "CHECKMULTISIGVERIFY",
    "CHECKSIGVERIFY",
    "NUMEQUALVERIFY",
    "BAD_OPCODE",
    "DISABLED_OPCODE",
    "INVALID_STACK_OPERATION",
    "INVALID_ALTSTACK_OPERATION",
    "UNBALANCED_CONDITIONAL",
    "NEGATIVE_LOCKTIME",
    "UNSATISFIED_LOCKTIME",
    "SIG_HASHTYPE",
    "SIG_DER",
    "MINIMALDATA",
    "SIG_PUSHONLY",
    "SIG_HIGH_S",
    "SIG_NULLDUMMY",
    "PUBKEYTYPE",
    "CLEANSTACK",
    "MINIMALIF",
    "NULLFAIL",
    "DISCOURAGE_UPGRADABLE_NOPS",
    "DISCOURAGE_UPGRADABLE_WITNESS_PROGRAM",
    "DISCOURAGE_UPGRADABLE_TAPROOT_VERSION",
    "DISCOURAGE_OP_SUCCESS",
    "DISCOURAGE_UPGRADABLE_PUBKEYTYPE",
    "WITNESS_PROGRAM_WRONG_LENGTH",
    "WITNESS_PROGRAM_WITNESS_EMPTY",
    "WITNESS_PROGRAM_MISMATCH",
    "WITNESS_MALLEATED",
    "WITNESS_MALLEATED_P2SH",
    "WITNESS_UNEXPECTED",
    "WITNESS_PUBKEYTYPE",
    "SCHNORR_SIG_SIZE",
    "SCHNORR_SIG_HASHTYPE",
    "SCHNORR_SIG",
    "TAPROOT_WRONG_CONTROL_SIZE",
    "TAPSCRIPT_VALIDATION_WEIGHT",
    "TAPSCRIPT_CHECKMULTISIG",
    "TAPSCRIPT_MINIMALIF",
    "TAPSCRIPT_EMPTY_PUBKEY",
    "OP_CODESEPARATOR",
    "SIG_FINDANDDELETE",
    "SCRIPTNUM",
    "INVALID_FLAGS",
};

} // namespace

std::string_view to_string(ScriptError error) {
  auto i = static_cast<std::size_t>(error);
  return i < kNames.size() ? kNames[i] : "UNKNOWN_ERROR";
}

std::optional<ScriptError> parse_script_error(std::string_view name) {
  for (std::size_t i = 0; i < kNames.size(); ++i)
    if (kNames[i] == name) return static_cast<ScriptError>(i);
  return std::nullopt;
}

} // namespace peregrine::consensus
