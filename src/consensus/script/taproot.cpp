#include "consensus/script/taproot.hpp"

#include <algorithm>

#include "consensus/script/ecc.hpp"
#include "consensus/script/hash_writer.hpp"
#include "crypto/tagged_hash.hpp"

namespace peregrine::consensus {
namespace {

const crypto::Sha256Digest& tag(int which) {
  static const crypto::Sha256Digest leaf = crypto::tag_digest("TapLeaf");
  static const crypto::Sha256Digest branch = crypto::tag_digest("TapBranch");
  static const crypto::Sha256Digest tweak = crypto::tag_digest("TapTweak");
  return which == 0 ? leaf : which == 1 ? branch : tweak;
}

} // namespace

Hash32 tapleaf_hash(std::uint8_t leaf_version, ByteSpan script) {
  return HashWriter(tag(0)).u8(leaf_version).bytes_with_size(script).sha256();
}

Hash32 tapbranch_hash(ByteSpan a, ByteSpan b) {
  HashWriter w(tag(1));
  if (std::lexicographical_compare(b.begin(), b.end(), a.begin(), a.end())) std::swap(a, b);
  return w.write(a).write(b).sha256();
}

Hash32 taptweak_hash(ByteSpan internal_key32, const Hash32* merkle_root) {
  HashWriter w(tag(2));
  w.write(internal_key32);
  if (merkle_root != nullptr) w.write(*merkle_root);
  return w.sha256();
}

Hash32 control_block_root(ByteSpan control, const Hash32& leaf) {
  Hash32 k = leaf;
  for (std::size_t pos = kTaprootControlBaseSize; pos + kTaprootControlNodeSize <= control.size();
       pos += kTaprootControlNodeSize) {
    k = tapbranch_hash(k, control.subspan(pos, kTaprootControlNodeSize));
  }
  return k;
}

bool verify_taproot_commitment(ByteSpan control, ByteSpan program, const Hash32& leaf) {
  if (control.size() < kTaprootControlBaseSize || program.size() != 32) return false;
  ByteSpan internal_key = control.subspan(1, 32);
  const Hash32 root = control_block_root(control, leaf);
  const Hash32 tweak = taptweak_hash(internal_key, &root);
  return check_tap_tweak(program, (control[0] & 1) != 0, internal_key, tweak);
}

std::optional<std::pair<Hash32, bool>> taproot_output_key(ByteSpan internal_key32,
                                                          const Hash32* merkle_root) {
  if (internal_key32.size() != 32) return std::nullopt;
  const secp256k1_context* ctx = secp256k1_verify_context();
  secp256k1_xonly_pubkey internal;
  if (!secp256k1_xonly_pubkey_parse(ctx, &internal, internal_key32.data())) return std::nullopt;
  const Hash32 tweak = taptweak_hash(internal_key32, merkle_root);
  secp256k1_pubkey full;
  if (!secp256k1_xonly_pubkey_tweak_add(ctx, &full, &internal, tweak.data())) return std::nullopt;
  secp256k1_xonly_pubkey output;
  int parity = 0;
  if (!secp256k1_xonly_pubkey_from_pubkey(ctx, &output, &parity, &full)) return std::nullopt;
  Hash32 out;
  secp256k1_xonly_pubkey_serialize(ctx, out.data(), &output);
  return std::pair{out, parity != 0};
}

} // namespace peregrine::consensus
