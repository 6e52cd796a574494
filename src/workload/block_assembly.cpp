#include "workload/block_assembly.hpp"

#include <stdexcept>

#include "consensus/pow.hpp"
#include "consensus/script/opcodes.hpp"
#include "consensus/script/script_num.hpp"
#include "consensus/script/script_pattern.hpp"
#include "crypto/sha256.hpp"
#include "wire/compact_size.hpp"
#include "wire/writer.hpp"

namespace peregrine::workload {

wire::Transaction make_coinbase(int height, std::uint64_t seed, wire::TxOut paying, const Hash256& witness_root) {
  wire::Transaction cb;
  cb.version = 2;
  wire::TxIn in;
  in.prevout.index = wire::OutPoint::kNullIndex;
  if (height <= 16) {
    in.script_sig.push_back(consensus::small_int_opcode(height));
  } else {
    consensus::encode_push(consensus::encode_script_num(height).span(), in.script_sig);
  }
  std::uint8_t seed_bytes[8];
  for (int i = 0; i < 8; ++i) seed_bytes[i] = static_cast<std::uint8_t>(seed >> (8 * i));
  consensus::encode_push(ByteSpan(seed_bytes, 8), in.script_sig);
  in.witness = {Bytes(32, 0)}; // the witness nonce
  cb.inputs.push_back(std::move(in));
  cb.outputs.push_back(std::move(paying));

  // BIP141: OP_RETURN, a 36-byte push of 0xaa21a9ed and SHA256d(witness root || nonce).
  Bytes both(witness_root.bytes.begin(), witness_root.bytes.end());
  both.resize(64, 0);
  const Hash256 commitment = crypto::sha256d(both);
  wire::TxOut commit;
  commit.script_pubkey = {consensus::OP_RETURN, 0x24, 0xaa, 0x21, 0xa9, 0xed};
  commit.script_pubkey.insert(commit.script_pubkey.end(), commitment.bytes.begin(), commitment.bytes.end());
  cb.outputs.push_back(std::move(commit));
  return cb;
}

void grind_nonce(wire::BlockHeader& header, const consensus::ChainParams& params) {
  for (header.nonce = 0;; ++header.nonce) {
    if (consensus::check_proof_of_work(wire::block_hash(header), header.bits, params)) return;
    if (header.nonce == UINT32_MAX) throw std::runtime_error("no nonce meets the target: the bits are too hard");
  }
}

void serialize_block(const wire::BlockHeader& header, const wire::Transaction& coinbase, std::span<const Bytes> txs,
                     Bytes& out) {
  out.clear();
  wire::Writer w(out);
  write(w, header);
  wire::write_compact_size(w, txs.size() + 1);
  write(w, coinbase);
  for (const Bytes& tx : txs) w.bytes(tx);
}

} // namespace peregrine::workload
