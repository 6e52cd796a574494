#include "test_signer.hpp"

#include <doctest/doctest.h>
#include <secp256k1.h>
#include <secp256k1_extrakeys.h>
#include <secp256k1_schnorrsig.h>

#include "consensus/script/opcodes.hpp"
#include "consensus/script/taproot.hpp"
#include "crypto/hash160.hpp"
#include "crypto/sha256.hpp"

namespace peregrine::test {
namespace {

using namespace peregrine::consensus;

const secp256k1_context* signing_context() {
  static secp256k1_context* ctx = secp256k1_context_create(SECP256K1_CONTEXT_NONE);
  return ctx;
}

Bytes serialize(const secp256k1_pubkey& key, unsigned flags, std::size_t size) {
  Bytes out(size);
  std::size_t len = size;
  secp256k1_ec_pubkey_serialize(signing_context(), out.data(), &len, &key, flags);
  return out;
}

} // namespace

TestKey make_key(int seed) {
  TestKey key;
  key.secret = crypto::sha256(Bytes{static_cast<std::uint8_t>(seed), 0x42});
  secp256k1_pubkey pub;
  REQUIRE(secp256k1_ec_pubkey_create(signing_context(), &pub, key.secret.data()) == 1);
  key.compressed = serialize(pub, SECP256K1_EC_COMPRESSED, 33);
  key.uncompressed = serialize(pub, SECP256K1_EC_UNCOMPRESSED, 65);
  key.xonly.assign(key.compressed.begin() + 1, key.compressed.end());
  return key;
}

Bytes sign_ecdsa(const TestKey& key, const Hash256& message, std::uint8_t hash_type) {
  secp256k1_ecdsa_signature sig;
  REQUIRE(secp256k1_ecdsa_sign(signing_context(), &sig, message.bytes.data(), key.secret.data(),
                               nullptr, nullptr) == 1);
  Bytes der(72);
  std::size_t len = der.size();
  secp256k1_ecdsa_signature_serialize_der(signing_context(), der.data(), &len, &sig);
  der.resize(len);
  der.push_back(hash_type);
  return der;
}

Bytes sign_schnorr(const Hash32& secret, const Hash32& message,
                   std::optional<std::uint8_t> hash_type) {
  secp256k1_keypair keypair;
  REQUIRE(secp256k1_keypair_create(signing_context(), &keypair, secret.data()) == 1);
  Bytes sig(64);
  REQUIRE(secp256k1_schnorrsig_sign32(signing_context(), sig.data(), message.data(), &keypair,
                                      nullptr) == 1);
  if (hash_type) sig.push_back(*hash_type);
  return sig;
}

Hash32 tweaked_secret(const TestKey& key, const Hash32* merkle_root) {
  secp256k1_keypair keypair;
  REQUIRE(secp256k1_keypair_create(signing_context(), &keypair, key.secret.data()) == 1);
  const Hash32 tweak = taptweak_hash(key.xonly, merkle_root);
  REQUIRE(secp256k1_keypair_xonly_tweak_add(signing_context(), &keypair, tweak.data()) == 1);
  Hash32 out;
  REQUIRE(secp256k1_keypair_sec(signing_context(), out.data(), &keypair) == 1);
  return out;
}

wire::Transaction one_input_tx(std::int64_t output_value) {
  wire::Transaction tx;
  tx.version = 2;
  wire::TxIn in;
  in.prevout.txid.bytes.fill(0x11);
  in.prevout.index = 0;
  in.sequence = 0xfffffffe;
  tx.inputs.push_back(in);
  tx.outputs.push_back({output_value, {OP_1}});
  return tx;
}

Bytes p2pkh_script(ByteSpan pubkey) {
  auto h = crypto::hash160(pubkey);
  Bytes s = {OP_DUP, OP_HASH160, 20};
  s.insert(s.end(), h.begin(), h.end());
  s.push_back(OP_EQUALVERIFY);
  s.push_back(OP_CHECKSIG);
  return s;
}

Bytes p2wpkh_script(ByteSpan pubkey) {
  auto h = crypto::hash160(pubkey);
  Bytes s = {OP_0, 20};
  s.insert(s.end(), h.begin(), h.end());
  return s;
}

Bytes p2sh_script(ByteSpan redeem) {
  auto h = crypto::hash160(redeem);
  Bytes s = {OP_HASH160, 20};
  s.insert(s.end(), h.begin(), h.end());
  s.push_back(OP_EQUAL);
  return s;
}

Bytes p2wsh_script(ByteSpan witness_script) {
  auto h = crypto::sha256(witness_script);
  Bytes s = {OP_0, 32};
  s.insert(s.end(), h.begin(), h.end());
  return s;
}

Bytes p2tr_script(ByteSpan output_key32) {
  Bytes s(2 + output_key32.size());
  s[0] = OP_1;
  s[1] = static_cast<std::uint8_t>(output_key32.size());
  std::copy(output_key32.begin(), output_key32.end(), s.begin() + 2);
  return s;
}

} // namespace peregrine::test
