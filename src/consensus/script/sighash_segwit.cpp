// BIP143 and BIP341 signature hashes, over per-transaction midstates computed once.
#include "consensus/script/hash_writer.hpp"
#include "consensus/script/sighash.hpp"
#include "consensus/script/signature_encoding.hpp"
#include "crypto/tagged_hash.hpp"

namespace peregrine::consensus {

TxDigests compute_tx_digests(const wire::Transaction& tx, std::span<const wire::TxOut> spent) {
  TxDigests d;
  HashWriter prevouts, sequences, outputs;
  for (const auto& in : tx.inputs) {
    prevouts.outpoint(in.prevout);
    sequences.u32(in.sequence);
  }
  for (const auto& out : tx.outputs) outputs.txout(out);
  d.prevouts = prevouts.sha256();
  d.sequences = sequences.sha256();
  d.outputs = outputs.sha256();
  if (!spent.empty() && spent.size() == tx.inputs.size()) {
    HashWriter amounts, scripts;
    for (const auto& out : spent) {
      amounts.u64(static_cast<std::uint64_t>(out.value));
      scripts.bytes_with_size(out.script_pubkey);
    }
    d.amounts = amounts.sha256();
    d.script_pubkeys = scripts.sha256();
    d.has_spent = true;
  }
  return d;
}

Bip143Hashes bip143_hashes(const TxDigests& d) {
  Bip143Hashes h;
  h.prevouts.bytes = crypto::sha256(d.prevouts);
  h.sequences.bytes = crypto::sha256(d.sequences);
  h.outputs.bytes = crypto::sha256(d.outputs);
  return h;
}

Hash256 segwit_v0_sighash(const wire::Transaction& tx, std::size_t input, ByteSpan script_code,
                          std::int64_t amount, std::int32_t hash_type, const Bip143Hashes& hashes) {
  const std::uint32_t base = static_cast<std::uint32_t>(hash_type) & 0x1f;
  const bool anyone_can_pay = (hash_type & kSighashAnyoneCanPay) != 0;
  const bool single_or_none = base == kSighashSingle || base == kSighashNone;
  const Hash256 zero;
  const wire::TxIn& in = tx.inputs[input];

  Hash256 outputs = zero;
  if (!single_or_none) {
    outputs = hashes.outputs;
  } else if (base == kSighashSingle && input < tx.outputs.size()) {
    outputs = HashWriter().txout(tx.outputs[input]).sha256d();
  }
  HashWriter w;
  w.u32(tx.version);
  w.write(anyone_can_pay ? zero.bytes : hashes.prevouts.bytes);
  w.write(anyone_can_pay || single_or_none ? zero.bytes : hashes.sequences.bytes);
  w.outpoint(in.prevout);
  w.bytes_with_size(script_code);
  w.u64(static_cast<std::uint64_t>(amount));
  w.u32(in.sequence);
  w.write(outputs.bytes);
  w.u32(tx.lock_time);
  w.u32(static_cast<std::uint32_t>(hash_type));
  return w.sha256d();
}

namespace {

const crypto::Sha256Digest& tap_sighash_tag() {
  static const crypto::Sha256Digest tag = crypto::tag_digest("TapSighash");
  return tag;
}

bool is_defined_taproot_hashtype(std::uint8_t t) {
  return t <= kSighashSingle || (t >= 0x81 && t <= 0x83);
}

} // namespace

std::optional<crypto::Sha256Digest> taproot_sighash(const wire::Transaction& tx, std::size_t input,
                                                    std::span<const wire::TxOut> spent,
                                                    std::uint8_t hash_type, SigVersion sigversion,
                                                    const ExecutionData& execdata,
                                                    const TxDigests& digests) {
  if (!is_defined_taproot_hashtype(hash_type)) return std::nullopt;
  if (!digests.has_spent || spent.size() != tx.inputs.size() || input >= tx.inputs.size())
    return std::nullopt;
  const std::uint8_t output_type = hash_type == kSighashDefault ? kSighashAll : (hash_type & 3);
  const bool anyone_can_pay = (hash_type & kSighashAnyoneCanPay) != 0;
  if (output_type == kSighashSingle && input >= tx.outputs.size()) return std::nullopt;
  const bool tapscript = sigversion == SigVersion::tapscript;

  HashWriter w(tap_sighash_tag());
  w.u8(0); // epoch
  w.u8(hash_type);
  w.u32(tx.version);
  w.u32(tx.lock_time);
  if (!anyone_can_pay) {
    w.write(digests.prevouts).write(digests.amounts).write(digests.script_pubkeys);
    w.write(digests.sequences);
  }
  if (output_type == kSighashAll) w.write(digests.outputs);
  w.u8(static_cast<std::uint8_t>((tapscript ? 2 : 0) | (execdata.annex_present ? 1 : 0)));
  if (anyone_can_pay) {
    const wire::TxIn& in = tx.inputs[input];
    w.outpoint(in.prevout).txout(spent[input]).u32(in.sequence);
  } else {
    w.u32(static_cast<std::uint32_t>(input));
  }
  if (execdata.annex_present) w.write(execdata.annex_hash);
  if (output_type == kSighashSingle) w.write(HashWriter().txout(tx.outputs[input]).sha256());
  if (tapscript) {
    w.write(execdata.tapleaf_hash);
    w.u8(0); // key version
    w.u32(execdata.codeseparator_pos);
  }
  return w.sha256();
}

} // namespace peregrine::consensus
