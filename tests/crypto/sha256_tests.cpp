#include <doctest/doctest.h>

#include <string>

#include "crypto/sha256.hpp"
#include "crypto/sha3.hpp"
#include "util/hex.hpp"

using namespace peregrine;

namespace {

ByteSpan text(const std::string& s) {
  return ByteSpan(reinterpret_cast<const std::uint8_t*>(s.data()), s.size());
}

} // namespace

TEST_CASE("SHA-256 matches the FIPS 180-2 examples") {
  CHECK(util::to_hex(crypto::sha256(text(""))) ==
        "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
  CHECK(util::to_hex(crypto::sha256(text("abc"))) ==
        "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
  CHECK(util::to_hex(crypto::sha256(text("abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq"))) ==
        "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1");
  CHECK(util::to_hex(crypto::sha256(text(std::string(1'000'000, 'a')))) ==
        "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0");
}

TEST_CASE("incremental hashing equals one-shot hashing, and the hasher resets") {
  std::string message(1000, '\0');
  for (std::size_t i = 0; i < message.size(); ++i) message[i] = static_cast<char>(i * 31);
  crypto::Sha256 h;
  for (std::size_t i = 0; i < message.size(); i += 7) {
    h.write(text(message.substr(i, 7)));
  }
  CHECK(h.finalize() == crypto::sha256(text(message)));
  h.write(text("abc"));
  CHECK(h.finalize() == crypto::sha256(text("abc")));
}

TEST_CASE("double SHA-256 and merkle pairs") {
  auto once = crypto::sha256(text("hello"));
  Hash256 twice = crypto::sha256d(text("hello"));
  CHECK(twice.bytes == crypto::sha256(once));
  // Bitcoin shows hashes reversed: sha256d("hello") is 9595c9df...50 in byte order.
  CHECK(util::to_hex(twice.bytes) == "9595c9df90075148eb06860365df33584b75bff782a510c6cd4883a419833d50");

  Hash256 left = crypto::sha256d(text("l"));
  Hash256 right = crypto::sha256d(text("r"));
  Bytes both(left.bytes.begin(), left.bytes.end());
  both.insert(both.end(), right.bytes.begin(), right.bytes.end());
  CHECK(crypto::sha256d_pair(left, right) == crypto::sha256d(both));
}

TEST_CASE("SHA3-256 matches the FIPS 202 examples") {
  CHECK(util::to_hex(crypto::sha3_256(text(""))) ==
        "a7ffc6f8bf1ed76651c14756a061d662f580ff4de43b49fa82d80a4b80f8434a");
  CHECK(util::to_hex(crypto::sha3_256(text("abc"))) ==
        "3a985da74fe225b2045c172d6bd390bd855f086e3e9d525b46bfe24511431532");
}
