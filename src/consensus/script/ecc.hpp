#pragma once
// Signature verification over libsecp256k1: the one context (created once, used read-only by every
// thread), Bitcoin's lax DER parsing, ECDSA with low-S normalisation, BIP340 Schnorr and the
// BIP341 tweak check.
#include <secp256k1.h>
#include <secp256k1_extrakeys.h>

#include <array>
#include <cstdint>

#include "util/bytes.hpp"

namespace peregrine::consensus {

// The process-wide verification context, created on first use (thread-safe).
const secp256k1_context* secp256k1_verify_context();

// Parses a DER-like signature (without the sighash byte) accepting every violation found in the
// chain before BIP66: any sequence length, long-form and zero-padded integer lengths, negative
// integers, trailing garbage. R or S too large for the curve gives a parsed but invalid signature.
// False only when the structure cannot be read at all.
bool parse_der_lax(ByteSpan der, secp256k1_ecdsa_signature& out);

// A public key in any encoding libsecp256k1 accepts (compressed, uncompressed, hybrid).
bool parse_pubkey(ByteSpan pubkey, secp256k1_pubkey& out);

// ECDSA verification of a lax-DER signature (without sighash byte) over a 32-byte message,
// normalising S first as Bitcoin always has.
bool verify_ecdsa(ByteSpan der, ByteSpan pubkey, const std::array<std::uint8_t, 32>& message);

// Whether the lax-parsed signature has S <= n/2 (an unparseable one counts as not low).
bool has_low_s(ByteSpan der);

// BIP340 verification; false for keys that are not valid x coordinates.
bool verify_schnorr(ByteSpan sig64, ByteSpan message, ByteSpan xonly_pubkey32);

// BIP341: output_key32 == x(internal + tweak*G) with the given y parity.
bool check_tap_tweak(ByteSpan output_key32, bool output_parity, ByteSpan internal_key32,
                     const std::array<std::uint8_t, 32>& tweak);

} // namespace peregrine::consensus
