// Stack manipulation, equality, arithmetic and hashing opcodes.
#include <algorithm>

#include "consensus/script/evaluator.hpp"
#include "crypto/hash160.hpp"
#include "crypto/ripemd160.hpp"
#include "crypto/sha1.hpp"
#include "crypto/sha256.hpp"

namespace peregrine::consensus::detail {

Result Evaluator::stack_op(std::uint8_t op) {
  constexpr auto invalid = ScriptError::invalid_stack_operation;
  switch (op) {
  case OP_TOALTSTACK:
    if (!need(1)) return fail(invalid);
    altstack_.push(stack_.top());
    stack_.pop();
    return {};
  case OP_FROMALTSTACK:
    if (altstack_.empty()) return fail(ScriptError::invalid_altstack_operation);
    stack_.push(altstack_.top());
    altstack_.pop();
    return {};
  case OP_2DROP:
    if (!need(2)) return fail(invalid);
    stack_.pop(2);
    return {};
  case OP_2DUP:
    if (!need(2)) return fail(invalid);
    stack_.push(stack_.top(1));
    stack_.push(stack_.top(1));
    return {};
  case OP_3DUP:
    if (!need(3)) return fail(invalid);
    stack_.push(stack_.top(2));
    stack_.push(stack_.top(2));
    stack_.push(stack_.top(2));
    return {};
  case OP_2OVER:
    if (!need(4)) return fail(invalid);
    stack_.push(stack_.top(3));
    stack_.push(stack_.top(3));
    return {};
  case OP_2ROT: {
    if (!need(6)) return fail(invalid);
    StackItem a = stack_.top(5);
    StackItem b = stack_.top(4);
    stack_.erase(5);
    stack_.erase(4);
    stack_.push(a);
    stack_.push(b);
    return {};
  }
  case OP_2SWAP:
    if (!need(4)) return fail(invalid);
    stack_.swap(3, 1);
    stack_.swap(2, 0);
    return {};
  case OP_IFDUP:
    if (!need(1)) return fail(invalid);
    if (cast_to_bool(stack_.top().span())) stack_.push(stack_.top());
    return {};
  case OP_DEPTH: push_number(static_cast<std::int64_t>(stack_.size())); return {};
  case OP_DROP:
    if (!need(1)) return fail(invalid);
    stack_.pop();
    return {};
  case OP_DUP:
    if (!need(1)) return fail(invalid);
    stack_.push(stack_.top());
    return {};
  case OP_NIP:
    if (!need(2)) return fail(invalid);
    stack_.erase(1);
    return {};
  case OP_OVER:
    if (!need(2)) return fail(invalid);
    stack_.push(stack_.top(1));
    return {};
  case OP_PICK:
  case OP_ROLL: {
    if (!need(2)) return fail(invalid);
    auto n = number(0);
    if (!n) return std::unexpected(n.error());
    stack_.pop();
    const int depth = script_num_to_int(*n);
    if (depth < 0 || static_cast<std::size_t>(depth) >= stack_.size()) return fail(invalid);
    StackItem item = stack_.top(static_cast<std::size_t>(depth));
    if (op == OP_ROLL) stack_.erase(static_cast<std::size_t>(depth));
    stack_.push(item);
    return {};
  }
  case OP_ROT:
    if (!need(3)) return fail(invalid);
    stack_.swap(2, 1);
    stack_.swap(1, 0);
    return {};
  case OP_SWAP:
    if (!need(2)) return fail(invalid);
    stack_.swap(1, 0);
    return {};
  case OP_TUCK:
    if (!need(2)) return fail(invalid);
    stack_.insert(2, stack_.top());
    return {};
  case OP_SIZE:
    if (!need(1)) return fail(invalid);
    push_number(static_cast<std::int64_t>(stack_.top().size()));
    return {};
  default: { // OP_EQUAL, OP_EQUALVERIFY
    if (!need(2)) return fail(invalid);
    ByteSpan a = stack_.top(1).span();
    ByteSpan b = stack_.top(0).span();
    const bool equal = std::ranges::equal(a, b);
    stack_.pop(2);
    push_bool(equal);
    if (op == OP_EQUALVERIFY) {
      if (!equal) return fail(ScriptError::equalverify);
      stack_.pop();
    }
    return {};
  }
  }
}

Result Evaluator::numeric_op(std::uint8_t op) {
  constexpr auto invalid = ScriptError::invalid_stack_operation;
  switch (op) {
  // clang-format off
  case OP_1ADD: case OP_1SUB: case OP_NEGATE: case OP_ABS: case OP_NOT: case OP_0NOTEQUAL: {
    // clang-format on
    if (!need(1)) return fail(invalid);
    auto n = number(0);
    if (!n) return std::unexpected(n.error());
    std::int64_t v = *n;
    switch (op) {
    case OP_1ADD: v += 1; break;
    case OP_1SUB: v -= 1; break;
    case OP_NEGATE: v = -v; break;
    case OP_ABS: v = v < 0 ? -v : v; break;
    case OP_NOT: v = v == 0; break;
    default: v = v != 0; break; // OP_0NOTEQUAL
    }
    stack_.pop();
    push_number(v);
    return {};
  }
  case OP_WITHIN: {
    if (!need(3)) return fail(invalid);
    auto x = number(2), lo = number(1), hi = number(0);
    if (!x) return std::unexpected(x.error());
    if (!lo) return std::unexpected(lo.error());
    if (!hi) return std::unexpected(hi.error());
    stack_.pop(3);
    push_bool(*lo <= *x && *x < *hi);
    return {};
  }
  default: {
    if (!need(2)) return fail(invalid);
    auto a_num = number(1), b_num = number(0);
    if (!a_num) return std::unexpected(a_num.error());
    if (!b_num) return std::unexpected(b_num.error());
    const std::int64_t a = *a_num, b = *b_num;
    std::int64_t result = 0;
    switch (op) {
    case OP_ADD: result = a + b; break;
    case OP_SUB: result = a - b; break;
    case OP_BOOLAND: result = a != 0 && b != 0; break;
    case OP_BOOLOR: result = a != 0 || b != 0; break;
    case OP_NUMEQUAL:
    case OP_NUMEQUALVERIFY: result = a == b; break;
    case OP_NUMNOTEQUAL: result = a != b; break;
    case OP_LESSTHAN: result = a < b; break;
    case OP_GREATERTHAN: result = a > b; break;
    case OP_LESSTHANOREQUAL: result = a <= b; break;
    case OP_GREATERTHANOREQUAL: result = a >= b; break;
    case OP_MIN: result = std::min(a, b); break;
    default: result = std::max(a, b); break; // OP_MAX
    }
    stack_.pop(2);
    push_number(result);
    if (op == OP_NUMEQUALVERIFY) {
      if (result == 0) return fail(ScriptError::numequalverify);
      stack_.pop();
    }
    return {};
  }
  }
}

Result Evaluator::hash_op(std::uint8_t op) {
  if (!need(1)) return fail(ScriptError::invalid_stack_operation);
  ByteSpan data = stack_.top().span();
  StackItem digest;
  switch (op) {
  case OP_RIPEMD160:
    digest = StackItem::copy(std::span<const std::uint8_t, 20>(crypto::ripemd160(data)));
    break;
  case OP_SHA1:
    digest = StackItem::copy(std::span<const std::uint8_t, 20>(crypto::sha1(data)));
    break;
  case OP_SHA256:
    digest = StackItem::copy(std::span<const std::uint8_t, 32>(crypto::sha256(data)));
    break;
  case OP_HASH160:
    digest = StackItem::copy(std::span<const std::uint8_t, 20>(crypto::hash160(data)));
    break;
  default:
    digest = StackItem::copy(std::span<const std::uint8_t, 32>(crypto::sha256d(data).bytes));
    break;
  }
  stack_.pop();
  stack_.push(digest);
  return {};
}

} // namespace peregrine::consensus::detail
