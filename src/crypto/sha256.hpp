#pragma once
// SHA-256 and Bitcoin's double SHA-256 over OpenSSL's libcrypto (SHA-NI/AVX2 when the CPU has them).
#include <array>
#include <cstdint>

#include "util/bytes.hpp"
#include "util/hash256.hpp"

namespace peregrine::crypto {

using Sha256Digest = std::array<std::uint8_t, 32>;

// Incremental hasher. Not copyable; one per thread at a time.
class Sha256 {
public:
  Sha256();
  ~Sha256();
  Sha256(const Sha256&) = delete;
  Sha256& operator=(const Sha256&) = delete;

  Sha256& write(ByteSpan data);
  Sha256Digest finalize(); // also resets, so the object can hash again

private:
  struct Impl;
  Impl* impl_;
};

Sha256Digest sha256(ByteSpan data);
Hash256 sha256d(ByteSpan data);
// sha256d of two 32-byte halves: one merkle-tree node.
Hash256 sha256d_pair(const Hash256& left, const Hash256& right);

} // namespace peregrine::crypto
