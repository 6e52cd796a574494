// Bitcoin Core's script_tests.json: every vector, each its own subcase named by its index and
// comment, run as Core runs it (a spend of a coinbase-like output), with the expected error.
#include <doctest/doctest.h>

#include <fmt/format.h>

#include <string>
#include <vector>

#include "consensus/script/opcodes.hpp"
#include "consensus/script/precomputed_tx.hpp"
#include "consensus/script/script_error.hpp"
#include "consensus/script/script_flags.hpp"
#include "consensus/script/taproot.hpp"
#include "consensus/script/verify_script.hpp"
#include "script_asm.hpp"
#include "test_data.hpp"
#include "util/hex.hpp"

using namespace peregrine;
using namespace peregrine::consensus;
namespace json = peregrine::util::json;

namespace {

// Any valid x-only key serves as the internal key of the generated taproot outputs: the
// vectors only need the control block and the output key to agree. This is BIP341's NUMS point.
constexpr std::string_view kInternalKey =
    "50929b74c1a04954b78b4b6035e97a5e078a5a0f28ec96d547bfee9ace803ac0";

struct ScriptVector {
  std::string name;
  std::vector<Bytes> witness;
  std::int64_t amount = 0;
  Bytes script_sig;
  Bytes script_pubkey;
  ScriptFlags flags = 0;
  ScriptError expected = ScriptError::ok;
};

std::string str(const json::Value& v) { return v.is_string() ? *v.as_string() : v.dump(); }

ScriptVector read_vector(const json::Value::Array& t, std::size_t index) {
  ScriptVector v;
  std::size_t pos = 0;
  Bytes taproot_output;
  if (t[0].is_array()) {
    const auto& w = *t[0].as_array();
    REQUIRE(!w.empty());
    for (std::size_t i = 0; i + 1 < w.size(); ++i) {
      std::string element = str(w[i]);
      if (element.starts_with("#SCRIPT#")) {
        auto script = test::parse_script_asm(std::string_view(element).substr(8));
        REQUIRE_MESSAGE(script.has_value(), script.error());
        v.witness.push_back(*script);
      } else if (element == "#CONTROLBLOCK#") {
        REQUIRE(!v.witness.empty());
        Bytes internal = *util::from_hex(kInternalKey);
        Hash32 leaf = tapleaf_hash(kTaprootLeafTapscript, v.witness.back());
        auto output = taproot_output_key(internal, &leaf);
        REQUIRE(output.has_value());
        Bytes control = {
            static_cast<std::uint8_t>(kTaprootLeafTapscript | (output->second ? 1 : 0))};
        control.insert(control.end(), internal.begin(), internal.end());
        v.witness.push_back(control);
        taproot_output.assign(output->first.begin(), output->first.end());
      } else {
        auto bytes = util::from_hex(element);
        REQUIRE_MESSAGE(bytes.has_value(), "witness item is not hex: ", element);
        v.witness.push_back(*bytes);
      }
    }
    const std::string* lexeme = w.back().number_lexeme();
    REQUIRE(lexeme != nullptr);
    auto amount = test::btc_to_satoshis(*lexeme);
    REQUIRE_MESSAGE(amount.has_value(), amount.error());
    v.amount = *amount;
    pos = 1;
  }
  auto sig = test::parse_script_asm(str(t[pos]));
  REQUIRE_MESSAGE(sig.has_value(), sig.error());
  v.script_sig = *sig;
  const std::string pubkey_text = str(t[pos + 1]);
  if (pubkey_text == "0x51 0x20 #TAPROOTOUTPUT#") {
    REQUIRE(taproot_output.size() == 32);
    v.script_pubkey = {OP_1, 0x20};
    v.script_pubkey.insert(v.script_pubkey.end(), taproot_output.begin(), taproot_output.end());
  } else {
    auto pubkey = test::parse_script_asm(pubkey_text);
    REQUIRE_MESSAGE(pubkey.has_value(), pubkey.error());
    v.script_pubkey = *pubkey;
  }
  auto flags = parse_script_flags(str(t[pos + 2]));
  REQUIRE_MESSAGE(flags.has_value(), flags.error());
  v.flags = *flags;
  // As Core's harness does: CLEANSTACK is only defined together with P2SH and WITNESS.
  if (v.flags & verify::cleanstack) v.flags |= verify::p2sh | verify::witness;
  auto expected = parse_script_error(str(t[pos + 3]));
  REQUIRE_MESSAGE(expected.has_value(), "unknown error name ", str(t[pos + 3]));
  v.expected = *expected;
  std::string comment = t.size() > pos + 4 ? str(t[pos + 4]) : "";
  v.name = fmt::format("#{} {} | {} | {} | {}{}", index, str(t[pos]), pubkey_text, str(t[pos + 2]),
                       str(t[pos + 3]), comment.empty() ? "" : " (" + comment + ")");
  return v;
}

ScriptError run(const ScriptVector& v, ScriptFlags flags) {
  wire::Transaction credit = test::crediting_tx(v.script_pubkey, v.amount);
  wire::Transaction spend = test::spending_tx(credit, v.script_sig, v.witness);
  PrecomputedTx ptx(spend, credit.outputs);
  auto result = verify_input(ptx, 0, flags);
  return result ? ScriptError::ok : result.error();
}

} // namespace

TEST_CASE("script_tests.json: every vector gives Bitcoin Core's result") {
  // Read once: doctest re-enters the test case for every subcase.
  static const std::vector<ScriptVector> vectors = [] {
    json::Value doc = test::load_shared_json("core-vectors/script_tests.json");
    std::vector<ScriptVector> out;
    const auto& all = *doc.as_array();
    for (std::size_t index = 0; index < all.size(); ++index) {
      const auto& t = *all[index].as_array();
      if (t.size() > 1) out.push_back(read_vector(t, index)); // one-string lines are comments
    }
    return out;
  }();
  REQUIRE(vectors.size() == 1222);
  for (const ScriptVector& v : vectors) {
    SUBCASE(v.name.c_str()) {
      CHECK(to_string(run(v, v.flags)) == to_string(v.expected));
      // Soft-fork property: dropping a flag never breaks a valid spend, adding one never
      // repairs an invalid one (combinations Core refuses are skipped, as Core does).
      for (ScriptFlags bit = 1; bit <= verify::all; bit <<= 1) {
        const bool valid = v.expected == ScriptError::ok;
        ScriptFlags flags = valid ? (v.flags & ~bit) : (v.flags | bit);
        if (!is_valid_flag_combination(flags)) continue;
        CAPTURE(script_flag_name(bit));
        CHECK((run(v, flags) == ScriptError::ok) == valid);
      }
    }
  }
}
