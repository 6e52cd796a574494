#include "sync/snapshot_root.hpp"

#include <algorithm>
#include <utility>

namespace peregrine::sync {

void ChunkHasher::write(ByteSpan data) {
  while (!data.empty()) {
    const std::size_t take = std::min(data.size(), kSnapshotChunkBytes - in_chunk_);
    sha_.write(data.first(take));
    in_chunk_ += take;
    total_ += take;
    data = data.subspan(take);
    if (in_chunk_ == kSnapshotChunkBytes) {
      const auto once = sha_.finalize();
      Hash256 leaf;
      leaf.bytes = crypto::sha256(once);
      leaves_.push_back(leaf);
      in_chunk_ = 0;
    }
  }
}

std::vector<Hash256> ChunkHasher::finish() {
  if (in_chunk_ > 0) {
    const auto once = sha_.finalize();
    Hash256 leaf;
    leaf.bytes = crypto::sha256(once);
    leaves_.push_back(leaf);
    in_chunk_ = 0;
  }
  return std::exchange(leaves_, {});
}

Hash256 chunk_merkle_root(std::span<const Hash256> leaves) {
  if (leaves.empty()) return Hash256{};
  std::vector<Hash256> level(leaves.begin(), leaves.end());
  while (level.size() > 1) {
    std::size_t out = 0;
    for (std::size_t i = 0; i + 1 < level.size(); i += 2) level[out++] = crypto::sha256d_pair(level[i], level[i + 1]);
    if (level.size() % 2 == 1) level[out++] = level.back(); // promoted unchanged, never duplicated
    level.resize(out);
  }
  return level.front();
}

} // namespace peregrine::sync
