// The original signature hash: a modified copy of the transaction, streamed into the hasher
// rather than built.
#include "consensus/script/hash_writer.hpp"
#include "consensus/script/script_reader.hpp"
#include "consensus/script/sighash.hpp"
#include "consensus/script/signature_encoding.hpp"

namespace peregrine::consensus {
namespace {

// The script code with every OP_CODESEPARATOR removed. Where a truncated push stops the walk,
// the bytes after that point are dropped while the length prefix still counts them: Core's
// serializer does exactly this, and signatures commit to it.
void write_script_code(HashWriter& w, ByteSpan code) {
  std::size_t separators = 0;
  {
    ScriptReader reader(code);
    Instruction ins;
    while (reader.next(ins))
      if (ins.opcode == OP_CODESEPARATOR) ++separators;
  }
  w.compact_size(code.size() - separators);
  ScriptReader reader(code);
  Instruction ins;
  std::size_t kept_from = 0;
  while (reader.next(ins)) {
    if (ins.opcode == OP_CODESEPARATOR) {
      w.write(code.subspan(kept_from, reader.pos() - 1 - kept_from));
      kept_from = reader.pos();
    }
  }
  if (kept_from != code.size()) w.write(code.subspan(kept_from, reader.pos() - kept_from));
}

Hash256 one() {
  Hash256 h;
  h.bytes[0] = 1;
  return h;
}

} // namespace

Hash256 legacy_sighash(const wire::Transaction& tx, std::size_t input, ByteSpan script_code,
                       std::int32_t hash_type) {
  if (input >= tx.inputs.size()) return one();
  const std::uint32_t base = static_cast<std::uint32_t>(hash_type) & 0x1f;
  const bool single = base == kSighashSingle;
  const bool none = base == kSighashNone;
  const bool anyone_can_pay = (hash_type & kSighashAnyoneCanPay) != 0;
  if (single && input >= tx.outputs.size()) return one();

  HashWriter w;
  w.u32(tx.version);
  const std::size_t first = anyone_can_pay ? input : 0;
  const std::size_t last = anyone_can_pay ? input + 1 : tx.inputs.size();
  w.compact_size(last - first);
  for (std::size_t i = first; i < last; ++i) {
    const wire::TxIn& in = tx.inputs[i];
    w.outpoint(in.prevout);
    if (i == input) {
      write_script_code(w, script_code);
    } else {
      w.compact_size(0);
    }
    // Under NONE and SINGLE the other inputs' sequences are not signed.
    w.u32(i != input && (single || none) ? 0 : in.sequence);
  }
  const std::size_t outputs = none ? 0 : single ? input + 1 : tx.outputs.size();
  w.compact_size(outputs);
  for (std::size_t j = 0; j < outputs; ++j) {
    if (single && j != input) {
      w.u64(static_cast<std::uint64_t>(std::int64_t{-1})).compact_size(0); // a "null" output
    } else {
      w.txout(tx.outputs[j]);
    }
  }
  w.u32(tx.lock_time);
  w.u32(static_cast<std::uint32_t>(hash_type));
  return w.sha256d();
}

} // namespace peregrine::consensus
