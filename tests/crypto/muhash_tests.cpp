#include <doctest/doctest.h>

#include <algorithm>
#include <array>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "crypto/muhash.hpp"
#include "crypto/sha256.hpp"
#include "util/hex.hpp"

using namespace peregrine;
using crypto::MuHash3072;
using crypto::Num3072;

namespace {

using NumBytes = std::array<std::uint8_t, Num3072::kBytes>;

// Bitcoin Core's test helper FromInt(i): the set holding the 32-byte element {i, 0, ..., 0}.
std::array<std::uint8_t, 32> element(std::uint8_t i) {
  std::array<std::uint8_t, 32> e{};
  e[0] = i;
  return e;
}

MuHash3072 from_int(std::uint8_t i) { return MuHash3072(element(i)); }

// Little-endian bytes of a value below 2^64.
NumBytes small(std::uint64_t v) {
  NumBytes b{};
  for (int i = 0; i < 8; ++i) b[i] = static_cast<std::uint8_t>(v >> (8 * i));
  return b;
}

// 2^3072 - k for 0 < k < 2^64.
NumBytes top_minus(std::uint64_t k) {
  NumBytes b;
  b.fill(0xff);
  std::uint64_t low = ~std::uint64_t{0} - (k - 1);
  for (int i = 0; i < 8; ++i) b[i] = static_cast<std::uint8_t>(low >> (8 * i));
  return b;
}

Num3072 num(const NumBytes& b) { return Num3072::from_bytes(b); }

NumBytes product(const NumBytes& a, const NumBytes& b) {
  Num3072 x = num(a);
  x.multiply(num(b));
  return x.to_bytes();
}

constexpr std::uint64_t kGap = Num3072::kModulusGap;

// crypto_tests.cpp muhash_tests: FromInt(0) * FromInt(1) / FromInt(2), as a uint256 literal
// (display order, like gettxoutsetinfo's output).
constexpr const char* kCoreDigest = "10d312b100cbd32ada024a6646e40d3482fcff103668d2625f10002a607d5863";

// crypto_tests.cpp: the serialized numerator of FromInt(1) * FromInt(2) (its denominator is 1).
constexpr const char* kCoreProduct =
    "1fa093295ea30a6a3acdc7b3f770fa538eff537528e990e2910e40bbcfd7f6696b1256901929094694b56316de"
    "342f593303dd12ac43e06dce1be1ff8301c845beb15468fff0ef002dbf80c29f26e6452bccc91b5cb9437ad410"
    "d2a67ea847887fa3c6a6553309946880fe20db2c73fe0641adbd4e86edfee0d9f8cd0ee1230898873dc13ed8dd"
    "caf045c80faa082774279007a2253f8922ee3ef361d378a6af3ddaf180b190ac97e556888c36b3d1fb1c85aab9"
    "ccd46e3deaeb7b7cf5db067a7e9ff86b658cf3acd6662bbcce37232daa753c48b794356c020090c831a8304416"
    "e2aa7ad633c0ddb2f11be1be316a81be7f7e472071c042cb68faef549c221ebff209273638b741aba5a81675c4"
    "5a5fa92fea4ca821d7a324cb1e1a2ccd3b76c4228ec8066dad2a5df6e1bd0de45c7dd5de8070bdb46db6c554cf"
    "9aefc9b7b2bbf9f75b1864d9f95005314593905c0109b71f703d49944ae94477b51dac10a816bb6d1c700bafab"
    "c8bd86fac8df24be519a2f2836b16392e18036cb13e48c5c";

Hash256 empty_digest() { return MuHash3072().finalize(); }

} // namespace

TEST_CASE("MuHash3072 matches Bitcoin Core's published digest") {
  MuHash3072 acc = from_int(0);
  acc *= from_int(1);
  acc /= from_int(2);
  Hash256 out = acc.finalize();
  CHECK(out.to_hex() == kCoreDigest);
  CHECK(out == *Hash256::from_hex(kCoreDigest));

  // The same set built from element operations.
  MuHash3072 acc2 = from_int(0);
  acc2.insert(element(1)).remove(element(2));
  CHECK(acc2.finalize().to_hex() == kCoreDigest);
}

TEST_CASE("the empty set hashes the number one") {
  NumBytes one = small(1);
  CHECK(empty_digest().bytes == crypto::sha256(one));
  // Raw SHA-256 order, and the display order gettxoutsetinfo prints for an empty UTXO set.
  CHECK(util::to_hex(empty_digest().bytes) == "c85525462fdcf30a2c18d6f4b92923000974355c2477f59594d2c205a1d25add");
  CHECK(empty_digest().to_hex() == "dd5ad2a105c2d29495f577245c357409002329b9f4d6182c0af3dc2f462555c8");
}

TEST_CASE("serialization matches Bitcoin Core and round-trips") {
  MuHash3072 h = from_int(1);
  h *= from_int(2);
  auto bytes = h.serialize();
  std::string expected = std::string(kCoreProduct) + "01" + std::string(2 * (Num3072::kBytes - 1), '0');
  CHECK(util::to_hex(bytes) == expected);

  MuHash3072 back = MuHash3072::deserialize(bytes);
  CHECK(back.finalize() == h.finalize());
}

TEST_CASE("a serialized numerator above the modulus is reduced (Core's overflow vector)") {
  std::array<std::uint8_t, MuHash3072::kSerializedSize> bytes{};
  std::fill(bytes.begin(), bytes.begin() + Num3072::kBytes, 0xff); // numerator 2^3072 - 1
  bytes[Num3072::kBytes] = 1;                                      // denominator 1
  MuHash3072 h = MuHash3072::deserialize(bytes);
  // Core compares HexStr of the raw digest here, not a uint256 literal.
  CHECK(util::to_hex(h.finalize().bytes) == "3a31e6903aff0de9f62f9a9f7f8b861de76ce2cda09822b90014319ae5dc2271");
  // Serializing again writes the reduced value 2^3072 - 1 - p = gap - 1.
  auto again = h.serialize();
  CHECK(std::equal(again.begin(), again.begin() + Num3072::kBytes, small(kGap - 1).begin()));
}

TEST_CASE("insert then remove returns to the empty set, in either order") {
  const std::string a = "outpoint a", b = "outpoint b";
  auto span = [](const std::string& s) { return ByteSpan(reinterpret_cast<const std::uint8_t*>(s.data()), s.size()); };
  MuHash3072 h;
  h.insert(span(a)).insert(span(b)).remove(span(a)).remove(span(b));
  CHECK(h.finalize() == empty_digest());

  MuHash3072 early;
  early.remove(span(a));
  CHECK(early.finalize() != empty_digest());
  early.insert(span(a));
  CHECK(early.finalize() == empty_digest());

  // Empty data is an element like any other.
  MuHash3072 e;
  e.insert({});
  CHECK(e.finalize() != empty_digest());
  e.remove({});
  CHECK(e.finalize() == empty_digest());
}

TEST_CASE("the digest does not depend on the order of operations") {
  // +0 +1 -2 +3 +1 in every one of their 60 distinct orders.
  struct Op {
    bool insert;
    std::uint8_t value;
    auto operator<=>(const Op&) const = default;
  };
  std::vector<Op> ops = {{true, 0}, {true, 1}, {false, 2}, {true, 3}, {true, 1}};
  std::sort(ops.begin(), ops.end());
  std::optional<Hash256> first;
  int orders = 0;
  do {
    MuHash3072 h;
    for (const Op& op : ops) {
      if (op.insert) h.insert(element(op.value));
      else h.remove(element(op.value));
    }
    Hash256 d = h.finalize();
    if (!first) first = d;
    CHECK(d == *first);
    ++orders;
  } while (std::next_permutation(ops.begin(), ops.end()));
  CHECK(orders == 60);
}

TEST_CASE("combining and dividing sets") {
  // Core's identity: z = X * Y, y = Y * X, z / y is the empty set.
  for (std::uint8_t i = 0; i < 4; ++i) {
    MuHash3072 x = from_int(i);
    MuHash3072 y = from_int(static_cast<std::uint8_t>(i + 7));
    MuHash3072 z;
    z *= x;
    z *= y;
    y *= x;
    z /= y;
    CHECK(z.finalize() == empty_digest());
  }

  // Two halves hashed apart (as two threads would) combine to the whole.
  MuHash3072 whole, left, right;
  for (std::uint8_t i = 0; i < 20; ++i) {
    whole.insert(element(i));
    (i % 2 == 0 ? left : right).insert(element(i));
  }
  whole.remove(element(3));
  right.remove(element(3));
  MuHash3072 combined = left;
  combined *= right;
  CHECK(combined.finalize() == whole.finalize());

  // Dividing out a subset leaves the rest; dividing a set by itself leaves nothing.
  MuHash3072 rest = whole;
  rest /= left;
  CHECK(rest.finalize() == right.finalize());
  MuHash3072 self = whole;
  self /= whole;
  CHECK(self.finalize() == empty_digest());
}

TEST_CASE("finalize keeps the set: repeated calls agree and later changes apply") {
  MuHash3072 h;
  h.insert(element(5)).remove(element(6));
  Hash256 first = h.finalize();
  CHECK(h.finalize() == first);
  h.insert(element(6)).remove(element(5));
  CHECK(h.finalize() == empty_digest());
}

TEST_CASE("Num3072 reduces values at and above the modulus") {
  NumBytes p = top_minus(kGap);
  CHECK(num(p).to_bytes() == small(0));
  CHECK(num(p) == num(small(0)));
  CHECK(num(top_minus(kGap - 1)).to_bytes() == small(1));          // p + 1
  CHECK(num(top_minus(1)).to_bytes() == small(kGap - 1));          // 2^3072 - 1
  CHECK(num(top_minus(kGap + 1)).to_bytes() == top_minus(kGap + 1)); // p - 1 is already reduced
  CHECK(num(top_minus(1)) == num(small(kGap - 1)));
  CHECK(!(num(top_minus(kGap + 1)) == num(small(0))));
}

TEST_CASE("Num3072 multiplication wraps at 2^3072 correctly") {
  NumBytes p_minus_1 = top_minus(kGap + 1);
  CHECK(product(p_minus_1, p_minus_1) == small(1));          // (-1)^2
  CHECK(product(p_minus_1, small(2)) == top_minus(kGap + 2)); // -2
  // (2^3072 - 1)^2 ≡ (gap - 1)^2: exercises the second fold of the reduction.
  CHECK(product(top_minus(1), top_minus(1)) == small((kGap - 1) * (kGap - 1)));
  // 2^3071 * 2 = 2^3072 ≡ gap.
  NumBytes half{};
  half[Num3072::kBytes - 1] = 0x80;
  CHECK(product(half, small(2)) == small(kGap));
  CHECK(product(top_minus(kGap), small(12345)) == small(0)); // p ≡ 0
  CHECK(product(small(0xffffffffffffffff), small(2)) == [] {
    NumBytes b = small(0xfffffffffffffffe);
    b[8] = 1;
    return b;
  }());
}

TEST_CASE("Num3072 inverse and division") {
  // 1/2 = (p + 1) / 2 = 2^3071 - 551858.
  NumBytes half_of_p_plus_1 = top_minus(551858);
  half_of_p_plus_1[Num3072::kBytes - 1] = 0x7f;
  CHECK(num(small(2)).inverse().to_bytes() == half_of_p_plus_1);
  CHECK(num(top_minus(kGap + 1)).inverse().to_bytes() == top_minus(kGap + 1)); // 1/(-1) = -1
  CHECK(num(small(1)).inverse().to_bytes() == small(1));
  CHECK(num(small(0)).inverse().to_bytes() == small(0)); // no inverse: zero, by definition here
  CHECK(num(top_minus(kGap)).inverse().to_bytes() == small(0));

  // x * (1/x) = 1 for hash-derived values and for an unreduced one.
  for (std::uint8_t i = 0; i < 3; ++i) {
    Num3072 x = MuHash3072::to_num3072(element(i));
    Num3072 y = x;
    y.multiply(x.inverse());
    CHECK(y.to_bytes() == small(1));
  }
  Num3072 big = num(top_minus(1));
  Num3072 q = num(small(kGap - 1));
  q.divide(big);
  CHECK(q.to_bytes() == small(1));
}
