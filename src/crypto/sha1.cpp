#include "crypto/sha1.hpp"

#include "crypto/evp_digest.hpp"

namespace peregrine::crypto {

Sha1Digest sha1(ByteSpan data) {
  static const auto* md = detail::fetch_digest("SHA1");
  Sha1Digest out;
  detail::evp_digest(md, data, out.data());
  return out;
}

} // namespace peregrine::crypto
