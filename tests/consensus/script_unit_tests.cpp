// The interpreter's building blocks: script numbers, error and flag names, push encodings,
// FindAndDelete, DER rules (strict and lax), truth, and limits the vectors touch only lightly.
#include <doctest/doctest.h>

#include <cstring>
#include <set>

#include "consensus/script/ecc.hpp"
#include "consensus/script/interpreter.hpp"
#include "consensus/script/opcodes.hpp"
#include "consensus/script/script_error.hpp"
#include "consensus/script/script_flags.hpp"
#include "consensus/script/script_num.hpp"
#include "consensus/script/script_pattern.hpp"
#include "consensus/script/signature_encoding.hpp"
#include "consensus/script/stack.hpp"
#include "consensus/script/verify_script.hpp"
#include "test_data.hpp"
#include "test_signer.hpp"
#include "util/hex.hpp"

using namespace peregrine;
using namespace peregrine::consensus;

namespace {

Bytes hex(std::string_view h) { return *util::from_hex(h); }

ScriptError eval(const Bytes& script, SigVersion version = SigVersion::base,
                 ScriptFlags flags = verify::none) {
  Stack stack;
  ExecutionData execdata;
  SignatureChecker no_signatures;
  auto r = eval_script(stack, script, flags, no_signatures, version, execdata);
  return r ? ScriptError::ok : r.error();
}

} // namespace

TEST_CASE("script numbers: encodings, limits and minimality") {
  struct Case {
    std::int64_t value;
    const char* hex;
  };
  const Case cases[] = {{0, ""},
                        {1, "01"},
                        {-1, "81"},
                        {127, "7f"},
                        {128, "8000"},
                        {-128, "8080"},
                        {255, "ff00"},
                        {256, "0001"},
                        {-255, "ff80"},
                        {32767, "ff7f"},
                        {2147483647, "ffffff7f"},
                        {-2147483647, "ffffffff"},
                        {2147483648LL, "0000008000"},
                        {549755813887LL, "ffffffff7f"}};
  for (const Case& c : cases) {
    CAPTURE(c.value);
    CHECK(util::to_hex(encode_script_num(c.value).span()) == c.hex);
    auto decoded = decode_script_num(hex(c.hex), true, 5);
    REQUIRE(decoded.has_value());
    CHECK(*decoded == c.value);
  }
  CHECK(util::to_hex(encode_script_num(INT64_MIN).span()) == "000000000000008080");
  CHECK(decode_script_num(hex("0000008000"), false).error() ==
        ScriptError::scriptnum); // 5 > 4 bytes
  // Non-minimal forms decode without MINIMALDATA and fail with it.
  for (const char* h : {"00", "80", "0000", "0080", "0100", "ff0080"}) {
    CAPTURE(h);
    CHECK(decode_script_num(hex(h), false).has_value());
    CHECK(decode_script_num(hex(h), true).error() == ScriptError::scriptnum);
  }
  CHECK(*decode_script_num(hex("80"), false) == 0); // negative zero
  CHECK(*decode_script_num(hex("0080"), false) == 0);
  CHECK(script_num_to_int(5'000'000'000LL) == INT32_MAX);
}

TEST_CASE("error names map one to one, and cover every name in script_tests.json") {
  std::set<std::string> seen;
  for (std::size_t i = 0; i < kScriptErrorCount; ++i) {
    auto e = static_cast<ScriptError>(i);
    std::string name(to_string(e));
    CHECK(seen.insert(name).second);
    CHECK(parse_script_error(name) == e);
  }
  CHECK_FALSE(parse_script_error("NO_SUCH_ERROR").has_value());
  {
    auto doc = test::load_shared_json("core-vectors/script_tests.json");
    for (const auto& t : *doc.as_array()) {
      const auto& a = *t.as_array();
      if (a.size() < 4) continue;
      const std::size_t at = a[0].is_array() ? 4 : 3;
      CHECK_MESSAGE(parse_script_error(*a[at].as_string()).has_value(), *a[at].as_string());
    }
  }
}

TEST_CASE("flag names: parsing, formatting and the combinations Core refuses") {
  auto f = parse_script_flags("P2SH,WITNESS,TAPROOT");
  REQUIRE(f.has_value());
  CHECK(*f == (verify::p2sh | verify::witness | verify::taproot));
  CHECK(format_script_flags(*f) == "P2SH,WITNESS,TAPROOT");
  CHECK(*parse_script_flags("NONE") == verify::none);
  CHECK(*parse_script_flags("") == verify::none);
  CHECK(format_script_flags(0) == "NONE");
  CHECK(*parse_script_flags(format_script_flags(verify::all)) == verify::all);
  CHECK(parse_script_flags("P2SH,BOGUS").error().find("BOGUS") != std::string::npos);
  CHECK(is_valid_flag_combination(verify::p2sh | verify::witness | verify::cleanstack));
  CHECK_FALSE(is_valid_flag_combination(verify::witness));
  CHECK_FALSE(is_valid_flag_combination(verify::p2sh | verify::cleanstack));
  // verify_script reports, rather than asserts on, a refused combination.
  SignatureChecker none;
  CHECK(verify_script({}, Bytes{OP_1}, {}, verify::witness, none).error() ==
        ScriptError::invalid_flags);
}

TEST_CASE("push encodings, minimal pushes and the P2SH/witness templates") {
  Bytes out;
  encode_push(Bytes(75, 1), out);
  CHECK(out.size() == 76);
  CHECK(out[0] == 75);
  out.clear();
  encode_push(Bytes(76, 1), out);
  CHECK((out[0] == OP_PUSHDATA1 && out[1] == 76));
  out.clear();
  encode_push(Bytes(256, 1), out);
  CHECK((out[0] == OP_PUSHDATA2 && out[1] == 0 && out[2] == 1));
  CHECK(is_minimal_push({OP_0, {}}));
  const Bytes five = {5}, big = Bytes(76, 0);
  CHECK_FALSE(is_minimal_push({1, five})); // OP_5 instead
  CHECK_FALSE(is_minimal_push({OP_PUSHDATA1, Bytes(10, 0)}));
  CHECK(is_minimal_push({OP_PUSHDATA1, big}));
  CHECK(witness_program(hex("0014" + std::string(40, 'a')))->version == 0);
  CHECK(witness_program(hex("6002abcd"))->version == 16);
  CHECK_FALSE(witness_program(hex("0001ab")).has_value());   // 3 bytes: too short
  CHECK_FALSE(witness_program(hex("4f02abcd")).has_value()); // OP_1NEGATE is no version
  CHECK(is_push_only(hex("00510150")));                      // OP_0 OP_1 push(0x50)
  CHECK(is_push_only(hex("50")));                            // OP_RESERVED counts as a push here
  CHECK_FALSE(is_push_only(hex("61")));                      // OP_NOP
  CHECK_FALSE(is_push_only(hex("4c")));                      // truncated
}

TEST_CASE("FindAndDelete: instruction boundaries, repeats, and truncated tails") {
  struct Case {
    const char* script;
    const char* pattern;
    const char* result;
    std::size_t found;
  };
  const Case cases[] = {
      {"0302ff030302ff03", "0302ff03", "", 2},           // back to back
      {"0302ff030302ff03", "02", "0302ff030302ff03", 0}, // inside a push: not a boundary
      {"02feed5169", "feed51", "02feed5169", 0},
      {"02feed5169", "02feed51", "69", 1},
      {"516902feed5169", "feed51", "516902feed5169", 0},
      {"516902feed5169", "02feed51", "516969", 1},
      {"516902feed5102feed5109", "02feed51", "516909", 2},
      {"00", "00", "", 1}, // an empty signature pattern is OP_0
      {"0003feed", "03feed", "00", 1},
      {"0003feed", "00", "03feed", 1},
      {"ab4c05ab", "ab", "4c05ab", 1}, // the truncated push stops the walk
  };
  for (const Case& c : cases) {
    CAPTURE(c.script);
    CAPTURE(c.pattern);
    Bytes script = hex(c.script);
    CHECK(contains_at_boundary(script, hex(c.pattern)) == (c.found > 0));
    CHECK(find_and_delete(script, hex(c.pattern)) == c.found);
    CHECK(util::to_hex(script) == c.result);
  }
}

TEST_CASE("DER: BIP66 strict encoding and Bitcoin's lax parser") {
  // A real signature from block 367,891 (R 33 bytes, S 32 bytes, SIGHASH_ALL).
  const Bytes sig = hex("3045022100947f8b55531ac1549b700c4f92853d20318182fd11b151664a5f00bb084014c0"
                        "02207a7bad0e101a18471b77f0dc405fa4f6440473fa8e7d82a8dce92c60aa7b969f01");
  CHECK(is_strict_der_signature(sig));
  secp256k1_ecdsa_signature parsed, lax;
  REQUIRE(parse_der_lax(ByteSpan(sig).first(sig.size() - 1), parsed));
  // Violations the lax parser accepts: long-form lengths, extra padding, trailing bytes.
  const Bytes variants[] = {
      hex("3081460282002100947f8b55531ac1549b700c4f92853d20318182fd11b151664a5f00bb084014c0"
          "02207a7bad0e101a18471b77f0dc405fa4f6440473fa8e7d82a8dce92c60aa7b969f"),
      hex("304602220000947f8b55531ac1549b700c4f92853d20318182fd11b151664a5f00bb084014c0"
          "02207a7bad0e101a18471b77f0dc405fa4f6440473fa8e7d82a8dce92c60aa7b969f"),
      hex("3000022100947f8b55531ac1549b700c4f92853d20318182fd11b151664a5f00bb084014c0"
          "02207a7bad0e101a18471b77f0dc405fa4f6440473fa8e7d82a8dce92c60aa7b969fdeadbeef"),
  };
  for (const Bytes& v : variants) {
    CAPTURE(util::to_hex(v));
    REQUIRE(parse_der_lax(v, lax));
    CHECK(std::memcmp(&lax, &parsed, sizeof lax) == 0);
    Bytes with_type = v;
    with_type.push_back(1);
    CHECK_FALSE(is_strict_der_signature(with_type));
  }
  CHECK_FALSE(parse_der_lax(hex("31"), lax));
  CHECK_FALSE(parse_der_lax(hex("3006020101020201"), lax)); // S runs past the end
  CHECK_FALSE(parse_der_lax({}, lax));
  // Strict rules, one at a time.
  CHECK(is_strict_der_signature(hex("300602010002010101"))); // R = 0 is well-formed
  CHECK(is_strict_der_signature(hex("300602010102010101")));
  CHECK_FALSE(is_strict_der_signature(hex("300602018102010101")));   // negative R
  CHECK_FALSE(is_strict_der_signature(hex("30070202000102010101"))); // padded R
  CHECK_FALSE(is_strict_der_signature(hex("300602000102010101")));   // zero-length R
  CHECK_FALSE(is_strict_der_signature(hex("300702010102010101")));   // wrong total length
  CHECK(is_defined_hashtype_signature(hex("3006020101020101"
                                          "81")));
  CHECK_FALSE(is_defined_hashtype_signature(hex("3006020101020101"
                                                "84")));
}

TEST_CASE("cast_to_bool: zero, negative zero and everything else") {
  CHECK_FALSE(cast_to_bool({}));
  CHECK_FALSE(cast_to_bool(hex("00")));
  CHECK_FALSE(cast_to_bool(hex("0000")));
  CHECK_FALSE(cast_to_bool(hex("80")));
  CHECK_FALSE(cast_to_bool(hex("000080")));
  CHECK(cast_to_bool(hex("01")));
  CHECK(cast_to_bool(hex("8000")));
  CHECK(cast_to_bool(hex("0001")));
}

TEST_CASE("NOP2 and NOP3 before their soft forks: plain NOPs, even when NOPs are discouraged") {
  // Core dropped the DISCOURAGE_UPGRADABLE_NOPS check for them so that turning CLTV or CSV on can
  // never make a failing script pass (every flag only restricts).
  const ScriptFlags discourage = verify::discourage_upgradable_nops;
  CHECK(eval({OP_1, OP_CHECKLOCKTIMEVERIFY}, SigVersion::base, discourage) == ScriptError::ok);
  CHECK(eval({OP_1, OP_CHECKSEQUENCEVERIFY}, SigVersion::base, discourage) == ScriptError::ok);
  CHECK(eval({OP_1, OP_NOP4}, SigVersion::base, discourage) == ScriptError::discourage_upgradable_nops);
  CHECK(eval({OP_CHECKLOCKTIMEVERIFY}, SigVersion::base, verify::checklocktimeverify) ==
        ScriptError::invalid_stack_operation);
  CHECK(eval({OP_1NEGATE, OP_CHECKLOCKTIMEVERIFY}, SigVersion::base, verify::checklocktimeverify) ==
        ScriptError::negative_locktime);
  // Outside a transaction no lock time can be satisfied; a set disable bit skips CSV entirely.
  CHECK(eval({OP_1, OP_CHECKSEQUENCEVERIFY}, SigVersion::base, verify::checksequenceverify) ==
        ScriptError::unsatisfied_locktime);
  CHECK(eval({0x05, 0x00, 0x00, 0x00, 0x80, 0x00, OP_CHECKSEQUENCEVERIFY}, SigVersion::base,
             verify::checksequenceverify) == ScriptError::ok);
}

TEST_CASE("interpreter limits: 1,000 stack items across both stacks, 201 opcodes, nesting") {
  Bytes fill(999, OP_1);
  CHECK(eval(fill) == ScriptError::ok);
  Bytes over = fill;
  over.push_back(OP_1);
  over.push_back(OP_1);
  CHECK(eval(over) == ScriptError::stack_size);
  Bytes alt = fill;
  alt.push_back(OP_TOALTSTACK); // moving items does not free room
  alt.push_back(OP_1);
  alt.push_back(OP_1);
  CHECK(eval(alt) == ScriptError::stack_size);
  Bytes ops(201, OP_NOP);
  CHECK(eval(ops) == ScriptError::ok);
  ops.push_back(OP_NOP);
  CHECK(eval(ops) == ScriptError::op_count);
  CHECK(eval(ops, SigVersion::tapscript) == ScriptError::ok);
  // Unexecuted branches still count opcodes and reject disabled ones.
  CHECK(eval({OP_0, OP_IF, OP_CAT, OP_ENDIF}) == ScriptError::disabled_opcode);
  CHECK(eval({OP_0, OP_IF, OP_VER, OP_ENDIF, OP_1}) == ScriptError::ok);
  CHECK(eval({OP_0, OP_IF, OP_VERIF, OP_ENDIF, OP_1}) == ScriptError::bad_opcode);
  CHECK(eval({OP_1, OP_IF, OP_0, OP_ELSE, OP_1, OP_ELSE, OP_0, OP_ENDIF}) == ScriptError::ok);
  CHECK(eval({OP_1, OP_IF, OP_ELSE, OP_ELSE, OP_RETURN, OP_ENDIF, OP_1}) == ScriptError::op_return);
  CHECK(eval({OP_0, OP_IF, OP_1, OP_IF, OP_RETURN, OP_ELSE, OP_RETURN, OP_ENDIF, OP_ENDIF, OP_1}) ==
        ScriptError::ok);
  CHECK(eval({OP_ENDIF}) == ScriptError::unbalanced_conditional);
  CHECK(eval({OP_1, OP_IF}) == ScriptError::unbalanced_conditional);
  // A 10,000-byte script is the limit for legacy and v0, not tapscript.
  Bytes big(10'001, OP_NOP);
  CHECK(eval(big) == ScriptError::script_size);
  CHECK(eval(big, SigVersion::witness_v0) == ScriptError::script_size);
  CHECK(eval(Bytes(520, 0x00)) == ScriptError::ok);
}
