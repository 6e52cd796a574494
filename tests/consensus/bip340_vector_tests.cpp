// BIP340's test vectors (bip340_test_vectors.csv): each signature verifies or not as listed,
// including keys off the curve, out-of-range r and s, and messages of other lengths than 32.
#include <doctest/doctest.h>

#include <fmt/format.h>

#include <sstream>
#include <string>
#include <vector>

#include "consensus/script/ecc.hpp"
#include "test_data.hpp"
#include "util/hex.hpp"

using namespace peregrine;

namespace {

std::vector<std::string> split(const std::string& line) {
  std::vector<std::string> fields;
  std::stringstream in(line);
  std::string field;
  while (std::getline(in, field, ',')) fields.push_back(field);
  if (!line.empty() && line.back() == ',') fields.emplace_back();
  return fields;
}

} // namespace

TEST_CASE("bip340_test_vectors.csv: verification results") {
  Bytes raw = test::load_shared("core-vectors/bip340_test_vectors.csv");
  std::stringstream in(std::string(raw.begin(), raw.end()));
  std::string line;
  std::getline(in, line); // header
  int rows = 0;
  while (std::getline(in, line)) {
    if (!line.empty() && line.back() == '\r') line.pop_back();
    if (line.empty()) continue;
    auto f = split(line);
    REQUIRE(f.size() >= 7);
    ++rows;
    SUBCASE(fmt::format("vector {}: {} {}", f[0], f[6], f.size() > 7 ? f[7] : "").c_str()) {
      auto pubkey = util::from_hex(f[2]);
      auto message = util::from_hex(f[4]);
      auto sig = util::from_hex(f[5]);
      REQUIRE((pubkey && message && sig));
      CHECK(consensus::verify_schnorr(*sig, *message, *pubkey) == (f[6] == "TRUE"));
      if (f[6] == "TRUE") { // and only that message, that key
        Bytes other = *message;
        other.push_back(0);
        CHECK_FALSE(consensus::verify_schnorr(*sig, other, *pubkey));
      }
    }
  }
  CHECK(rows == 19);
}
