#include "crypto/sha3.hpp"

#include <openssl/evp.h>

#include <cstdlib>

namespace peregrine::crypto {

std::array<std::uint8_t, 32> sha3_256(ByteSpan data) {
  std::array<std::uint8_t, 32> out{};
  unsigned int len = 0;
  // Rare (address formatting), so the one-shot API's per-call fetch is fine here.
  if (EVP_Digest(data.data(), data.size(), out.data(), &len, EVP_sha3_256(), nullptr) != 1) {
    std::abort(); // libcrypto without SHA3 would be a broken installation
  }
  return out;
}

} // namespace peregrine::crypto
