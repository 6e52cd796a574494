#include <doctest/doctest.h>

#include <array>
#include <cstdint>
#include <vector>

#include "crypto/siphash.hpp"

using namespace peregrine;

namespace {

// The reference implementation's vectors (SipHash-2-4, 64-bit output): key 00 01 .. 0f, message
// 00 01 .. (i-1) for i = 0..63, the output read as a little-endian integer.
constexpr std::array<std::uint64_t, 64> kVectors = {
    0x726fdb47dd0e0e31, 0x74f839c593dc67fd, 0x0d6c8009d9a94f5a, 0x85676696d7fb7e2d,
    0xcf2794e0277187b7, 0x18765564cd99a68d, 0xcbc9466e58fee3ce, 0xab0200f58b01d137,
    0x93f5f5799a932462, 0x9e0082df0ba9e4b0, 0x7a5dbbc594ddb9f3, 0xf4b32f46226bada7,
    0x751e8fbc860ee5fb, 0x14ea5627c0843d90, 0xf723ca908e7af2ee, 0xa129ca6149be45e5,
    0x3f2acc7f57c29bdb, 0x699ae9f52cbe4794, 0x4bc1b3f0968dd39c, 0xbb6dc91da77961bd,
    0xbed65cf21aa2ee98, 0xd0f2cbb02e3b67c7, 0x93536795e3a33e88, 0xa80c038ccd5ccec8,
    0xb8ad50c6f649af94, 0xbce192de8a85b8ea, 0x17d835b85bbb15f3, 0x2f2e6163076bcfad,
    0xde4daaaca71dc9a5, 0xa6a2506687956571, 0xad87a3535c49ef28, 0x32d892fad841c342,
    0x7127512f72f27cce, 0xa7f32346f95978e3, 0x12e0b01abb051238, 0x15e034d40fa197ae,
    0x314dffbe0815a3b4, 0x027990f029623981, 0xcadcd4e59ef40c4d, 0x9abfd8766a33735c,
    0x0e3ea96b5304a7d0, 0xad0c42d6fc585992, 0x187306c89bc215a9, 0xd4a60abcf3792b95,
    0xf935451de4f21df2, 0xa9538f0419755787, 0xdb9acddff56ca510, 0xd06c98cd5c0975eb,
    0xe612a3cb9ecba951, 0xc766e62cfcadaf96, 0xee64435a9752fe72, 0xa192d576b245165a,
    0x0a8787bf8ecb74b2, 0x81b3e73d20b49b6f, 0x7fa8220ba3b2ecea, 0x245731c13ca42499,
    0xb78dbfaf3a8d83bd, 0xea1ad565322a1a0b, 0x60e61c23a3795013, 0x6606d7e446282b93,
    0x6ca4ecb15c5f91e1, 0x9f626da15c9625f3, 0xe51b38608ef25f57, 0x958a324ceb064572,
};

crypto::SipKey reference_key() {
  std::array<std::uint8_t, 16> bytes{};
  for (std::size_t i = 0; i < bytes.size(); ++i) bytes[i] = static_cast<std::uint8_t>(i);
  return crypto::SipKey::from_bytes(bytes);
}

std::vector<std::uint8_t> counting_message(std::size_t length) {
  std::vector<std::uint8_t> m(length);
  for (std::size_t i = 0; i < length; ++i) m[i] = static_cast<std::uint8_t>(i);
  return m;
}

} // namespace

TEST_CASE("SipHash-2-4 matches the reference vectors for every length 0..63") {
  auto key = reference_key();
  CHECK(key.k0 == 0x0706050403020100ULL);
  CHECK(key.k1 == 0x0f0e0d0c0b0a0908ULL);
  for (std::size_t length = 0; length < kVectors.size(); ++length) {
    CAPTURE(length);
    CHECK(crypto::siphash24(key, counting_message(length)) == kVectors[length]);
  }
}

TEST_CASE("SipHash-2-4 of a hash and a 32-bit word is the hash of their 36 bytes") {
  Hash256 hash;
  for (std::size_t i = 0; i < 32; ++i) hash.bytes[i] = static_cast<std::uint8_t>(i);
  CHECK(crypto::siphash24(reference_key(), hash, 0x23222120) == kVectors[36]); // bytes 00..23
  const crypto::SipKey other{0x1234, 0x5678};
  for (std::uint32_t n : {0u, 1u, 0xffffffffu}) {
    Bytes message(hash.bytes.begin(), hash.bytes.end());
    for (int i = 0; i < 4; ++i) message.push_back(static_cast<std::uint8_t>(n >> (8 * i)));
    CHECK(crypto::siphash24(other, hash, n) == crypto::siphash24(other, message));
  }
}

TEST_CASE("SipHash-2-4: the paper's appendix example (15-byte message)") {
  CHECK(crypto::siphash24(reference_key(), counting_message(15)) == 0xa129ca6149be45e5ULL);
}

TEST_CASE("incremental writes in any split equal one-shot hashing") {
  auto key = reference_key();
  auto message = counting_message(63);
  for (std::size_t split = 0; split <= message.size(); ++split) {
    CAPTURE(split);
    crypto::SipHasher h(key);
    h.write(ByteSpan(message).first(split));
    h.write(ByteSpan(message).subspan(split));
    CHECK(h.finalize() == kVectors[63]);
  }
  // Byte by byte, finalizing along the way: finalize must not disturb the state.
  crypto::SipHasher h(key);
  for (std::size_t i = 0; i < message.size(); ++i) {
    CHECK(h.finalize() == kVectors[i]);
    h.write_u8(message[i]);
  }
  CHECK(h.finalize() == kVectors[63]);
}

TEST_CASE("integer writes are their little-endian bytes, aligned or not") {
  auto key = reference_key();
  // 00..07 as one u64, then 08 09 as u16, 0a..0d as u32, 0e as u8: the 15-byte vector.
  crypto::SipHasher h(key);
  h.write_u64(0x0706050403020100ULL).write_u16(0x0908).write_u32(0x0d0c0b0a).write_u8(0x0e);
  CHECK(h.finalize() == kVectors[15]);
  // An unaligned u64 (after one byte) takes the byte path and still agrees.
  crypto::SipHasher u(key);
  u.write_u8(0x00).write_u64(0x0807060504030201ULL);
  CHECK(u.finalize() == kVectors[9]);
}

TEST_CASE("a copied hasher continues independently (shared prefix)") {
  auto key = reference_key();
  auto message = counting_message(20);
  crypto::SipHasher prefix(key);
  prefix.write(ByteSpan(message).first(10));
  crypto::SipHasher a = prefix;
  crypto::SipHasher b = prefix;
  a.write(ByteSpan(message).subspan(10, 5));
  b.write(ByteSpan(message).subspan(10, 10));
  CHECK(a.finalize() == kVectors[15]);
  CHECK(b.finalize() == kVectors[20]);
  CHECK(prefix.finalize() == kVectors[10]);
}

TEST_CASE("SipKey bytes round trip and different keys give different hashes") {
  auto key = reference_key();
  CHECK(crypto::SipKey::from_bytes(key.to_bytes()) == key);
  crypto::SipKey other{key.k0 ^ 1, key.k1};
  CHECK(crypto::siphash24(other, counting_message(8)) != kVectors[8]);
}
