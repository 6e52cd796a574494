#pragma once
// BIP341 commitments: leaf and branch hashes, the tweak, and the control-block check that ties a
// revealed script to the output key.
#include <array>
#include <cstdint>
#include <optional>

#include "util/bytes.hpp"

namespace peregrine::consensus {

using Hash32 = std::array<std::uint8_t, 32>;

inline constexpr std::uint8_t kTaprootLeafMask = 0xfe;
inline constexpr std::uint8_t kTaprootLeafTapscript = 0xc0;
inline constexpr std::uint8_t kAnnexTag = 0x50;
inline constexpr std::size_t kTaprootControlBaseSize = 33;
inline constexpr std::size_t kTaprootControlNodeSize = 32;
inline constexpr std::size_t kTaprootControlMaxNodes = 128;
inline constexpr std::size_t kTaprootControlMaxSize =
    kTaprootControlBaseSize + kTaprootControlNodeSize * kTaprootControlMaxNodes;

// TapLeaf(leaf_version || compact_size(script) || script).
Hash32 tapleaf_hash(std::uint8_t leaf_version, ByteSpan script);
// TapBranch of two nodes, smaller first.
Hash32 tapbranch_hash(ByteSpan a32, ByteSpan b32);
// TapTweak(internal_key || merkle_root), or of the key alone without a script tree.
Hash32 taptweak_hash(ByteSpan internal_key32, const Hash32* merkle_root);

// The merkle root a control block proves for a leaf (the path is the control block's 32-byte
// nodes after its first 33 bytes).
Hash32 control_block_root(ByteSpan control, const Hash32& leaf);

// Whether the control block commits the leaf to the 32-byte output key `program`.
bool verify_taproot_commitment(ByteSpan control, ByteSpan program, const Hash32& leaf);

// The output key for an internal key and optional merkle root: (x-only key, y is odd).
std::optional<std::pair<Hash32, bool>> taproot_output_key(ByteSpan internal_key32,
                                                          const Hash32* merkle_root);

} // namespace peregrine::consensus
