#pragma once
// SipHash-2-4 (Aumasson and Bernstein, "SipHash: a fast short-input PRF", 2012): a keyed 64-bit
// pseudo-random function. Used where an attacker must not predict or steer where data lands:
// the address book's secret bucketing, relay-target choice and hash tables fed by the network.
#include <array>
#include <cstddef>
#include <cstdint>

#include "util/bytes.hpp"
#include "util/hash256.hpp"

namespace peregrine::crypto {

// The 128-bit key as two 64-bit words; the paper's 16 key bytes are k0 then k1, little-endian.
struct SipKey {
  std::uint64_t k0 = 0;
  std::uint64_t k1 = 0;

  static SipKey from_bytes(const std::array<std::uint8_t, 16>& bytes);
  std::array<std::uint8_t, 16> to_bytes() const;
  bool operator==(const SipKey&) const = default;
};

// Incremental SipHash-2-4. Copyable, so a common prefix can be hashed once and then extended
// for many different suffixes.
class SipHasher {
public:
  explicit SipHasher(const SipKey& key);

  SipHasher& write(ByteSpan data);
  SipHasher& write_u8(std::uint8_t v);
  SipHasher& write_u16(std::uint16_t v); // little-endian, like every integer here
  SipHasher& write_u32(std::uint32_t v);
  SipHasher& write_u64(std::uint64_t v);

  // The hash of everything written so far; the hasher itself is unchanged and can go on.
  std::uint64_t finalize() const;

private:
  void compress(std::uint64_t m);

  std::uint64_t v0_, v1_, v2_, v3_;
  std::uint64_t tail_ = 0; // bytes not yet forming a full 8-byte word, little-endian
  std::size_t length_ = 0; // total bytes written
};

std::uint64_t siphash24(const SipKey& key, ByteSpan data);

// siphash24 of the 36 bytes hash || LE32(n) (an outpoint), word at a time with no incremental
// state: what hash tables keyed by outpoints pay per lookup (Core's SipHashUint256Extra).
std::uint64_t siphash24(const SipKey& key, const Hash256& hash, std::uint32_t n);

} // namespace peregrine::crypto
