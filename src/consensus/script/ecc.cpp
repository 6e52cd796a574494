#include "consensus/script/ecc.hpp"

#include <secp256k1_schnorrsig.h>

#include <cstdlib>
#include <cstring>

namespace peregrine::consensus {

const secp256k1_context* secp256k1_verify_context() {
  static const secp256k1_context* ctx = [] {
    secp256k1_context* c = secp256k1_context_create(SECP256K1_CONTEXT_NONE);
    if (c == nullptr) std::abort();
    return c;
  }();
  return ctx;
}

namespace {

// Reads one DER length at pos: short form, or long form with leading zero bytes skipped.
// Returns false if it does not fit the input or needs more than 3 significant bytes.
bool read_length(ByteSpan in, std::size_t& pos, std::size_t& length) {
  if (pos == in.size()) return false;
  std::size_t first = in[pos++];
  if ((first & 0x80) == 0) {
    length = first;
    return true;
  }
  std::size_t bytes = first - 0x80;
  if (bytes > in.size() - pos) return false;
  while (bytes > 0 && in[pos] == 0) {
    ++pos;
    --bytes;
  }
  if (bytes >= 4) return false;
  length = 0;
  for (; bytes > 0; --bytes) length = (length << 8) | in[pos++];
  return true;
}

// One INTEGER: tag 0x02, a length, the bytes. Returns the value's position and length.
bool read_integer(ByteSpan in, std::size_t& pos, std::size_t& start, std::size_t& length) {
  if (pos == in.size() || in[pos] != 0x02) return false;
  ++pos;
  if (!read_length(in, pos, length)) return false;
  if (length > in.size() - pos) return false;
  start = pos;
  pos += length;
  return true;
}

// Right-aligns a big-endian integer into 32 bytes, ignoring leading zeros; false if it is longer.
bool place_scalar(ByteSpan in, std::size_t start, std::size_t length, std::uint8_t* out32) {
  while (length > 0 && in[start] == 0) {
    ++start;
    --length;
  }
  if (length > 32) return false;
  std::memcpy(out32 + 32 - length, in.data() + start, length);
  return true;
}

} // namespace

bool parse_der_lax(ByteSpan der, secp256k1_ecdsa_signature& out) {
  const secp256k1_context* ctx = secp256k1_verify_context();
  std::uint8_t compact[64] = {};
  std::size_t pos = 0;
  // SEQUENCE tag, then a length that is read past but never checked.
  if (pos == der.size() || der[pos] != 0x30) return false;
  ++pos;
  if (pos == der.size()) return false;
  std::size_t seq_len_byte = der[pos++];
  if (seq_len_byte & 0x80) {
    std::size_t skip = seq_len_byte - 0x80;
    if (skip > der.size() - pos) return false;
    pos += skip;
  }
  std::size_t r_start = 0, r_len = 0, s_start = 0, s_len = 0;
  if (!read_integer(der, pos, r_start, r_len)) return false;
  if (!read_integer(der, pos, s_start, s_len)) return false;
  // Anything after S is ignored.
  bool fits =
      place_scalar(der, r_start, r_len, compact) && place_scalar(der, s_start, s_len, compact + 32);
  if (fits && secp256k1_ecdsa_signature_parse_compact(ctx, &out, compact) == 1) return true;
  // Out of range: a well-formed signature that can never verify.
  std::memset(compact, 0, sizeof compact);
  return secp256k1_ecdsa_signature_parse_compact(ctx, &out, compact) == 1;
}

bool parse_pubkey(ByteSpan pubkey, secp256k1_pubkey& out) {
  if (pubkey.empty()) return false; // libsecp256k1 treats a null input as API misuse
  return secp256k1_ec_pubkey_parse(secp256k1_verify_context(), &out, pubkey.data(),
                                   pubkey.size()) == 1;
}

bool verify_ecdsa(ByteSpan der, ByteSpan pubkey, const std::array<std::uint8_t, 32>& message) {
  const secp256k1_context* ctx = secp256k1_verify_context();
  secp256k1_pubkey key;
  secp256k1_ecdsa_signature sig;
  if (!parse_pubkey(pubkey, key)) return false;
  if (!parse_der_lax(der, sig)) return false;
  secp256k1_ecdsa_signature_normalize(ctx, &sig, &sig);
  return secp256k1_ecdsa_verify(ctx, &sig, message.data(), &key) == 1;
}

bool has_low_s(ByteSpan der) {
  secp256k1_ecdsa_signature sig;
  if (!parse_der_lax(der, sig)) return false;
  // normalize returns 1 when it had to lower S, i.e. when S was high.
  return secp256k1_ecdsa_signature_normalize(secp256k1_verify_context(), nullptr, &sig) == 0;
}

bool verify_schnorr(ByteSpan sig64, ByteSpan message, ByteSpan xonly_pubkey32) {
  if (sig64.size() != 64 || xonly_pubkey32.size() != 32) return false;
  const secp256k1_context* ctx = secp256k1_verify_context();
  secp256k1_xonly_pubkey key;
  if (!secp256k1_xonly_pubkey_parse(ctx, &key, xonly_pubkey32.data())) return false;
  return secp256k1_schnorrsig_verify(ctx, sig64.data(), message.data(), message.size(), &key) == 1;
}

bool check_tap_tweak(ByteSpan output_key32, bool output_parity, ByteSpan internal_key32,
                     const std::array<std::uint8_t, 32>& tweak) {
  if (output_key32.size() != 32 || internal_key32.size() != 32) return false;
  const secp256k1_context* ctx = secp256k1_verify_context();
  secp256k1_xonly_pubkey internal;
  if (!secp256k1_xonly_pubkey_parse(ctx, &internal, internal_key32.data())) return false;
  return secp256k1_xonly_pubkey_tweak_add_check(ctx, output_key32.data(), output_parity ? 1 : 0,
                                                &internal, tweak.data()) == 1;
}

} // namespace peregrine::consensus
