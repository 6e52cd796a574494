#pragma once
// MuHash3072 (Pieter Wuille's rolling set hash, as Bitcoin Core computes the `muhash` of
// gettxoutsetinfo): each element maps to a number modulo the prime p = 2^3072 - 1103717 and the
// set hash is their product. Elements can be added and removed in any order, and partial hashes
// computed on different threads combine by multiplication.
#include <array>
#include <cstddef>
#include <cstdint>
#include <span>

#include "util/bytes.hpp"
#include "util/hash256.hpp"

namespace peregrine::crypto {

// A number modulo p = 2^3072 - 1103717 in 48 little-endian 64-bit limbs. Values stay below 2^3072
// but may lie in [p, 2^3072) until to_bytes() or a comparison reduces them fully.
class Num3072 {
public:
  static constexpr std::size_t kLimbs = 48;
  static constexpr std::size_t kBytes = 384;
  // p = 2^3072 - kModulusGap, the largest 3072-bit safe prime.
  static constexpr std::uint64_t kModulusGap = 1103717;

  Num3072() { limbs_[0] = 1; } // the multiplicative identity, what an empty set starts from

  // Any 384 bytes read as a little-endian integer below 2^3072, including values >= p.
  static Num3072 from_bytes(std::span<const std::uint8_t, kBytes> bytes);
  // The fully reduced value (< p), little-endian.
  std::array<std::uint8_t, kBytes> to_bytes() const;

  void multiply(const Num3072& other);
  // Multiplies by other's inverse; dividing by zero (mod p) leaves zero.
  void divide(const Num3072& other);
  // other^(p-2), which Fermat's little theorem makes the inverse; about 3,800 multiplications, so
  // MuHash3072 does it once per finalize, never per element.
  Num3072 inverse() const;

  // Equality modulo p.
  bool operator==(const Num3072& other) const;

private:
  std::array<std::uint64_t, kLimbs> limbs_{};
};

class MuHash3072 {
public:
  static constexpr std::size_t kSerializedSize = 2 * Num3072::kBytes;

  MuHash3072() = default; // the empty set
  explicit MuHash3072(ByteSpan element); // the set holding just this element

  // The number an element stands for: SHA-256 of the data keys ChaCha20 (zero nonce, counter 0),
  // whose first 384 keystream bytes are read little-endian.
  static Num3072 to_num3072(ByteSpan element);

  MuHash3072& insert(ByteSpan element);
  // Removing an element never inserted is allowed; a later insert of it cancels the removal.
  MuHash3072& remove(ByteSpan element);

  // Union (and difference) of the sets two hashes stand for, counting elements with multiplicity.
  MuHash3072& operator*=(const MuHash3072& other);
  MuHash3072& operator/=(const MuHash3072& other);

  // SHA-256 of the 384-byte little-endian numerator/denominator, stored as Bitcoin Core stores
  // its uint256, so to_hex() prints what gettxoutsetinfo reports. Collapses the fraction (one
  // inverse) so later calls are cheap; the set the hash stands for is unchanged.
  Hash256 finalize();

  // Numerator then denominator, each fully reduced and little-endian (Bitcoin Core's
  // serialization of the same state). deserialize accepts any values below 2^3072 in each half.
  std::array<std::uint8_t, kSerializedSize> serialize() const;
  static MuHash3072 deserialize(std::span<const std::uint8_t, kSerializedSize> bytes);

private:
  // Kept as a fraction so insert and remove each cost one multiplication.
  Num3072 numerator_;
  Num3072 denominator_;
};

} // namespace peregrine::crypto
