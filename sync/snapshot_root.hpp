#pragma once
// A UTXO snapshot's identity as the P2P UTXO set sharing draft (v0.5.0) defines it: the serialized
// set (header and body) cut into 3,900,000-byte chunks, each leaf SHA256d(chunk), interior nodes
// SHA256d(left || right), an odd node at the end of a level promoted unchanged. Chain parameters
// carry the root, and every chunk is checked against its leaf before use, so chunks may come from
// anywhere.
#include <cstdint>
#include <span>
#include <vector>

#include "crypto/sha256.hpp"
#include "util/bytes.hpp"
#include "util/hash256.hpp"

namespace peregrine::sync {

inline constexpr std::size_t kSnapshotChunkBytes = 3'900'000;

// Leaf hashes of a byte stream written in any pieces.
class ChunkHasher {
public:
  void write(ByteSpan data);
  // The leaves, the last chunk's included when it is partial; none for an empty stream.
  std::vector<Hash256> finish();
  std::uint64_t bytes() const { return total_; }

private:
  crypto::Sha256 sha_;
  std::size_t in_chunk_ = 0;
  std::uint64_t total_ = 0;
  std::vector<Hash256> leaves_;
};

// The root over the leaves; zero for none, the leaf itself for one.
Hash256 chunk_merkle_root(std::span<const Hash256> leaves);

// The number of chunks a set of `bytes` bytes has.
inline std::uint64_t chunk_count(std::uint64_t bytes) { return (bytes + kSnapshotChunkBytes - 1) / kSnapshotChunkBytes; }

} // namespace peregrine::sync
