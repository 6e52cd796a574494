// Bitcoin Core's sighash.json: legacy signature hashes of random transactions and scripts, with
// every hash type (undefined ones included), SIGHASH_SINGLE past the last output and
// OP_CODESEPARATOR removal, each vector its own subcase.
#include <doctest/doctest.h>

#include <fmt/format.h>

#include "consensus/script/sighash.hpp"
#include "test_data.hpp"
#include "util/hex.hpp"
#include "wire/codec.hpp"

using namespace peregrine;
using namespace peregrine::consensus;
namespace json = peregrine::util::json;

TEST_CASE("sighash.json: legacy signature hashes match Bitcoin Core") {
  static const json::Value doc = test::load_shared_json("core-vectors/sighash.json");
  const auto& all = *doc.as_array();
  std::size_t count = 0;
  for (std::size_t index = 1; index < all.size(); ++index) { // the first line is the format
    const auto& t = *all[index].as_array();
    ++count;
    const std::string& expected = *t[4].as_string();
    SUBCASE(fmt::format("#{} input {} hashtype {} -> {}", index, *t[2].as_int64(), *t[3].as_int64(),
                        expected)
                .c_str()) {
      auto raw = util::from_hex(*t[0].as_string());
      REQUIRE(raw.has_value());
      auto tx = wire::from_bytes<wire::Transaction>(*raw);
      REQUIRE(tx.has_value());
      auto script = util::from_hex(*t[1].as_string());
      REQUIRE(script.has_value());
      const auto input = static_cast<std::size_t>(*t[2].as_int64());
      const auto hash_type = static_cast<std::int32_t>(*t[3].as_int64());
      CHECK(legacy_sighash(*tx, input, *script, hash_type).to_hex() == expected);
    }
  }
  CHECK(count == 500);
}
