#include "crypto/tagged_hash.hpp"

namespace peregrine::crypto {

TaggedHasher::TaggedHasher(const Sha256Digest& tag_digest) {
  sha_.write(tag_digest).write(tag_digest);
}

Sha256Digest tag_digest(std::string_view tag) {
  return sha256(ByteSpan(reinterpret_cast<const std::uint8_t*>(tag.data()), tag.size()));
}

Sha256Digest tagged_hash(std::string_view tag, ByteSpan data) {
  return TaggedHasher(tag_digest(tag)).write(data).finalize();
}

} // namespace peregrine::crypto
