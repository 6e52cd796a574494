#pragma once
// Why a script failed. One enumerator per error Bitcoin Core reports, named as in Core's test
// vectors (script_tests.json): to_string(ScriptError::eval_false) == "EVAL_FALSE".
#include <cstdint>
#include <optional>
#include <string_view>

namespace peregrine::consensus {

enum class ScriptError : std::uint8_t {
  ok,
  unknown_error,
  eval_false,
  op_return,
  // Limits.
  script_size,
  push_size,
  op_count,
  stack_size,
  sig_count,
  pubkey_count,
  // Failed VERIFY operations.
  verify,
  equalverify,
  checkmultisigverify,
  checksigverify,
  numequalverify,
  // Logic and format.
  bad_opcode,
  disabled_opcode,
  invalid_stack_operation,
  invalid_altstack_operation,
  unbalanced_conditional,
  // CHECKLOCKTIMEVERIFY and CHECKSEQUENCEVERIFY.
  negative_locktime,
  unsatisfied_locktime,
  // Malleability rules.
  sig_hashtype,
  sig_der,
  minimaldata,
  sig_pushonly,
  sig_high_s,
  sig_nulldummy,
  pubkeytype,
  cleanstack,
  minimalif,
  nullfail,
  // Soft-fork safety.
  discourage_upgradable_nops,
  discourage_upgradable_witness_program,
  discourage_upgradable_taproot_version,
  discourage_op_success,
  discourage_upgradable_pubkeytype,
  // Segregated witness.
  witness_program_wrong_length,
  witness_program_witness_empty,
  witness_program_mismatch,
  witness_malleated,
  witness_malleated_p2sh,
  witness_unexpected,
  witness_pubkeytype,
  // Taproot and tapscript.
  schnorr_sig_size,
  schnorr_sig_hashtype,
  schnorr_sig,
  taproot_wrong_control_size,
  tapscript_validation_weight,
  tapscript_checkmultisig,
  tapscript_minimalif,
  tapscript_empty_pubkey,
  // CONST_SCRIPTCODE.
  op_codeseparator,
  sig_findanddelete,
  // A number operand longer than allowed or, under MINIMALDATA, not minimally encoded.
  scriptnum,
  // Peregrine's own: flag combinations Core refuses by assertion (CLEANSTACK without
  // P2SH and WITNESS, WITNESS without P2SH) are reported instead of crashing.
  invalid_flags,
};

inline constexpr std::size_t kScriptErrorCount =
    static_cast<std::size_t>(ScriptError::invalid_flags) + 1;

std::string_view to_string(ScriptError error);
std::optional<ScriptError> parse_script_error(std::string_view name);

} // namespace peregrine::consensus
