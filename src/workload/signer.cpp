#include "workload/signer.hpp"

#include <secp256k1.h>
#include <secp256k1_extrakeys.h>
#include <secp256k1_schnorrsig.h>

#include <cstring>
#include <stdexcept>

#include "consensus/script/taproot.hpp"
#include "crypto/sha256.hpp"

namespace peregrine::workload {
namespace {

// libsecp256k1 reports failure only for invalid secrets or tweaks, which a hash hits with
// probability ~2^-128; treat it as the bug it would be.
void require(int ok, const char* what) {
  if (ok != 1) throw std::logic_error(what);
}

// The internal key's keypair tweaked by TapTweak(x(P)): the output key of a key-path-only output.
secp256k1_keypair tweaked_keypair(const secp256k1_context* ctx, const Secret& internal) {
  secp256k1_keypair keypair;
  require(secp256k1_keypair_create(ctx, &keypair, internal.data()), "keypair");
  secp256k1_xonly_pubkey xonly;
  require(secp256k1_keypair_xonly_pub(ctx, &xonly, nullptr, &keypair), "x-only key");
  XOnlyKey internal_x;
  secp256k1_xonly_pubkey_serialize(ctx, internal_x.data(), &xonly);
  const consensus::Hash32 tweak = consensus::taptweak_hash(internal_x, nullptr);
  require(secp256k1_keypair_xonly_tweak_add(ctx, &keypair, tweak.data()), "taproot tweak");
  return keypair;
}

} // namespace

Signer::Signer(std::uint64_t seed) : seed_(seed), ctx_(secp256k1_context_create(SECP256K1_CONTEXT_NONE)) {}

Signer::~Signer() { secp256k1_context_destroy(ctx_); }

Secret Signer::secret(std::uint32_t tx, std::uint32_t vout, unsigned which) const {
  // SHA-256 of a domain tag, the seed and the coin; rehashed in the (never seen) case that the
  // result is zero or not below the group order.
  constexpr char kTag[] = "peregrine-workload-key";
  std::uint8_t data[sizeof kTag + 8 + 4 + 4 + 1];
  std::memcpy(data, kTag, sizeof kTag);
  std::memcpy(data + sizeof kTag, &seed_, 8);
  std::memcpy(data + sizeof kTag + 8, &tx, 4);
  std::memcpy(data + sizeof kTag + 12, &vout, 4);
  data[sizeof kTag + 16] = static_cast<std::uint8_t>(which);
  Secret s = crypto::sha256(ByteSpan(data, sizeof data));
  while (!secp256k1_ec_seckey_verify(ctx_, s.data())) s = crypto::sha256(s);
  return s;
}

CompressedKey Signer::public_key(const Secret& secret) const {
  secp256k1_pubkey pub;
  require(secp256k1_ec_pubkey_create(ctx_, &pub, secret.data()), "public key");
  CompressedKey out;
  std::size_t len = out.size();
  secp256k1_ec_pubkey_serialize(ctx_, out.data(), &len, &pub, SECP256K1_EC_COMPRESSED);
  return out;
}

XOnlyKey Signer::taproot_output_key(const Secret& internal) const {
  const secp256k1_keypair keypair = tweaked_keypair(ctx_, internal);
  secp256k1_xonly_pubkey xonly;
  require(secp256k1_keypair_xonly_pub(ctx_, &xonly, nullptr, &keypair), "tweaked key");
  XOnlyKey out;
  secp256k1_xonly_pubkey_serialize(ctx_, out.data(), &xonly);
  return out;
}

Bytes Signer::sign_ecdsa(const Secret& secret, const Hash256& sighash, std::uint8_t hash_type) const {
  secp256k1_ecdsa_signature sig;
  // libsecp256k1 always produces the low-S form that BIP146 policy and Core's signer use.
  require(secp256k1_ecdsa_sign(ctx_, &sig, sighash.bytes.data(), secret.data(), nullptr, nullptr), "ecdsa sign");
  Bytes der(72);
  std::size_t len = der.size();
  secp256k1_ecdsa_signature_serialize_der(ctx_, der.data(), &len, &sig);
  der.resize(len);
  der.push_back(hash_type);
  return der;
}

std::array<std::uint8_t, 64> Signer::sign_taproot(const Secret& internal,
                                                  const std::array<std::uint8_t, 32>& sighash) const {
  const secp256k1_keypair keypair = tweaked_keypair(ctx_, internal);
  std::array<std::uint8_t, 64> sig;
  require(secp256k1_schnorrsig_sign32(ctx_, sig.data(), sighash.data(), &keypair, nullptr), "schnorr sign");
  return sig;
}

} // namespace peregrine::workload
