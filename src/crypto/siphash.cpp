#include "crypto/siphash.hpp"

#include <bit>
#include <cstring>

namespace peregrine::crypto {
namespace {

// One SipRound: the ARX network of section 2 of the paper.
inline void sip_round(std::uint64_t& v0, std::uint64_t& v1, std::uint64_t& v2, std::uint64_t& v3) {
  v0 += v1;
  v1 = std::rotl(v1, 13);
  v1 ^= v0;
  v0 = std::rotl(v0, 32);
  v2 += v3;
  v3 = std::rotl(v3, 16);
  v3 ^= v2;
  v0 += v3;
  v3 = std::rotl(v3, 21);
  v3 ^= v0;
  v2 += v1;
  v1 = std::rotl(v1, 17);
  v1 ^= v2;
  v2 = std::rotl(v2, 32);
}

std::uint64_t load_le64(const std::uint8_t* p) {
  std::uint64_t v = 0;
  for (int i = 7; i >= 0; --i) v = (v << 8) | p[i];
  return v;
}

} // namespace

SipKey SipKey::from_bytes(const std::array<std::uint8_t, 16>& bytes) {
  return SipKey{load_le64(bytes.data()), load_le64(bytes.data() + 8)};
}

std::array<std::uint8_t, 16> SipKey::to_bytes() const {
  std::array<std::uint8_t, 16> out{};
  for (int i = 0; i < 8; ++i) {
    out[i] = static_cast<std::uint8_t>(k0 >> (8 * i));
    out[8 + i] = static_cast<std::uint8_t>(k1 >> (8 * i));
  }
  return out;
}

// Initialisation constants: "somepseudorandomlygeneratedbytes" in ASCII.
SipHasher::SipHasher(const SipKey& key)
    : v0_(key.k0 ^ 0x736f6d6570736575ULL), v1_(key.k1 ^ 0x646f72616e646f6dULL),
      v2_(key.k0 ^ 0x6c7967656e657261ULL), v3_(key.k1 ^ 0x7465646279746573ULL) {}

void SipHasher::compress(std::uint64_t m) {
  v3_ ^= m;
  sip_round(v0_, v1_, v2_, v3_); // c = 2 compression rounds
  sip_round(v0_, v1_, v2_, v3_);
  v0_ ^= m;
}

SipHasher& SipHasher::write(ByteSpan data) {
  const std::uint8_t* p = data.data();
  std::size_t n = data.size();
  // Top up a partial word byte by byte, then whole words straight from the input.
  while (n > 0 && length_ % 8 != 0) {
    tail_ |= std::uint64_t{*p++} << (8 * (length_ % 8));
    ++length_;
    --n;
    if (length_ % 8 == 0) {
      compress(tail_);
      tail_ = 0;
    }
  }
  for (; n >= 8; n -= 8, p += 8, length_ += 8) compress(load_le64(p));
  for (; n > 0; --n, ++length_) tail_ |= std::uint64_t{*p++} << (8 * (length_ % 8));
  return *this;
}

SipHasher& SipHasher::write_u8(std::uint8_t v) { return write(ByteSpan(&v, 1)); }

SipHasher& SipHasher::write_u16(std::uint16_t v) {
  std::uint8_t b[2] = {static_cast<std::uint8_t>(v), static_cast<std::uint8_t>(v >> 8)};
  return write(b);
}

SipHasher& SipHasher::write_u32(std::uint32_t v) {
  std::uint8_t b[4];
  for (int i = 0; i < 4; ++i) b[i] = static_cast<std::uint8_t>(v >> (8 * i));
  return write(b);
}

SipHasher& SipHasher::write_u64(std::uint64_t v) {
  if (length_ % 8 == 0) { // aligned: one compression, no byte loop
    compress(v);
    length_ += 8;
    return *this;
  }
  std::uint8_t b[8];
  for (int i = 0; i < 8; ++i) b[i] = static_cast<std::uint8_t>(v >> (8 * i));
  return write(b);
}

std::uint64_t SipHasher::finalize() const {
  std::uint64_t v0 = v0_, v1 = v1_, v2 = v2_, v3 = v3_;
  // The last word carries the remaining bytes and the message length mod 256 in its top byte.
  std::uint64_t b = tail_ | (static_cast<std::uint64_t>(length_ & 0xff) << 56);
  v3 ^= b;
  sip_round(v0, v1, v2, v3);
  sip_round(v0, v1, v2, v3);
  v0 ^= b;
  v2 ^= 0xff;
  for (int i = 0; i < 4; ++i) sip_round(v0, v1, v2, v3); // d = 4 finalization rounds
  return v0 ^ v1 ^ v2 ^ v3;
}

std::uint64_t siphash24(const SipKey& key, ByteSpan data) {
  return SipHasher(key).write(data).finalize();
}

std::uint64_t siphash24(const SipKey& key, const Hash256& hash, std::uint32_t n) {
  std::uint64_t v0 = key.k0 ^ 0x736f6d6570736575ULL, v1 = key.k1 ^ 0x646f72616e646f6dULL;
  std::uint64_t v2 = key.k0 ^ 0x6c7967656e657261ULL, v3 = key.k1 ^ 0x7465646279746573ULL;
  auto compress = [&](std::uint64_t m) {
    v3 ^= m;
    sip_round(v0, v1, v2, v3);
    sip_round(v0, v1, v2, v3);
    v0 ^= m;
  };
  for (int i = 0; i < 4; ++i) {
    std::uint64_t word; // the host is little-endian (asserted in wire/reader.hpp)
    std::memcpy(&word, hash.bytes.data() + 8 * i, 8);
    compress(word);
  }
  compress(std::uint64_t{n} | (std::uint64_t{36} << 56)); // the last word: 4 bytes and the length
  v2 ^= 0xff;
  for (int i = 0; i < 4; ++i) sip_round(v0, v1, v2, v3);
  return v0 ^ v1 ^ v2 ^ v3;
}

} // namespace peregrine::crypto
