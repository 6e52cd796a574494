#pragma once
// The generator's keys and signatures. Every key is derived from the seed and the coin it guards
// (its transaction's number in the chain and its output index), so nothing about keys is stored:
// a spend derives the key again. Signing is deterministic (RFC 6979 nonces for ECDSA, BIP340's
// nonce without auxiliary randomness), so a seed gives the same bytes on any number of threads.
#include <array>
#include <cstdint>

#include "util/hash256.hpp"
#include "util/bytes.hpp"

struct secp256k1_context_struct;

namespace peregrine::workload {

using Secret = std::array<std::uint8_t, 32>;
using CompressedKey = std::array<std::uint8_t, 33>;
using XOnlyKey = std::array<std::uint8_t, 32>;

class Signer {
public:
  explicit Signer(std::uint64_t seed);
  ~Signer();
  Signer(const Signer&) = delete;
  Signer& operator=(const Signer&) = delete;

  std::uint64_t seed() const { return seed_; }

  // The secret of key `which` (0..2: the multisig has three) guarding output (tx, vout).
  Secret secret(std::uint32_t tx, std::uint32_t vout, unsigned which = 0) const;
  CompressedKey public_key(const Secret& secret) const;
  // BIP341 key path: the x-only output key of the internal key tweaked with TapTweak(P) (no tree).
  XOnlyKey taproot_output_key(const Secret& internal) const;

  // ECDSA over secp256k1 with low S, as strict DER followed by the hash-type byte.
  Bytes sign_ecdsa(const Secret& secret, const Hash256& sighash, std::uint8_t hash_type) const;
  // BIP340 signature by the tweaked key for a key-path spend (SIGHASH_DEFAULT: 64 bytes).
  std::array<std::uint8_t, 64> sign_taproot(const Secret& internal, const std::array<std::uint8_t, 32>& sighash) const;

private:
  std::uint64_t seed_;
  secp256k1_context_struct* ctx_;
};

} // namespace peregrine::workload
