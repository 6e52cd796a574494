#include "crypto/ripemd160.hpp"

#include "crypto/evp_digest.hpp"

namespace peregrine::crypto {

Ripemd160Digest ripemd160(ByteSpan data) {
  static const auto* md = detail::fetch_digest("RIPEMD160");
  Ripemd160Digest out;
  detail::evp_digest(md, data, out.data());
  return out;
}

} // namespace peregrine::crypto
