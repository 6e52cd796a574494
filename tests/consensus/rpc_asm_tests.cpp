#include <doctest/doctest.h>

#include "consensus/chainparams.hpp"
#include "consensus/script/rpc_asm.hpp"
#include "util/hex.hpp"

using namespace peregrine;
using namespace peregrine::consensus;

namespace {

std::string asm_of(const char* hex, bool decode_sighash = false) {
  return script_to_asm(*util::from_hex(hex), decode_sighash);
}

// Block 170's signature (a strict DER signature with SIGHASH_ALL) without its hash type byte.
constexpr const char* kSig =
    "304402204e45e16932b8af514961a1d3a1a25fdf3f4f7732e9d624c6c61548ab5fb8cd410220181522ec8eca"
    "07de4860a4acdd12909d831cc56cbbac4622082221a8768d1d09";

} // namespace

TEST_CASE("the genesis coinbase scriptSig reads as Core shows it") {
  const auto& genesis = chain_params(Network::main).genesis.txs[0];
  // 04ffff001d is the 4-byte number 0x1d00ffff; 0104 the number 4; then the Times headline.
  CHECK(script_to_asm(genesis.inputs[0].script_sig) ==
        "486604799 4 5468652054696d65732030332f4a616e2f32303039204368616e63656c6c6f72206f6e2062"
        "72696e6b206f66207365636f6e64206261696c6f757420666f722062616e6b73");
}

TEST_CASE("short pushes are script numbers, small-int opcodes are bare numbers") {
  CHECK(asm_of("00") == "0");                // empty push
  CHECK(asm_of("4f") == "-1");               // OP_1NEGATE
  CHECK(asm_of("51") == "1");
  CHECK(asm_of("60") == "16");
  CHECK(asm_of("0181") == "-1");             // a pushed negative one
  CHECK(asm_of("0100") == "0");              // non-minimal zero still decodes
  CHECK(asm_of("02ff00") == "255");
  CHECK(asm_of("04ffffffff") == "-2147483647");
  CHECK(asm_of("050102030405") == "0102030405"); // five bytes: hex
  CHECK(asm_of("4c0101") == "1");            // PUSHDATA1 of one byte is still a number
  CHECK(asm_of("6a5d21020704b5e1d8e1c8eeb788a30705a02d039f3e01020680dc9afd2808c7e8430a64") ==
        "OP_RETURN 13 020704b5e1d8e1c8eeb788a30705a02d039f3e01020680dc9afd2808c7e8430a64");
}

TEST_CASE("opcodes are named as Core names them") {
  CHECK(asm_of("76a914751e76e8199196d454941c45d1b3a323f1433bd688ac") ==
        "OP_DUP OP_HASH160 751e76e8199196d454941c45d1b3a323f1433bd6 OP_EQUALVERIFY OP_CHECKSIG");
  CHECK(asm_of("b1b2ba") == "OP_CHECKLOCKTIMEVERIFY OP_CHECKSEQUENCEVERIFY OP_CHECKSIGADD");
  CHECK(asm_of("50bbff") == "OP_RESERVED OP_UNKNOWN OP_INVALIDOPCODE");
  CHECK(asm_of("") == "");
}

TEST_CASE("a push running past the end ends the text with [error]") {
  CHECK(asm_of("5105010203") == "1 [error]");
  CHECK(asm_of("4c") == "[error]");
  CHECK(asm_of("4d0100") == "[error]");
}

TEST_CASE("signatures in scriptSigs show their hash type when asked") {
  const std::string sig = kSig;
  auto push = [](const std::string& body) {
    return util::to_hex(Bytes{static_cast<std::uint8_t>(body.size() / 2)}) + body;
  };
  CHECK(asm_of(push(sig + "01").c_str(), true) == sig + "[ALL]");
  CHECK(asm_of(push(sig + "81").c_str(), true) == sig + "[ALL|ANYONECANPAY]");
  CHECK(asm_of(push(sig + "02").c_str(), true) == sig + "[NONE]");
  CHECK(asm_of(push(sig + "82").c_str(), true) == sig + "[NONE|ANYONECANPAY]");
  CHECK(asm_of(push(sig + "03").c_str(), true) == sig + "[SINGLE]");
  CHECK(asm_of(push(sig + "83").c_str(), true) == sig + "[SINGLE|ANYONECANPAY]");
  // Undefined hash type, or not asked (scriptPubKeys): the bytes as they are.
  CHECK(asm_of(push(sig + "04").c_str(), true) == sig + "04");
  CHECK(asm_of(push(sig + "01").c_str(), false) == sig + "01");
  // Not strict DER (a wrong length byte): hex.
  const std::string bad = "3045" + sig.substr(4) + "01";
  CHECK(asm_of(push(bad).c_str(), true) == bad);
  // After OP_RETURN nothing is read as a signature.
  CHECK(asm_of(("6a" + push(sig + "01")).c_str(), true) == "OP_RETURN " + sig + "01");
}
