#include "consensus/arith_uint256.hpp"

#include <bit>
#include <cassert>

namespace peregrine::consensus {
namespace {

constexpr int kLimbs = 8;

} // namespace

ArithU256 ArithU256::from_hash(const Hash256& hash) {
  ArithU256 v;
  for (int i = 0; i < kLimbs; ++i) {
    const std::uint8_t* p = hash.bytes.data() + 4 * i;
    v.limbs_[i] = std::uint32_t{p[0]} | std::uint32_t{p[1]} << 8 | std::uint32_t{p[2]} << 16 |
                  std::uint32_t{p[3]} << 24;
  }
  return v;
}

Hash256 ArithU256::to_hash() const {
  Hash256 h;
  for (int i = 0; i < kLimbs; ++i) {
    for (int b = 0; b < 4; ++b)
      h.bytes[4 * i + b] = static_cast<std::uint8_t>(limbs_[i] >> (8 * b));
  }
  return h;
}

ArithU256& ArithU256::operator+=(const ArithU256& b) {
  std::uint64_t carry = 0;
  for (int i = 0; i < kLimbs; ++i) {
    carry += std::uint64_t{limbs_[i]} + b.limbs_[i];
    limbs_[i] = static_cast<std::uint32_t>(carry);
    carry >>= 32;
  }
  return *this;
}

ArithU256& ArithU256::operator-=(const ArithU256& b) {
  // a - b = a + ~b + 1 modulo 2^256.
  *this += ~b;
  return *this += ArithU256(1);
}

ArithU256& ArithU256::operator*=(std::uint32_t b) {
  std::uint64_t carry = 0;
  for (int i = 0; i < kLimbs; ++i) {
    carry += std::uint64_t{limbs_[i]} * b;
    limbs_[i] = static_cast<std::uint32_t>(carry);
    carry >>= 32;
  }
  return *this;
}

ArithU256& ArithU256::operator*=(const ArithU256& b) {
  // Schoolbook, keeping only the low 256 bits of the product.
  ArithU256 product;
  for (int j = 0; j < kLimbs; ++j) {
    std::uint64_t carry = 0;
    for (int i = 0; i + j < kLimbs; ++i) {
      std::uint64_t t = std::uint64_t{limbs_[j]} * b.limbs_[i] + product.limbs_[i + j] + carry;
      product.limbs_[i + j] = static_cast<std::uint32_t>(t);
      carry = t >> 32;
    }
  }
  *this = product;
  return *this;
}

ArithU256& ArithU256::operator/=(const ArithU256& b) {
  assert(!b.is_zero());
  // Shift-and-subtract: only as many steps as the quotient has bits.
  ArithU256 divisor = b;
  ArithU256 remainder = *this;
  ArithU256 quotient;
  const unsigned n_bits = remainder.bits();
  const unsigned d_bits = divisor.bits();
  if (n_bits >= d_bits) {
    unsigned shift = n_bits - d_bits;
    divisor <<= shift;
    for (;;) {
      if (remainder >= divisor) {
        remainder -= divisor;
        quotient.limbs_[shift / 32] |= std::uint32_t{1} << (shift % 32);
      }
      if (shift == 0) break;
      divisor >>= 1;
      --shift;
    }
  }
  *this = quotient;
  return *this;
}

ArithU256& ArithU256::operator<<=(unsigned shift) {
  ArithU256 out;
  const unsigned words = shift / 32;
  const unsigned rest = shift % 32;
  for (unsigned i = 0; i + words < kLimbs; ++i) {
    out.limbs_[i + words] |= limbs_[i] << rest;
    if (rest != 0 && i + words + 1 < kLimbs) out.limbs_[i + words + 1] |= limbs_[i] >> (32 - rest);
  }
  *this = out;
  return *this;
}

ArithU256& ArithU256::operator>>=(unsigned shift) {
  ArithU256 out;
  const unsigned words = shift / 32;
  const unsigned rest = shift % 32;
  for (unsigned i = words; i < kLimbs; ++i) {
    out.limbs_[i - words] |= limbs_[i] >> rest;
    if (rest != 0 && i - words >= 1) out.limbs_[i - words - 1] |= limbs_[i] << (32 - rest);
  }
  *this = out;
  return *this;
}

ArithU256 ArithU256::operator~() const {
  ArithU256 out;
  for (int i = 0; i < kLimbs; ++i) out.limbs_[i] = ~limbs_[i];
  return out;
}

std::strong_ordering ArithU256::operator<=>(const ArithU256& b) const {
  for (int i = kLimbs - 1; i >= 0; --i) {
    if (limbs_[i] != b.limbs_[i]) return limbs_[i] <=> b.limbs_[i];
  }
  return std::strong_ordering::equal;
}

bool ArithU256::is_zero() const {
  for (auto l : limbs_)
    if (l != 0) return false;
  return true;
}

unsigned ArithU256::bits() const {
  for (int i = kLimbs - 1; i >= 0; --i) {
    if (limbs_[i] != 0)
      return 32 * static_cast<unsigned>(i) + static_cast<unsigned>(std::bit_width(limbs_[i]));
  }
  return 0;
}

double ArithU256::to_double() const {
  double v = 0;
  for (int i = kLimbs - 1; i >= 0; --i) v = v * 4294967296.0 + limbs_[i];
  return v;
}

std::string ArithU256::to_hex() const {
  static constexpr char kDigits[] = "0123456789abcdef";
  std::string out(64, '0');
  for (int i = 0; i < 64; ++i) {
    // Digit i counts from the most significant nibble.
    const int nibble = 63 - i;
    out[i] = kDigits[(limbs_[nibble / 8] >> (4 * (nibble % 8))) & 0xf];
  }
  return out;
}

CompactTarget decode_compact(std::uint32_t bits) {
  // 256^(exponent - 3) * mantissa, the mantissa's top bit being a sign.
  const unsigned exponent = bits >> 24;
  std::uint32_t mantissa = bits & 0x007fffff;
  CompactTarget t;
  if (exponent <= 3) {
    mantissa >>= 8 * (3 - exponent);
    t.value = ArithU256(mantissa);
  } else {
    t.value = ArithU256(mantissa) << (8 * (exponent - 3));
  }
  t.negative = mantissa != 0 && (bits & 0x00800000) != 0;
  // Overflow: the mantissa's significant bytes would land above byte 32.
  t.overflow = mantissa != 0 && (exponent > 34 || (mantissa > 0xff && exponent > 33) ||
                                 (mantissa > 0xffff && exponent > 32));
  return t;
}

std::uint32_t encode_compact(const ArithU256& value, bool negative) {
  unsigned size = (value.bits() + 7) / 8;
  std::uint32_t mantissa = size <= 3
                               ? static_cast<std::uint32_t>(value.low64() << (8 * (3 - size)))
                               : static_cast<std::uint32_t>((value >> (8 * (size - 3))).low64());
  // 0x00800000 is the sign: a mantissa reaching it moves one byte into the exponent.
  if (mantissa & 0x00800000) {
    mantissa >>= 8;
    ++size;
  }
  std::uint32_t compact = mantissa | (size << 24);
  if (negative && mantissa != 0) compact |= 0x00800000;
  return compact;
}

} // namespace peregrine::consensus
