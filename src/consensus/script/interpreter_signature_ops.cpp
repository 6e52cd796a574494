// OP_CHECKSIG, OP_CHECKSIGVERIFY, OP_CHECKSIGADD and OP_CHECKMULTISIG(VERIFY).
#include <algorithm>
#include <array>

#include "consensus/script/evaluator.hpp"
#include "consensus/script/script_pattern.hpp"
#include "consensus/script/signature_encoding.hpp"

namespace peregrine::consensus::detail {

Result Evaluator::remove_signature(ByteSpan sig, ByteSpan& code, Bytes& storage) const {
  // The signature as a script push is what FindAndDelete removes. Stack items never exceed
  // 520 bytes, so the pattern fits on the stack; the heap path is only a safety net.
  std::array<std::uint8_t, kMaxScriptElementSize + 5> buffer;
  Bytes heap;
  ByteSpan pattern;
  if (sig.size() <= kMaxScriptElementSize) {
    std::uint8_t prefix[5];
    const std::size_t n = encode_push_prefix(sig.size(), prefix);
    std::copy_n(prefix, n, buffer.begin());
    std::copy(sig.begin(), sig.end(), buffer.begin() + n);
    pattern = ByteSpan(buffer.data(), n + sig.size());
  } else {
    encode_push(sig, heap);
    pattern = heap;
  }
  if (!contains_at_boundary(code, pattern)) return {};
  if (flags_ & verify::const_scriptcode) return fail(ScriptError::sig_findanddelete);
  const bool already_copied = !storage.empty() && code.data() == storage.data();
  if (!already_copied) storage.assign(code.begin(), code.end());
  find_and_delete(storage, pattern);
  code = storage;
  return {};
}

Result Evaluator::ecdsa_check(ByteSpan sig, ByteSpan pubkey, bool& success) {
  ByteSpan code = script_code();
  Bytes storage;
  if (sigversion_ == SigVersion::base) {
    if (auto r = remove_signature(sig, code, storage); !r) return r;
  }
  if (auto r = check_signature_encoding(sig, flags_); !r) return r;
  if (auto r = check_pubkey_encoding(pubkey, flags_, sigversion_); !r) return r;
  success = checker_.check_ecdsa(sig, pubkey, code, sigversion_);
  if (!success && (flags_ & verify::nullfail) && !sig.empty()) return fail(ScriptError::nullfail);
  return {};
}

// BIP342: an empty signature is a valid "no"; any other must verify. Every non-empty signature
// spends budget, and unknown key types succeed for future soft forks.
Result Evaluator::schnorr_check(ByteSpan sig, ByteSpan pubkey, bool& success) {
  success = !sig.empty();
  if (success) {
    execdata_.validation_weight_left -= kValidationWeightPerSigop;
    if (execdata_.validation_weight_left < 0) return fail(ScriptError::tapscript_validation_weight);
  }
  if (pubkey.empty()) return fail(ScriptError::tapscript_empty_pubkey);
  if (pubkey.size() == 32) {
    if (success) {
      if (auto r = checker_.check_schnorr(sig, pubkey, sigversion_, execdata_); !r) return r;
    }
  } else if (flags_ & verify::discourage_upgradable_pubkeytype) {
    return fail(ScriptError::discourage_upgradable_pubkeytype);
  }
  return {};
}

Result Evaluator::checksig_op(std::uint8_t op) {
  if (!need(2)) return fail(ScriptError::invalid_stack_operation);
  // No stack change until the check is done, so these views stay valid.
  ByteSpan sig = stack_.top(1).span();
  ByteSpan pubkey = stack_.top(0).span();
  bool success = false;
  Result r = sigversion_ == SigVersion::tapscript ? schnorr_check(sig, pubkey, success)
                                                  : ecdsa_check(sig, pubkey, success);
  if (!r) return r;
  stack_.pop(2);
  push_bool(success);
  if (op == OP_CHECKSIGVERIFY) {
    if (!success) return fail(ScriptError::checksigverify);
    stack_.pop();
  }
  return {};
}

Result Evaluator::checksigadd_op() {
  // sig n pubkey -- n+success
  if (!need(3)) return fail(ScriptError::invalid_stack_operation);
  auto n = number(1);
  if (!n) return std::unexpected(n.error());
  bool success = false;
  if (auto r = schnorr_check(stack_.top(2).span(), stack_.top(0).span(), success); !r) return r;
  stack_.pop(3);
  push_number(*n + (success ? 1 : 0));
  return {};
}

Result Evaluator::checkmultisig_op(std::uint8_t op) {
  if (sigversion_ == SigVersion::tapscript) return fail(ScriptError::tapscript_checkmultisig);
  constexpr auto invalid = ScriptError::invalid_stack_operation;
  // Layout from the top: key count, keys, signature count, signatures, one unused "dummy".
  std::size_t i = 1;
  if (!need(i)) return fail(invalid);
  auto key_count = number(i - 1);
  if (!key_count) return std::unexpected(key_count.error());
  int keys = script_num_to_int(*key_count);
  if (keys < 0 || keys > kMaxPubkeysPerMultisig) return fail(ScriptError::pubkey_count);
  op_count_ += keys;
  if (op_count_ > kMaxOpsPerScript) return fail(ScriptError::op_count);
  std::size_t next_key = ++i; // 1-based depth of the next key to try
  std::size_t non_sig_items = static_cast<std::size_t>(keys) + 2;
  i += static_cast<std::size_t>(keys);
  if (!need(i)) return fail(invalid);
  auto sig_count = number(i - 1);
  if (!sig_count) return std::unexpected(sig_count.error());
  int sigs = script_num_to_int(*sig_count);
  if (sigs < 0 || sigs > keys) return fail(ScriptError::sig_count);
  std::size_t next_sig = ++i;
  i += static_cast<std::size_t>(sigs);
  if (!need(i)) return fail(invalid);

  ByteSpan code = script_code();
  Bytes storage;
  if (sigversion_ == SigVersion::base) {
    for (int k = 0; k < sigs; ++k) {
      if (auto r = remove_signature(stack_.top(next_sig - 1 + k).span(), code, storage); !r)
        return r;
    }
  }

  // Signatures must match keys in order; stop as soon as too few keys remain.
  bool success = true;
  while (success && sigs > 0) {
    ByteSpan sig = stack_.top(next_sig - 1).span();
    ByteSpan pubkey = stack_.top(next_key - 1).span();
    // Checked pair by pair, so under STRICTENC the order of evaluation is observable.
    if (auto r = check_signature_encoding(sig, flags_); !r) return r;
    if (auto r = check_pubkey_encoding(pubkey, flags_, sigversion_); !r) return r;
    if (checker_.check_ecdsa(sig, pubkey, code, sigversion_)) {
      ++next_sig;
      --sigs;
    }
    ++next_key;
    --keys;
    if (sigs > keys) success = false;
  }

  // Pop the counts, keys and signatures; under NULLFAIL a failed check needs empty signatures.
  while (i-- > 1) {
    if (!success && (flags_ & verify::nullfail) && non_sig_items == 0 && !stack_.top().empty())
      return fail(ScriptError::nullfail);
    if (non_sig_items > 0) --non_sig_items;
    stack_.pop();
  }
  // The historical off-by-one: one more item is consumed (BIP147 wants it empty).
  if (!need(1)) return fail(invalid);
  if ((flags_ & verify::nulldummy) && !stack_.top().empty())
    return fail(ScriptError::sig_nulldummy);
  stack_.pop();

  push_bool(success);
  if (op == OP_CHECKMULTISIGVERIFY) {
    if (!success) return fail(ScriptError::checkmultisigverify);
    stack_.pop();
  }
  return {};
}

} // namespace peregrine::consensus::detail
