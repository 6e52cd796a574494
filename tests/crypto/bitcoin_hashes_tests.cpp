#include <doctest/doctest.h>

#include <string>
#include <thread>
#include <vector>

#include "crypto/hash160.hpp"
#include "crypto/ripemd160.hpp"
#include "crypto/sha1.hpp"
#include "crypto/tagged_hash.hpp"
#include "util/hex.hpp"

using namespace peregrine;

namespace {

ByteSpan text(const std::string& s) {
  return ByteSpan(reinterpret_cast<const std::uint8_t*>(s.data()), s.size());
}

} // namespace

TEST_CASE("RIPEMD-160 matches its authors' test vectors") {
  CHECK(util::to_hex(crypto::ripemd160(text(""))) == "9c1185a5c5e9fc54612808977ee8f548b2258d31");
  CHECK(util::to_hex(crypto::ripemd160(text("abc"))) == "8eb208f7e05d987a9b044a8e98c6b087f15a0bfc");
  CHECK(util::to_hex(crypto::ripemd160(text("message digest"))) ==
        "5d0689ef49d2fae572b881b123a85ffa21595f36");
  CHECK(util::to_hex(crypto::ripemd160(text(std::string(1'000'000, 'a')))) ==
        "52783243c1697bdbe16d37f97f68f08325dc1528");
}

TEST_CASE("SHA-1 matches the FIPS 180 examples") {
  CHECK(util::to_hex(crypto::sha1(text(""))) == "da39a3ee5e6b4b0d3255bfef95601890afd80709");
  CHECK(util::to_hex(crypto::sha1(text("abc"))) == "a9993e364706816aba3e25717850c26c9cd0d89d");
  CHECK(util::to_hex(
            crypto::sha1(text("abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq"))) ==
        "84983e441c3bd26ebaae4aa1f95129e5e54670f1");
}

TEST_CASE("HASH160 of the generator's compressed key is the well-known 751e76e8...") {
  auto key = util::from_hex("0279be667ef9dcbbac55a06295ce870b07029bfcdb2dce28d959f2815b16f81798");
  REQUIRE(key.has_value());
  CHECK(util::to_hex(crypto::hash160(*key)) == "751e76e8199196d454941c45d1b3a323f1433bd6");
}

TEST_CASE("tagged hashes: a BIP341 leaf hash, and incremental writes equal one-shot") {
  // TapLeaf(0xc0 || compact size 0x22 || script), from bip341_wallet_vectors.json.
  auto data =
      util::from_hex("c022"
                     "20b617298552a72ade070667e86ca63b8f5789a9fe8731ef91202a91c9f3459007ac");
  REQUIRE(data.has_value());
  CHECK(util::to_hex(crypto::tagged_hash("TapLeaf", *data)) ==
        "c525714a7f49c28aedbbba78c005931a81c234b2f6c99a73e4d06082adc8bf2b");
  crypto::TaggedHasher h(crypto::tag_digest("TapLeaf"));
  h.write(ByteSpan(*data).first(5)).write(ByteSpan(*data).subspan(5));
  CHECK(h.finalize() == crypto::tagged_hash("TapLeaf", *data));
  CHECK(crypto::tagged_hash("TapBranch", *data) != crypto::tagged_hash("TapLeaf", *data));
}

TEST_CASE("the one-shot digests are safe to call from many threads at once") {
  const auto expected = crypto::hash160(text("peregrine"));
  std::vector<std::thread> threads;
  std::vector<int> ok(4, 0);
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&, t] {
      for (int i = 0; i < 2000; ++i) ok[t] += crypto::hash160(text("peregrine")) == expected;
    });
  }
  for (auto& t : threads) t.join();
  for (int n : ok) CHECK(n == 2000);
}
