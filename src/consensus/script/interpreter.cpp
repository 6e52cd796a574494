// The interpreter's main loop, flow control and dispatch to the opcode groups.
#include "consensus/script/evaluator.hpp"
#include "consensus/script/script_pattern.hpp"
#include "consensus/script/script_reader.hpp"

namespace peregrine::consensus {
namespace detail {

Result Evaluator::run() {
  if (legacy_limits() && script_.size() > kMaxScriptSize) return fail(ScriptError::script_size);
  execdata_.codeseparator_pos = kNoCodeSeparator;
  ScriptReader reader(script_);
  Instruction ins;
  for (std::uint32_t opcode_pos = 0; !reader.done(); ++opcode_pos) {
    const bool executing = conditions_.all_true();
    if (!reader.next(ins)) return fail(ScriptError::bad_opcode);
    if (ins.data.size() > kMaxScriptElementSize) return fail(ScriptError::push_size);
    const std::uint8_t op = ins.opcode;
    // OP_RESERVED (and every push) is free; all else counts, executed or not.
    if (legacy_limits() && op > OP_16 && ++op_count_ > kMaxOpsPerScript)
      return fail(ScriptError::op_count);
    if (is_disabled_opcode(op)) return fail(ScriptError::disabled_opcode);
    if (op == OP_CODESEPARATOR && sigversion_ == SigVersion::base &&
        (flags_ & verify::const_scriptcode))
      return fail(ScriptError::op_codeseparator);

    if (executing && op <= OP_PUSHDATA4) {
      if (require_minimal_ && !is_minimal_push(ins)) return fail(ScriptError::minimaldata);
      stack_.push(StackItem::view(ins.data));
    } else if (executing || (op >= OP_IF && op <= OP_ENDIF)) {
      if (auto r = execute(op, executing, reader.pos(), opcode_pos); !r) return r;
    }
    if (stack_.size() + altstack_.size() > kMaxStackSize) return fail(ScriptError::stack_size);
  }
  if (!conditions_.empty()) return fail(ScriptError::unbalanced_conditional);
  return {};
}

Result Evaluator::execute(std::uint8_t op, bool executing, std::size_t next_pos,
                          std::uint32_t opcode_pos) {
  // One line per opcode group reads better than one line per opcode.
  // clang-format off
  switch (op) {
  case OP_1NEGATE:
    push_number(-1);
    return {};
  case OP_1: case OP_2: case OP_3: case OP_4: case OP_5: case OP_6: case OP_7: case OP_8:
  case OP_9: case OP_10: case OP_11: case OP_12: case OP_13: case OP_14: case OP_15: case OP_16:
    push_number(op - OP_1 + 1);
    return {};
  case OP_NOP:
    return {};
  case OP_NOP1: case OP_NOP4: case OP_NOP5: case OP_NOP6: case OP_NOP7: case OP_NOP8:
  case OP_NOP9: case OP_NOP10:
    if (flags_ & verify::discourage_upgradable_nops)
      return fail(ScriptError::discourage_upgradable_nops);
    return {};
  case OP_CHECKLOCKTIMEVERIFY: case OP_CHECKSEQUENCEVERIFY:
    return locktime_op(op);
  case OP_IF: case OP_NOTIF: case OP_ELSE: case OP_ENDIF: case OP_VERIFY: case OP_RETURN:
    return flow_op(op, executing);
  case OP_TOALTSTACK: case OP_FROMALTSTACK: case OP_2DROP: case OP_2DUP: case OP_3DUP:
  case OP_2OVER: case OP_2ROT: case OP_2SWAP: case OP_IFDUP: case OP_DEPTH: case OP_DROP:
  case OP_DUP: case OP_NIP: case OP_OVER: case OP_PICK: case OP_ROLL: case OP_ROT: case OP_SWAP:
  case OP_TUCK: case OP_SIZE: case OP_EQUAL: case OP_EQUALVERIFY:
    return stack_op(op);
  case OP_1ADD: case OP_1SUB: case OP_NEGATE: case OP_ABS: case OP_NOT: case OP_0NOTEQUAL:
  case OP_ADD: case OP_SUB: case OP_BOOLAND: case OP_BOOLOR: case OP_NUMEQUAL:
  case OP_NUMEQUALVERIFY: case OP_NUMNOTEQUAL: case OP_LESSTHAN: case OP_GREATERTHAN:
  case OP_LESSTHANOREQUAL: case OP_GREATERTHANOREQUAL: case OP_MIN: case OP_MAX: case OP_WITHIN:
    return numeric_op(op);
  case OP_RIPEMD160: case OP_SHA1: case OP_SHA256: case OP_HASH160: case OP_HASH256:
    return hash_op(op);
  case OP_CODESEPARATOR:
    code_begin_ = next_pos;
    execdata_.codeseparator_pos = opcode_pos;
    return {};
  case OP_CHECKSIG: case OP_CHECKSIGVERIFY:
    return checksig_op(op);
  case OP_CHECKSIGADD:
    if (legacy_limits()) return fail(ScriptError::bad_opcode);
    return checksigadd_op();
  case OP_CHECKMULTISIG: case OP_CHECKMULTISIGVERIFY:
    return checkmultisig_op(op);
  default: // OP_RESERVED, OP_VER, OP_VERIF, OP_VERNOTIF, OP_RESERVED1/2, unassigned
    return fail(ScriptError::bad_opcode);
  }
  // clang-format on
}

Result Evaluator::flow_op(std::uint8_t op, bool executing) {
  switch (op) {
  case OP_IF:
  case OP_NOTIF: {
    bool value = false;
    if (executing) {
      if (stack_.empty()) return fail(ScriptError::invalid_stack_operation);
      ByteSpan top = stack_.top().span();
      // Tapscript always, segwit v0 under MINIMALIF: the condition is exactly "" or 0x01.
      const bool minimal = top.size() == 0 || (top.size() == 1 && top[0] == 1);
      if (sigversion_ == SigVersion::tapscript && !minimal)
        return fail(ScriptError::tapscript_minimalif);
      if (sigversion_ == SigVersion::witness_v0 && (flags_ & verify::minimalif) && !minimal)
        return fail(ScriptError::minimalif);
      value = cast_to_bool(top);
      if (op == OP_NOTIF) value = !value;
      stack_.pop();
    }
    conditions_.push(value);
    return {};
  }
  case OP_ELSE:
    if (conditions_.empty()) return fail(ScriptError::unbalanced_conditional);
    conditions_.toggle_top();
    return {};
  case OP_ENDIF:
    if (conditions_.empty()) return fail(ScriptError::unbalanced_conditional);
    conditions_.pop();
    return {};
  case OP_VERIFY:
    if (!need(1)) return fail(ScriptError::invalid_stack_operation);
    if (!cast_to_bool(stack_.top().span())) return fail(ScriptError::verify);
    stack_.pop();
    return {};
  default: // OP_RETURN
    return fail(ScriptError::op_return);
  }
}

Result Evaluator::locktime_op(std::uint8_t op) {
  const bool cltv = op == OP_CHECKLOCKTIMEVERIFY;
  // Before their soft forks these were NOP2 and NOP3 (and not discouraged as such).
  if (!(flags_ & (cltv ? verify::checklocktimeverify : verify::checksequenceverify))) return {};
  if (!need(1)) return fail(ScriptError::invalid_stack_operation);
  // Five bytes: lock times reach 2^39 while arithmetic stops at 2^31.
  auto value = number(0, kMaxLockTimeNumSize);
  if (!value) return std::unexpected(value.error());
  if (*value < 0) return fail(ScriptError::negative_locktime);
  if (cltv) {
    if (!checker_.check_lock_time(*value)) return fail(ScriptError::unsatisfied_locktime);
    return {};
  }
  if (*value & (std::int64_t{1} << 31)) return {}; // disable flag set: no constraint
  if (!checker_.check_sequence(*value)) return fail(ScriptError::unsatisfied_locktime);
  return {};
}

} // namespace detail

std::expected<void, ScriptError> eval_script(Stack& stack, ByteSpan script, ScriptFlags flags,
                                             const SignatureChecker& checker, SigVersion sigversion,
                                             ExecutionData& execdata) {
  return detail::Evaluator(stack, script, flags, checker, sigversion, execdata).run();
}

} // namespace peregrine::consensus
