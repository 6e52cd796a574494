#include <doctest/doctest.h>

#include <string>

#include "consensus/script/txout_type.hpp"
#include "util/hex.hpp"

using namespace peregrine;
using namespace peregrine::consensus;

namespace {

std::string type_of(const std::string& hex) {
  return std::string(txout_type_name(solve(*util::from_hex(hex)).type));
}

const std::string kKey33 = "034f355bdcb7cc0af728ef3cceb9615d90684bb5b2ca5f859ab0f0b704075871aa";
const std::string kKey65 =
    "04ae1a62fe09c5f51b13905f07f06b99a2f7159b2225f374cd378d71302fa28414e7aab37397f554a7df5f142c2"
    "1c1b7303b8a0626f1baded5c72a704f7e6cd84c";

} // namespace

TEST_CASE("each standard template gets Core's type name") {
  CHECK(type_of("21" + kKey33 + "ac") == "pubkey");
  CHECK(type_of("41" + kKey65 + "ac") == "pubkey");
  CHECK(type_of("76a914751e76e8199196d454941c45d1b3a323f1433bd688ac") == "pubkeyhash");
  CHECK(type_of("a914373b819a068f32b7a6b38b6b38729647cfde01c287") == "scripthash");
  CHECK(type_of("5121" + kKey33 + "51ae") == "multisig");
  CHECK(type_of("6a") == "nulldata");
  CHECK(type_of("6a0401020304") == "nulldata");
  CHECK(type_of("0014751e76e8199196d454941c45d1b3a323f1433bd6") == "witness_v0_keyhash");
  CHECK(type_of("0020" + std::string(64, '1')) == "witness_v0_scripthash");
  CHECK(type_of("5120" + std::string(64, '1')) == "witness_v1_taproot");
  CHECK(type_of("51024e73") == "anchor");
  CHECK(type_of("5210751e76e8199196d454941c45d1b3a323") == "witness_unknown");
  CHECK(type_of("6002751e") == "witness_unknown");
  CHECK(type_of("") == "nonstandard");
  CHECK(type_of("51") == "nonstandard");
}

TEST_CASE("Core's edge cases of the templates") {
  // A v0 program of a size other than 20 or 32 is nonstandard, not witness_unknown.
  CHECK(type_of("0015751e76e8199196d454941c45d1b3a323f1433bdaaa") == "nonstandard");
  // A v1 program of 32 bytes is taproot; of other sizes unknown (the anchor aside).
  CHECK(type_of("5103010203") == "witness_unknown");
  // P2PK needs a key length matching its first byte: 06/07 hybrid keys count, 05 does not.
  CHECK(type_of("41" + std::string("06") + kKey65.substr(2) + "ac") == "pubkey");
  CHECK(type_of("41" + std::string("05") + kKey65.substr(2) + "ac") == "nonstandard");
  CHECK(type_of("21" + std::string("04") + kKey33.substr(2) + "ac") == "nonstandard");
  // OP_RETURN followed by anything but pushes is nonstandard.
  CHECK(type_of("6a51") == "nulldata"); // OP_1 is a push
  CHECK(type_of("6a61") == "nonstandard");
  CHECK(type_of("6a05010203") == "nonstandard"); // truncated push
}

TEST_CASE("multisig counts follow Core's MatchMultisig") {
  const std::string keys3 = "21" + kKey33 + "21" + kKey33 + "21" + kKey33;
  CHECK(type_of("52" + keys3 + "53ae") == "multisig");
  CHECK(type_of("54" + keys3 + "53ae") == "nonstandard"); // m > n
  CHECK(type_of("52" + keys3 + "52ae") == "nonstandard"); // n does not match the keys
  CHECK(type_of("00" + keys3 + "53ae") == "nonstandard"); // m = 0
  CHECK(type_of("52" + keys3 + "53aeae") == "nonstandard");
  CHECK(type_of("52" + keys3 + "53af") == "nonstandard"); // CHECKMULTISIGVERIFY
  // 17 keys: n is a minimal push of 17, allowed up to 20.
  std::string keys17;
  for (int i = 0; i < 17; ++i) keys17 += "21" + kKey33;
  CHECK(type_of("51" + keys17 + "0111ae") == "multisig");
  CHECK(type_of("51" + keys17 + "020011ae") == "nonstandard"); // not minimal
  // A small count pushed as data instead of OP_n is not minimal.
  CHECK(type_of("0101" + std::string("21") + kKey33 + "51ae") == "nonstandard");

  SolvedScript solved = solve(*util::from_hex("52" + keys3 + "53ae"));
  CHECK(solved.required_sigs == 2);
  CHECK(solved.data.size() == 3);
}
