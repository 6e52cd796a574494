#include "crypto/hash160.hpp"

#include "crypto/sha256.hpp"

namespace peregrine::crypto {

Ripemd160Digest hash160(ByteSpan data) {
  Sha256Digest inner = sha256(data);
  return ripemd160(inner);
}

} // namespace peregrine::crypto
