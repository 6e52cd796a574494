#include <doctest/doctest.h>

#include "crypto/sha256.hpp"
#include "wire/merkle.hpp"

using namespace peregrine;
using namespace peregrine::wire;

namespace {

Hash256 leaf(std::uint8_t n) {
  Hash256 h;
  h.bytes[0] = n;
  h.bytes[31] = static_cast<std::uint8_t>(n * 7);
  return h;
}

} // namespace

TEST_CASE("merkle root of one leaf is the leaf; of none is zero") {
  CHECK(merkle_root({leaf(1)}).root == leaf(1));
  CHECK(merkle_root({}).root.is_zero());
}

TEST_CASE("merkle root pairs leaves and duplicates an odd last node") {
  Hash256 ab = crypto::sha256d_pair(leaf(1), leaf(2));
  Hash256 cc = crypto::sha256d_pair(leaf(3), leaf(3));
  auto three = merkle_root({leaf(1), leaf(2), leaf(3)});
  CHECK(three.root == crypto::sha256d_pair(ab, cc));
  CHECK_FALSE(three.mutated);
}

TEST_CASE("CVE-2012-2459: a duplicated tail gives the same root and is flagged") {
  // [1,2,3] and [1,2,3,3] share a root; only the second pairs equal siblings on purpose.
  auto honest = merkle_root({leaf(1), leaf(2), leaf(3)});
  auto mutated = merkle_root({leaf(1), leaf(2), leaf(3), leaf(3)});
  CHECK(mutated.root == honest.root);
  CHECK(mutated.mutated);

  // Duplicated subtree higher up: [1..6] versus [1..6,5,6].
  auto six = merkle_root({leaf(1), leaf(2), leaf(3), leaf(4), leaf(5), leaf(6)});
  auto eight = merkle_root({leaf(1), leaf(2), leaf(3), leaf(4), leaf(5), leaf(6), leaf(5), leaf(6)});
  CHECK(six.root == eight.root);
  CHECK_FALSE(six.mutated);
  CHECK(eight.mutated);
}
