#include "workload/output_script.hpp"

#include "consensus/script/opcodes.hpp"
#include "crypto/hash160.hpp"
#include "crypto/sha256.hpp"
#include "workload/rng.hpp"

namespace peregrine::workload {
namespace {

using namespace consensus;

void append(Bytes& out, ByteSpan bytes) { out.insert(out.end(), bytes.begin(), bytes.end()); }

// <20 bytes> OP_DROP OP_TRUE: anyone can spend it with an empty scriptSig. The 20 bytes, drawn
// from the seed and the coin, give it a P2WPKH-like size and make every script distinct.
void append_trivial(std::uint64_t seed, std::uint32_t tx, std::uint32_t vout, Bytes& out) {
  std::uint64_t state = seed ^ (static_cast<std::uint64_t>(tx) << 24 | vout) * 0xd1342543de82ef95ULL;
  std::uint8_t payload[24];
  for (int i = 0; i < 3; ++i) {
    const std::uint64_t word = splitmix64(state);
    for (int b = 0; b < 8; ++b) payload[i * 8 + b] = static_cast<std::uint8_t>(word >> (8 * b));
  }
  out.push_back(20);
  append(out, ByteSpan(payload, 20));
  out.push_back(OP_DROP);
  out.push_back(OP_1);
}

void append_hash_push(Bytes& out, ByteSpan hash) {
  out.push_back(static_cast<std::uint8_t>(hash.size()));
  append(out, hash);
}

} // namespace

Bytes p2pkh_script(const CompressedKey& key) {
  Bytes s = {OP_DUP, OP_HASH160};
  append_hash_push(s, crypto::hash160(key));
  s.push_back(OP_EQUALVERIFY);
  s.push_back(OP_CHECKSIG);
  return s;
}

Bytes p2wpkh_program(const CompressedKey& key) {
  Bytes s = {OP_0};
  append_hash_push(s, crypto::hash160(key));
  return s;
}

Bytes multisig_script(const Signer& signer, std::uint32_t tx, std::uint32_t vout) {
  Bytes s = {OP_2};
  for (unsigned which = 0; which < 3; ++which) append_hash_push(s, signer.public_key(signer.secret(tx, vout, which)));
  s.push_back(OP_3);
  s.push_back(OP_CHECKMULTISIG);
  return s;
}

void append_script_pubkey(const Signer& signer, ScriptKind kind, std::uint32_t tx, std::uint32_t vout, Bytes& out) {
  switch (kind) {
  case ScriptKind::trivial: append_trivial(signer.seed(), tx, vout, out); return;
  case ScriptKind::p2wpkh: append(out, p2wpkh_program(signer.public_key(signer.secret(tx, vout)))); return;
  case ScriptKind::p2tr:
    out.push_back(OP_1);
    append_hash_push(out, signer.taproot_output_key(signer.secret(tx, vout)));
    return;
  case ScriptKind::p2pkh: append(out, p2pkh_script(signer.public_key(signer.secret(tx, vout)))); return;
  case ScriptKind::p2sh_p2wpkh:
    out.push_back(OP_HASH160);
    append_hash_push(out, crypto::hash160(p2wpkh_program(signer.public_key(signer.secret(tx, vout)))));
    out.push_back(OP_EQUAL);
    return;
  case ScriptKind::p2wsh_multisig:
    out.push_back(OP_0);
    append_hash_push(out, crypto::sha256(multisig_script(signer, tx, vout)));
    return;
  }
}

Bytes script_pubkey(const Signer& signer, ScriptKind kind, std::uint32_t tx, std::uint32_t vout) {
  Bytes out;
  append_script_pubkey(signer, kind, tx, vout, out);
  return out;
}

} // namespace peregrine::workload
