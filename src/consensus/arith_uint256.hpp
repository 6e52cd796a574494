#pragma once
// Unsigned 256-bit arithmetic for targets and chain work, and Bitcoin's "compact" (nBits)
// encoding of targets with the sign and overflow rules Bitcoin Core applies to it.
#include <array>
#include <compare>
#include <cstdint>
#include <string>

#include "util/hash256.hpp"

namespace peregrine::consensus {

class ArithU256 {
public:
  constexpr ArithU256() = default;
  constexpr explicit ArithU256(std::uint64_t v) : limbs_{static_cast<std::uint32_t>(v), static_cast<std::uint32_t>(v >> 32)} {}

  // A hash read as a little-endian number (how a block hash is compared with its target).
  static ArithU256 from_hash(const Hash256& hash);
  Hash256 to_hash() const;

  ArithU256& operator+=(const ArithU256& b);
  ArithU256& operator-=(const ArithU256& b); // wraps modulo 2^256
  ArithU256& operator*=(std::uint32_t b);
  ArithU256& operator*=(const ArithU256& b);
  ArithU256& operator/=(const ArithU256& b); // division by zero is a caller bug (asserted)
  ArithU256& operator<<=(unsigned shift);
  ArithU256& operator>>=(unsigned shift);
  ArithU256 operator~() const;

  friend ArithU256 operator+(ArithU256 a, const ArithU256& b) { return a += b; }
  friend ArithU256 operator-(ArithU256 a, const ArithU256& b) { return a -= b; }
  friend ArithU256 operator*(ArithU256 a, std::uint32_t b) { return a *= b; }
  friend ArithU256 operator*(ArithU256 a, const ArithU256& b) { return a *= b; }
  friend ArithU256 operator/(ArithU256 a, const ArithU256& b) { return a /= b; }
  friend ArithU256 operator<<(ArithU256 a, unsigned s) { return a <<= s; }
  friend ArithU256 operator>>(ArithU256 a, unsigned s) { return a >>= s; }

  std::strong_ordering operator<=>(const ArithU256& b) const;
  bool operator==(const ArithU256&) const = default;

  bool is_zero() const;
  unsigned bits() const;           // position of the highest set bit plus one; 0 for zero
  std::uint64_t low64() const { return limbs_[0] | (std::uint64_t{limbs_[1]} << 32); }
  double to_double() const;        // for progress figures only
  std::string to_hex() const;      // 64 hex digits, most significant first (as Core's GetHex)

private:
  std::array<std::uint32_t, 8> limbs_{}; // least significant first
};

struct CompactTarget {
  ArithU256 value;
  bool negative = false; // sign bit set on a nonzero mantissa
  bool overflow = false; // the value does not fit in 256 bits
};

// Core's SetCompact: exponent byte, 23-bit mantissa, sign bit 0x00800000.
CompactTarget decode_compact(std::uint32_t bits);
// Core's GetCompact: the shortest normalised encoding (never sets the sign bit unless asked).
std::uint32_t encode_compact(const ArithU256& value, bool negative = false);

} // namespace peregrine::consensus
