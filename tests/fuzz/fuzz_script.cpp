// Fuzzes script verification: every spending path, random flags, witnesses and transaction
// fields. It must never crash, hang or trip a sanitizer, and Core's soft-fork property must hold:
// removing flags never breaks a passing spend, adding flags never repairs a failing one.
//
// Input: flags (4 bytes LE), mode (1), version (1), lock time (4), sequence (4), amount (8),
// then length-prefixed (2 bytes LE) fields: scriptSig, scriptPubKey, witness items (at most 32).
// The mode can build the scriptPubKey from the other fields (P2SH of the last scriptSig push,
// P2WSH of the last witness item, P2TR committing to a tapscript leaf), so the fuzzer reaches the
// deep paths without first finding a hash preimage.
#include <cstddef>
#include <cstdint>
#include <span>
#include <vector>

#include "consensus/script/interpreter.hpp"
#include "consensus/script/opcodes.hpp"
#include "consensus/script/precomputed_tx.hpp"
#include "consensus/script/script_flags.hpp"
#include "consensus/script/script_reader.hpp"
#include "consensus/script/taproot.hpp"
#include "consensus/script/verify_script.hpp"
#include "crypto/hash160.hpp"
#include "crypto/sha256.hpp"

using namespace peregrine;
using namespace peregrine::consensus;

namespace {

// Inputs beyond this are ignored: it bounds each run's time (scripts of OP_ROLLs cost a
// thousand-item move each; tapscript has no opcode limit).
constexpr std::size_t kMaxInput = 20'000;

class Input {
public:
  explicit Input(std::span<const std::uint8_t> data) : data_(data) {}
  std::uint64_t uint(int bytes) {
    std::uint64_t v = 0;
    for (int i = 0; i < bytes; ++i) v |= std::uint64_t{byte()} << (8 * i);
    return v;
  }
  Bytes field() {
    std::size_t n = static_cast<std::size_t>(uint(2));
    n = std::min(n, data_.size() - pos_);
    Bytes out(data_.begin() + static_cast<std::ptrdiff_t>(pos_),
              data_.begin() + static_cast<std::ptrdiff_t>(pos_ + n));
    pos_ += n;
    return out;
  }
  bool done() const { return pos_ >= data_.size(); }

private:
  std::uint8_t byte() { return pos_ < data_.size() ? data_[pos_++] : 0; }
  std::span<const std::uint8_t> data_;
  std::size_t pos_ = 0;
};

Bytes last_push(const Bytes& script) {
  ScriptReader reader(script);
  Instruction ins;
  Bytes last;
  while (reader.next(ins)) last.assign(ins.data.begin(), ins.data.end());
  return last;
}

// BIP341's NUMS point: a valid internal key nobody can sign for.
constexpr std::uint8_t kInternalKey[32] = {
    0x50, 0x92, 0x9b, 0x74, 0xc1, 0xa0, 0x49, 0x54, 0xb7, 0x8b, 0x4b, 0x60, 0x35, 0xe9, 0x7a, 0x5e,
    0x07, 0x8a, 0x5a, 0x0f, 0x28, 0xec, 0x96, 0xd5, 0x47, 0xbf, 0xee, 0x9a, 0xce, 0x80, 0x3a, 0xc0};

bool verifies(const PrecomputedTx& ptx, ScriptFlags flags) {
  return verify_input(ptx, 0, flags).has_value();
}

ScriptFlags fill(ScriptFlags f) {
  if (f & verify::cleanstack) f |= verify::witness;
  if (f & verify::witness) f |= verify::p2sh;
  return f;
}
ScriptFlags trim(ScriptFlags f) {
  if (!(f & verify::p2sh)) f &= ~verify::witness;
  if (!(f & verify::witness)) f &= ~verify::cleanstack;
  return f;
}

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size > kMaxInput) return 0;
  Input in(std::span(data, size));
  const auto flags = static_cast<ScriptFlags>(in.uint(4)) & verify::all;
  const auto mode = static_cast<std::uint8_t>(in.uint(1) % 4);
  wire::Transaction tx;
  tx.version = static_cast<std::uint32_t>(in.uint(1));
  tx.lock_time = static_cast<std::uint32_t>(in.uint(4));
  wire::TxIn txin;
  txin.sequence = static_cast<std::uint32_t>(in.uint(4));
  const auto amount = static_cast<std::int64_t>(in.uint(8));
  txin.script_sig = in.field();
  Bytes script_pubkey = in.field();
  while (!in.done() && txin.witness.size() < 32) txin.witness.push_back(in.field());

  if (mode == 1 && !txin.script_sig.empty()) { // P2SH of the redeem script
    auto h = crypto::hash160(last_push(txin.script_sig));
    script_pubkey = {OP_HASH160, 20};
    script_pubkey.insert(script_pubkey.end(), h.begin(), h.end());
    script_pubkey.push_back(OP_EQUAL);
  } else if (mode == 2 && !txin.witness.empty()) { // P2WSH of the last witness item
    auto h = crypto::sha256(txin.witness.back());
    script_pubkey = {OP_0, 32};
    script_pubkey.insert(script_pubkey.end(), h.begin(), h.end());
  } else if (mode == 3 && !txin.witness.empty()) { // P2TR: the last item becomes the leaf script
    const Hash32 leaf = tapleaf_hash(kTaprootLeafTapscript, txin.witness.back());
    if (auto output = taproot_output_key(kInternalKey, &leaf)) {
      Bytes control = {static_cast<std::uint8_t>(kTaprootLeafTapscript | (output->second ? 1 : 0))};
      control.insert(control.end(), std::begin(kInternalKey), std::end(kInternalKey));
      txin.witness.push_back(control);
      script_pubkey = {OP_1, 32};
      script_pubkey.insert(script_pubkey.end(), output->first.begin(), output->first.end());
    }
  }

  tx.inputs.push_back(txin);
  tx.outputs.push_back({amount, {OP_1}});
  const std::vector<wire::TxOut> spent = {{amount, script_pubkey}};
  const PrecomputedTx ptx(tx, spent);

  const bool valid_combination = is_valid_flag_combination(flags);
  auto result = verify_input(ptx, 0, flags);
  if (!valid_combination && (result || result.error() != ScriptError::invalid_flags))
    __builtin_trap();
  if (valid_combination) {
    // Soft-fork property, against every single flag.
    for (ScriptFlags bit = 1; bit <= verify::all; bit <<= 1) {
      const ScriptFlags other = result ? trim(flags & ~bit) : fill(flags | bit);
      if (verifies(ptx, other) != result.has_value()) __builtin_trap();
    }
  }

  // The bare interpreter on each script, under each rule set.
  const SignatureChecker no_signatures;
  for (SigVersion version : {SigVersion::base, SigVersion::witness_v0, SigVersion::tapscript}) {
    for (const Bytes* script : {&txin.script_sig, &script_pubkey}) {
      Stack stack;
      ExecutionData execdata;
      execdata.validation_weight_left = static_cast<std::int64_t>(size);
      (void)eval_script(stack, *script, flags, no_signatures, version, execdata);
      if (stack.size() > kMaxStackSize + 3) __builtin_trap();
    }
  }
  return 0;
}
