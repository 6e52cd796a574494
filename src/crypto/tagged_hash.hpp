#pragma once
// BIP340 tagged hashes: SHA256(SHA256(tag) || SHA256(tag) || data), which keep hashes made for one
// purpose (a taproot leaf, a branch, a tweak, a signature message) from ever colliding with
// another.
#include <string_view>

#include "crypto/sha256.hpp"
#include "util/bytes.hpp"

namespace peregrine::crypto {

// Incremental tagged hash. The tag's own hash is computed by the caller once (tag_digest) and
// reused, so each use costs one extra 64-byte block, not two hashes of the tag.
class TaggedHasher {
public:
  explicit TaggedHasher(const Sha256Digest& tag_digest);
  TaggedHasher& write(ByteSpan data) {
    sha_.write(data);
    return *this;
  }
  Sha256Digest finalize() { return sha_.finalize(); }

private:
  Sha256 sha_;
};

Sha256Digest tag_digest(std::string_view tag);
Sha256Digest tagged_hash(std::string_view tag, ByteSpan data);

} // namespace peregrine::crypto
