#include "wire/transaction.hpp"

#include "crypto/sha256.hpp"
#include "wire/compact_size.hpp"

namespace peregrine::wire {
namespace {

constexpr std::uint8_t kWitnessFlag = 0x01;

void read_inputs(Reader& r, std::vector<TxIn>& inputs, std::uint64_t count) {
  inputs.clear();
  inputs.reserve(r.reservable(count, kMinTxInSize));
  for (std::uint64_t i = 0; i < count && r.ok(); ++i) read(r, inputs.emplace_back());
}

void read_outputs(Reader& r, std::vector<TxOut>& outputs) {
  std::uint64_t count = read_compact_size(r, "tx.output_count");
  outputs.clear();
  outputs.reserve(r.reservable(count, kMinTxOutSize));
  for (std::uint64_t i = 0; i < count && r.ok(); ++i) read(r, outputs.emplace_back());
}

void read_witness(Reader& r, WitnessStack& stack) {
  std::uint64_t count = read_compact_size(r, "txin.witness_count");
  stack.reserve(r.reservable(count, 1));
  for (std::uint64_t i = 0; i < count && r.ok(); ++i) {
    stack.push_back(read_var_bytes(r, "txin.witness_item"));
  }
}

// Serializes into a per-thread buffer so hashing a block's transactions allocates nothing.
Hash256 hash_serialization(const Transaction& tx, TxEncoding encoding) {
  thread_local Bytes buffer;
  buffer.clear();
  Writer w(buffer);
  write(w, tx, encoding);
  return crypto::sha256d(buffer);
}

} // namespace

bool Transaction::has_witness() const {
  for (const auto& in : inputs)
    if (!in.witness.empty()) return true;
  return false;
}

void read(Reader& r, OutPoint& out) {
  out.txid = r.hash("outpoint.txid");
  out.index = r.u32_le("outpoint.index");
}

void read(Reader& r, TxIn& in) {
  read(r, in.prevout);
  in.script_sig = read_var_bytes(r, "txin.script_sig");
  in.sequence = r.u32_le("txin.sequence");
}

void read(Reader& r, TxOut& out) {
  out.value = r.i64_le("txout.value");
  out.script_pubkey = read_var_bytes(r, "txout.script_pubkey");
}

void read(Reader& r, Transaction& tx) {
  tx.version = r.u32_le("tx.version");
  std::uint8_t flags = 0;
  read_inputs(r, tx.inputs, read_compact_size(r, "tx.input_count"));
  if (tx.inputs.empty() && r.ok()) {
    // Either the segwit marker or a legacy transaction without inputs; the next byte decides.
    std::size_t flag_at = r.position();
    flags = r.u8("tx.segwit_flag");
    if (flags != 0) {
      read_inputs(r, tx.inputs, read_compact_size(r, "tx.input_count"));
      read_outputs(r, tx.outputs);
    }
    if ((flags & ~kWitnessFlag) != 0) {
      r.fail_at(DecodeErrc::bad_witness_flag, "tx.segwit_flag", flag_at);
      return;
    }
  } else {
    read_outputs(r, tx.outputs);
  }
  if (flags & kWitnessFlag) {
    std::size_t witness_at = r.position();
    for (auto& in : tx.inputs) {
      if (!r.ok()) break;
      read_witness(r, in.witness);
    }
    if (r.ok() && !tx.has_witness()) {
      r.fail_at(DecodeErrc::superfluous_witness, "tx.witness", witness_at);
      return;
    }
  }
  tx.lock_time = r.u32_le("tx.lock_time");
}

void write(Writer& w, const OutPoint& out) {
  w.hash(out.txid);
  w.u32_le(out.index);
}

void write(Writer& w, const TxIn& in) {
  write(w, in.prevout);
  write_var_bytes(w, in.script_sig);
  w.u32_le(in.sequence);
}

void write(Writer& w, const TxOut& out) {
  w.i64_le(out.value);
  write_var_bytes(w, out.script_pubkey);
}

void write(Writer& w, const Transaction& tx, TxEncoding encoding) {
  bool witness = encoding == TxEncoding::with_witness && tx.has_witness();
  w.u32_le(tx.version);
  if (witness) {
    w.u8(0x00); // marker: reads as an empty input list to pre-segwit parsers
    w.u8(kWitnessFlag);
  }
  write_compact_size(w, tx.inputs.size());
  for (const auto& in : tx.inputs) write(w, in);
  write_compact_size(w, tx.outputs.size());
  for (const auto& out : tx.outputs) write(w, out);
  if (witness) {
    for (const auto& in : tx.inputs) {
      write_compact_size(w, in.witness.size());
      for (const auto& item : in.witness) write_var_bytes(w, item);
    }
  }
  w.u32_le(tx.lock_time);
}

Bytes serialize(const Transaction& tx, TxEncoding encoding) {
  Bytes out;
  out.reserve(serialized_size(tx, encoding));
  Writer w(out);
  write(w, tx, encoding);
  return out;
}

std::size_t serialized_size(const Transaction& tx, TxEncoding encoding) {
  std::size_t size = 4 + compact_size_length(tx.inputs.size()) +
                     compact_size_length(tx.outputs.size()) + 4;
  for (const auto& in : tx.inputs) {
    size += 36 + compact_size_length(in.script_sig.size()) + in.script_sig.size() + 4;
  }
  for (const auto& out : tx.outputs) {
    size += 8 + compact_size_length(out.script_pubkey.size()) + out.script_pubkey.size();
  }
  if (encoding == TxEncoding::with_witness && tx.has_witness()) {
    size += 2; // marker and flag
    for (const auto& in : tx.inputs) {
      size += compact_size_length(in.witness.size());
      for (const auto& item : in.witness) size += compact_size_length(item.size()) + item.size();
    }
  }
  return size;
}

std::size_t weight(const Transaction& tx) {
  return serialized_size(tx, TxEncoding::without_witness) * 3 +
         serialized_size(tx, TxEncoding::with_witness);
}

Hash256 txid(const Transaction& tx) { return hash_serialization(tx, TxEncoding::without_witness); }

Hash256 wtxid(const Transaction& tx) {
  if (!tx.has_witness()) return txid(tx);
  return hash_serialization(tx, TxEncoding::with_witness);
}

} // namespace peregrine::wire
