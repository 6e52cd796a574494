#include "consensus/sigops.hpp"

#include "consensus/script/script_pattern.hpp"
#include "consensus/tx_check.hpp"

namespace peregrine::consensus {
namespace {

// The data of the last push of a push-only scriptSig (what P2SH takes as the redeem script);
// nullopt if the scriptSig has anything but pushes or does not parse.
std::optional<ByteSpan> last_push(ByteSpan script_sig) {
  ScriptReader reader(script_sig);
  Instruction ins;
  ByteSpan data;
  while (!reader.done()) {
    if (!reader.next(ins) || ins.opcode > OP_16) return std::nullopt;
    data = ins.data; // empty for OP_0 .. OP_16
  }
  return data;
}

unsigned program_sigops(const WitnessProgram& wp, std::span<const Bytes> witness) {
  if (wp.version != 0) return 0;
  if (wp.program.size() == 20) return 1;
  if (wp.program.size() == 32 && !witness.empty()) return count_sigops(witness.back(), true);
  return 0;
}

} // namespace

unsigned legacy_sigop_count(const wire::Transaction& tx) {
  unsigned n = 0;
  for (const auto& in : tx.inputs) n += count_sigops(in.script_sig, false);
  for (const auto& out : tx.outputs) n += count_sigops(out.script_pubkey, false);
  return n;
}

unsigned p2sh_sigop_count(const wire::Transaction& tx, std::span<const wire::TxOut> spent) {
  if (tx.is_coinbase()) return 0;
  unsigned n = 0;
  for (std::size_t i = 0; i < tx.inputs.size() && i < spent.size(); ++i) {
    if (!is_p2sh(spent[i].script_pubkey)) continue;
    if (auto redeem = last_push(tx.inputs[i].script_sig)) n += count_sigops(*redeem, true);
  }
  return n;
}

unsigned witness_sigop_count(ByteSpan script_sig, ByteSpan script_pubkey,
                             std::span<const Bytes> witness, ScriptFlags flags) {
  if (!(flags & verify::witness)) return 0;
  if (auto wp = witness_program(script_pubkey)) return program_sigops(*wp, witness);
  if (is_p2sh(script_pubkey) && is_push_only(script_sig)) {
    if (auto redeem = last_push(script_sig)) {
      if (auto wp = witness_program(*redeem)) return program_sigops(*wp, witness);
    }
  }
  return 0;
}

std::int64_t transaction_sigop_cost(const wire::Transaction& tx, std::span<const wire::TxOut> spent,
                                    ScriptFlags flags) {
  std::int64_t cost = std::int64_t{legacy_sigop_count(tx)} * kWitnessScaleFactor;
  if (tx.is_coinbase()) return cost;
  if (flags & verify::p2sh) cost += std::int64_t{p2sh_sigop_count(tx, spent)} * kWitnessScaleFactor;
  for (std::size_t i = 0; i < tx.inputs.size() && i < spent.size(); ++i) {
    const auto& in = tx.inputs[i];
    cost += witness_sigop_count(in.script_sig, spent[i].script_pubkey, in.witness, flags);
  }
  return cost;
}

} // namespace peregrine::consensus
