// The RPC argument readers' answers for wrong arguments, with Bitcoin Core's codes and messages.
#include <doctest/doctest.h>

#include "node/rpc_params.hpp"

namespace peregrine::node {
namespace {

util::json::Value args(std::string_view text) { return util::json::parse(text).value(); }

} // namespace

TEST_CASE("rpc params: a block hash needs 64 hex digits, as Core's ParseHashV says") {
  const std::string good = "0f9188f13cb7b2c71f2a335e3a4fc328bf5beb436012afca590b1a11466e2206";
  auto ok = rpc::hash_arg(args("[\"" + good + "\"]"), 0, "blockhash");
  REQUIRE(ok.has_value());
  CHECK(ok->to_hex() == good);

  auto short_one = rpc::hash_arg(args(R"(["abc"])"), 0, "blockhash");
  REQUIRE(!short_one.has_value());
  CHECK(short_one.error().code == -8);
  CHECK(short_one.error().message == "blockhash must be of length 64 (not 3, for 'abc')");

  const std::string not_hex(64, 'g');
  auto bad = rpc::hash_arg(args("[\"" + not_hex + "\"]"), 0, "blockhash");
  REQUIRE(!bad.has_value());
  CHECK(bad.error().code == -8);
  CHECK(bad.error().message == "blockhash must be hexadecimal string (not '" + not_hex + "')");

  auto number = rpc::hash_arg(args("[5]"), 0, "blockhash");
  REQUIRE(!number.has_value());
  CHECK(number.error().code == -3);
  auto missing = rpc::hash_arg(args("[]"), 0, "blockhash");
  REQUIRE(!missing.has_value());
  CHECK(missing.error().code == -1);
}

TEST_CASE("rpc params: integers take their default when absent or null, and refuse other types") {
  CHECK(rpc::int_arg(args("[]"), 0, 6).value() == 6);
  CHECK(rpc::int_arg(args("[3, null]"), 1, 6).value() == 6);
  CHECK(rpc::int_arg(args("[3, 0]"), 1, 6).value() == 0);
  CHECK(rpc::int_arg(args("[-7]"), 0, 0).value() == -7);
  auto text = rpc::int_arg(args(R"(["3"])"), 0, 3);
  REQUIRE(!text.has_value());
  CHECK(text.error().code == -3);
  auto fraction = rpc::int_arg(args("[1.5]"), 0, 3);
  REQUIRE(!fraction.has_value());
  CHECK(fraction.error().code == -3);
}

} // namespace peregrine::node
