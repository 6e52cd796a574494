#pragma once
// Randomness for the address book: secret keys from the operating system, and a fast generator
// for the many small random choices (bucket probes, samples, shuffles).
//
// The generator is SipHash-2-4 in counter mode under a secret key: an observer of some outputs
// (say, the order of a getaddr answer) learns nothing about the next ones, which a Mersenne
// Twister would give away. A fixed seed makes every choice reproducible in tests.
#include <algorithm>
#include <array>
#include <cstdint>
#include <span>

#include "crypto/siphash.hpp"

namespace peregrine::addrbook {

// 16 bytes from getrandom(2), falling back to std::random_device.
std::array<std::uint8_t, 16> os_random_bytes();
crypto::SipKey random_sip_key();

class Rng {
public:
  Rng() : Rng(random_sip_key()) {}
  explicit Rng(crypto::SipKey key) : key_(key) {}
  explicit Rng(std::uint64_t seed) : key_{seed, 0x5eed5eed5eed5eedULL} {}

  std::uint64_t next() { return crypto::SipHasher(key_).write_u64(counter_++).finalize(); }

  // Uniform in [0, n); 0 when n is 0. Rejection sampling keeps it unbiased.
  std::uint64_t below(std::uint64_t n) {
    if (n <= 1) return 0;
    std::uint64_t limit = ~std::uint64_t{0} - (~std::uint64_t{0} % n);
    for (;;) {
      std::uint64_t v = next();
      if (v < limit) return v % n;
    }
  }
  // The low `bits` bits (bits in 1..64).
  std::uint64_t bits(int bits) {
    return bits >= 64 ? next() : next() & ((std::uint64_t{1} << bits) - 1);
  }
  bool coin() { return (next() & 1) != 0; }
  // Uniform in [lo, hi] (inclusive); lo when hi < lo.
  std::int64_t between(std::int64_t lo, std::int64_t hi) {
    if (hi <= lo) return lo;
    return lo + static_cast<std::int64_t>(below(static_cast<std::uint64_t>(hi - lo) + 1));
  }

  template <class T>
  void shuffle(std::span<T> items) {
    for (std::size_t i = items.size(); i > 1; --i) std::swap(items[i - 1], items[below(i)]);
  }

private:
  crypto::SipKey key_;
  std::uint64_t counter_ = 0;
};

} // namespace peregrine::addrbook
