#pragma once
// Internal to the interpreter: the state of one script's evaluation. The opcode groups are
// implemented in separate files (interpreter*.cpp); eval_script is the public entry.
#include <cstdint>
#include <expected>

#include "consensus/script/interpreter.hpp"
#include "consensus/script/opcodes.hpp"
#include "consensus/script/script_num.hpp"

namespace peregrine::consensus::detail {

using Result = std::expected<void, ScriptError>;
inline std::unexpected<ScriptError> fail(ScriptError e) { return std::unexpected(e); }

class Evaluator {
public:
  Evaluator(Stack& stack, ByteSpan script, ScriptFlags flags, const SignatureChecker& checker,
            SigVersion sigversion, ExecutionData& execdata)
      : stack_(stack), script_(script), flags_(flags), checker_(checker), sigversion_(sigversion),
        execdata_(execdata), require_minimal_((flags & verify::minimaldata) != 0) {}

  Result run();

private:
  // One non-push opcode; `executing` is false inside an unexecuted branch (only IF..ENDIF run).
  Result execute(std::uint8_t opcode, bool executing, std::size_t next_pos,
                 std::uint32_t opcode_pos);
  Result flow_op(std::uint8_t opcode, bool executing);
  Result stack_op(std::uint8_t opcode);
  Result numeric_op(std::uint8_t opcode);
  Result hash_op(std::uint8_t opcode);
  Result locktime_op(std::uint8_t opcode);
  Result checksig_op(std::uint8_t opcode);
  Result checksigadd_op();
  Result checkmultisig_op(std::uint8_t opcode);

  // Signature checks shared by the CHECKSIG family (interpreter_signature_ops.cpp).
  Result ecdsa_check(ByteSpan sig, ByteSpan pubkey, bool& success);
  Result schnorr_check(ByteSpan sig, ByteSpan pubkey, bool& success);
  // Legacy only: the script code without pushes of `sig` (FindAndDelete), copied into storage
  // the first time something is removed.
  Result remove_signature(ByteSpan sig, ByteSpan& code, Bytes& storage) const;

  bool legacy_limits() const {
    return sigversion_ == SigVersion::base || sigversion_ == SigVersion::witness_v0;
  }
  bool need(std::size_t items) const { return stack_.size() >= items; }
  std::expected<std::int64_t, ScriptError> number(std::size_t depth,
                                                  std::size_t max_size = kMaxNumSize) const {
    return decode_script_num(stack_.top(depth).span(), require_minimal_, max_size);
  }
  void push_number(std::int64_t value) {
    if (value >= 0 &&
        value <= 0x7f) { // the usual case (OP_1..OP_16, sizes, depths): one byte or none
      const std::uint8_t byte = static_cast<std::uint8_t>(value);
      stack_.push(StackItem::copy_small(&byte, value == 0 ? 0 : 1));
      return;
    }
    ScriptNumBytes n = encode_script_num(value);
    stack_.push(StackItem::copy_small(n.bytes.data(), n.size));
  }
  void push_bool(bool value) { stack_.push(StackItem::from_bool(value)); }
  ByteSpan script_code() const { return script_.subspan(code_begin_); }

  Stack& stack_;
  Stack altstack_;
  ConditionStack conditions_;
  ByteSpan script_;
  ScriptFlags flags_;
  const SignatureChecker& checker_;
  SigVersion sigversion_;
  ExecutionData& execdata_;
  bool require_minimal_;
  int op_count_ = 0;
  std::size_t code_begin_ = 0; // where the script code starts: after the last OP_CODESEPARATOR
};

} // namespace peregrine::consensus::detail
