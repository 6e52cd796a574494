#include "consensus/script/verify_script.hpp"

#include <algorithm>

#include "consensus/script/hash_writer.hpp"
#include "consensus/script/interpreter.hpp"
#include "consensus/script/script_pattern.hpp"
#include "consensus/script/taproot.hpp"
#include "crypto/sha256.hpp"

namespace peregrine::consensus {
namespace {

using Result = std::expected<void, ScriptError>;
std::unexpected<ScriptError> fail(ScriptError e) { return std::unexpected(e); }

Stack stack_of(std::span<const Bytes> items) {
  Stack stack;
  for (const Bytes& item : items) stack.push(StackItem::view(item));
  return stack;
}

// Runs a witness script (P2WSH, P2WPKH's implied script, or a tapscript leaf) on the witness
// items: every item within the element size, and a clean stack ending in true.
Result execute_witness_script(std::span<const Bytes> items, ByteSpan script, ScriptFlags flags,
                              SigVersion sigversion, const SignatureChecker& checker,
                              ExecutionData& execdata) {
  if (sigversion == SigVersion::tapscript) {
    // OP_SUCCESSx anywhere wins over everything else, even a later undecodable push.
    ScriptReader reader(script);
    Instruction ins;
    while (!reader.done()) {
      if (!reader.next(ins)) return fail(ScriptError::bad_opcode);
      if (is_op_success(ins.opcode)) {
        if (flags & verify::discourage_op_success) return fail(ScriptError::discourage_op_success);
        return {};
      }
    }
    if (items.size() > kMaxStackSize) return fail(ScriptError::stack_size);
  }
  for (const Bytes& item : items)
    if (item.size() > kMaxScriptElementSize) return fail(ScriptError::push_size);
  Stack stack = stack_of(items);
  if (auto r = eval_script(stack, script, flags, checker, sigversion, execdata); !r) return r;
  if (stack.size() != 1) return fail(ScriptError::cleanstack);
  if (!cast_to_bool(stack.top().span())) return fail(ScriptError::eval_false);
  return {};
}

std::size_t serialized_witness_size(std::span<const Bytes> witness) {
  auto compact_size_len = [](std::size_t n) -> std::size_t {
    return n < 0xfd ? 1 : n <= 0xffff ? 3 : n <= 0xffffffff ? 5 : 9;
  };
  std::size_t size = compact_size_len(witness.size());
  for (const Bytes& item : witness) size += compact_size_len(item.size()) + item.size();
  return size;
}

Result verify_taproot(std::span<const Bytes> witness, ByteSpan program, ScriptFlags flags,
                      const SignatureChecker& checker) {
  if (!(flags & verify::taproot)) return {};
  std::span<const Bytes> stack = witness;
  if (stack.empty()) return fail(ScriptError::witness_program_witness_empty);
  ExecutionData execdata;
  if (stack.size() >= 2 && !stack.back().empty() && stack.back()[0] == kAnnexTag) {
    execdata.annex_hash = HashWriter().bytes_with_size(stack.back()).sha256();
    execdata.annex_present = true;
    stack = stack.first(stack.size() - 1);
  }
  if (stack.size() == 1) { // key path
    return checker.check_schnorr(stack[0], program, SigVersion::taproot, execdata);
  }
  // Script path: ... script control
  const Bytes& control = stack.back();
  const Bytes& script = stack[stack.size() - 2];
  stack = stack.first(stack.size() - 2);
  if (control.size() < kTaprootControlBaseSize || control.size() > kTaprootControlMaxSize ||
      (control.size() - kTaprootControlBaseSize) % kTaprootControlNodeSize != 0)
    return fail(ScriptError::taproot_wrong_control_size);
  const std::uint8_t leaf_version = control[0] & kTaprootLeafMask;
  execdata.tapleaf_hash = tapleaf_hash(leaf_version, script);
  if (!verify_taproot_commitment(control, program, execdata.tapleaf_hash))
    return fail(ScriptError::witness_program_mismatch);
  if (leaf_version == kTaprootLeafTapscript) {
    // The budget counts the whole witness as serialized, annex and control block included.
    execdata.validation_weight_left =
        static_cast<std::int64_t>(serialized_witness_size(witness)) + kValidationWeightOffset;
    return execute_witness_script(stack, script, flags, SigVersion::tapscript, checker, execdata);
  }
  if (flags & verify::discourage_upgradable_taproot_version)
    return fail(ScriptError::discourage_upgradable_taproot_version);
  return {};
}

Result verify_witness_program(std::span<const Bytes> witness, const WitnessProgram& wp,
                              ScriptFlags flags, const SignatureChecker& checker, bool is_p2sh) {
  if (wp.version == 0) {
    ExecutionData execdata;
    if (wp.program.size() == 32) { // P2WSH: the last item is the script, committed by SHA256
      if (witness.empty()) return fail(ScriptError::witness_program_witness_empty);
      const Bytes& script = witness.back();
      const crypto::Sha256Digest hash = crypto::sha256(script);
      if (!std::ranges::equal(hash, wp.program)) return fail(ScriptError::witness_program_mismatch);
      return execute_witness_script(witness.first(witness.size() - 1), script, flags,
                                    SigVersion::witness_v0, checker, execdata);
    }
    if (wp.program.size() == 20) { // P2WPKH: signature and key for the implied P2PKH script
      if (witness.size() != 2) return fail(ScriptError::witness_program_mismatch);
      std::uint8_t script[25] = {OP_DUP, OP_HASH160, 20};
      std::copy(wp.program.begin(), wp.program.end(), script + 3);
      script[23] = OP_EQUALVERIFY;
      script[24] = OP_CHECKSIG;
      return execute_witness_script(witness, script, flags, SigVersion::witness_v0, checker,
                                    execdata);
    }
    return fail(ScriptError::witness_program_wrong_length);
  }
  if (wp.version == 1 && wp.program.size() == 32 && !is_p2sh)
    return verify_taproot(witness, wp.program, flags, checker);
  // Unknown versions and sizes are anyone-can-spend, kept for future soft forks.
  if (flags & verify::discourage_upgradable_witness_program)
    return fail(ScriptError::discourage_upgradable_witness_program);
  return {};
}

// The scriptSig of a P2SH-wrapped witness program is exactly one push of the redeem script.
bool is_single_push_of(ByteSpan script_sig, ByteSpan redeem) {
  std::uint8_t prefix[5];
  const std::size_t n = encode_push_prefix(redeem.size(), prefix);
  return script_sig.size() == n + redeem.size() &&
         std::equal(prefix, prefix + n, script_sig.begin()) &&
         std::equal(redeem.begin(), redeem.end(), script_sig.begin() + n);
}

} // namespace

std::expected<void, ScriptError> verify_script(ByteSpan script_sig, ByteSpan script_pubkey,
                                               std::span<const Bytes> witness, ScriptFlags flags,
                                               const SignatureChecker& checker) {
  if (!is_valid_flag_combination(flags)) return fail(ScriptError::invalid_flags);
  if ((flags & verify::sigpushonly) && !is_push_only(script_sig))
    return fail(ScriptError::sig_pushonly);

  // scriptSig and scriptPubKey run one after the other on one stack, never concatenated
  // (CVE-2010-5141).
  ExecutionData execdata;
  Stack stack;
  if (auto r = eval_script(stack, script_sig, flags, checker, SigVersion::base, execdata); !r)
    return r;
  Stack p2sh_stack;
  if (flags & verify::p2sh) p2sh_stack = stack;
  if (auto r = eval_script(stack, script_pubkey, flags, checker, SigVersion::base, execdata); !r)
    return r;
  if (stack.empty() || !cast_to_bool(stack.top().span())) return fail(ScriptError::eval_false);

  bool had_witness = false;
  if (flags & verify::witness) {
    if (auto wp = witness_program(script_pubkey)) {
      had_witness = true;
      if (!script_sig.empty()) return fail(ScriptError::witness_malleated);
      if (auto r = verify_witness_program(witness, *wp, flags, checker, false); !r) return r;
      stack.keep_bottom(1); // the witness program's own stack is not the one CLEANSTACK checks
    }
  }

  // The redeem script is a copy of the top item: its bytes must outlive the evaluation below,
  // which may push views of them.
  StackItem redeem;
  if ((flags & verify::p2sh) && is_p2sh(script_pubkey)) {
    if (!is_push_only(script_sig)) return fail(ScriptError::sig_pushonly);
    stack = p2sh_stack;
    // Not empty: HASH160 <h> EQUAL would have failed on an empty stack.
    redeem = stack.top();
    stack.pop();
    ByteSpan redeem_script = redeem.span();
    if (auto r = eval_script(stack, redeem_script, flags, checker, SigVersion::base, execdata); !r)
      return r;
    if (stack.empty() || !cast_to_bool(stack.top().span())) return fail(ScriptError::eval_false);

    if (flags & verify::witness) {
      if (auto wp = witness_program(redeem_script)) {
        had_witness = true;
        if (!is_single_push_of(script_sig, redeem_script))
          return fail(ScriptError::witness_malleated_p2sh);
        if (auto r = verify_witness_program(witness, *wp, flags, checker, true); !r) return r;
        stack.keep_bottom(1);
      }
    }
  }

  // Only now: a P2SH spend leaves its inputs below the redeem script's result until here.
  if ((flags & verify::cleanstack) && stack.size() != 1) return fail(ScriptError::cleanstack);
  if ((flags & verify::witness) && !had_witness && !witness.empty())
    return fail(ScriptError::witness_unexpected);
  return {};
}

std::expected<void, ScriptError> verify_input(const PrecomputedTx& tx, std::size_t input,
                                              ScriptFlags flags) {
  if (input >= tx.tx().inputs.size() || !tx.has_spent_output(input))
    return fail(ScriptError::unknown_error);
  const wire::TxIn& in = tx.tx().inputs[input];
  TransactionChecker checker(tx, input);
  return verify_script(in.script_sig, tx.spent_outputs()[input].script_pubkey, in.witness, flags,
                       checker);
}

} // namespace peregrine::consensus
