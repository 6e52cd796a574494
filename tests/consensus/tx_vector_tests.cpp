// Bitcoin Core's tx_valid.json and tx_invalid.json, each transaction its own subcase.
//
// The files' own headers define the flags: in tx_valid.json they are the flags *excluded* from
// verification (every other flag applies), and each of them must be needed (adding one back
// makes the transaction fail). In tx_invalid.json they are the flags verification uses, and each
// must be needed (dropping one makes it pass); "BADTX" means CheckTransaction itself rejects it.
#include <doctest/doctest.h>

#include <fmt/format.h>

#include <string>
#include <vector>

#include "consensus/script/precomputed_tx.hpp"
#include "consensus/script/script_flags.hpp"
#include "consensus/script/verify_script.hpp"
#include "consensus/tx_check.hpp"
#include "script_asm.hpp"
#include "test_data.hpp"
#include "util/hex.hpp"
#include "wire/codec.hpp"

using namespace peregrine;
using namespace peregrine::consensus;
namespace json = peregrine::util::json;

namespace {

struct TxVector {
  std::string name;
  wire::Transaction tx;
  std::vector<wire::TxOut> spent; // by input
  std::string flags_text;
  ScriptFlags flags = 0;
};

// Core's FillFlags / TrimFlags: keep a flag set valid by adding, or removing, what it implies.
ScriptFlags fill(ScriptFlags f) {
  if (f & verify::cleanstack) f |= verify::witness;
  if (f & verify::witness) f |= verify::p2sh;
  return f;
}
ScriptFlags trim(ScriptFlags f) {
  if (!(f & verify::p2sh)) f &= ~verify::witness;
  if (!(f & verify::witness)) f &= ~verify::cleanstack;
  return f;
}

std::vector<TxVector> load(const char* file) {
  json::Value doc = test::load_shared_json(file);
  std::vector<TxVector> out;
  std::string comment;
  const auto& all = *doc.as_array();
  for (std::size_t index = 0; index < all.size(); ++index) {
    const auto& t = *all[index].as_array();
    if (t[0].is_string()) { // comments describe the vectors below them
      comment = comment.empty() || out.empty() || out.back().name.find(comment) != std::string::npos
                    ? *t[0].as_string()
                    : comment + " " + *t[0].as_string();
      continue;
    }
    TxVector v;
    auto raw = util::from_hex(*t[1].as_string());
    REQUIRE(raw.has_value());
    auto tx = wire::from_bytes<wire::Transaction>(*raw);
    REQUIRE_MESSAGE(tx.has_value(), "vector ", index, ": ", tx.error().message());
    v.tx = std::move(*tx);
    std::vector<std::pair<wire::OutPoint, wire::TxOut>> prevouts;
    for (const auto& p : *t[0].as_array()) {
      const auto& a = *p.as_array();
      wire::OutPoint point;
      point.txid = *Hash256::from_hex(*a[0].as_string());
      point.index = static_cast<std::uint32_t>(*a[1].as_int64());
      auto script = test::parse_script_asm(*a[2].as_string());
      REQUIRE_MESSAGE(script.has_value(), script.error());
      wire::TxOut out{a.size() >= 4 ? *a[3].as_int64() : 0, *script};
      prevouts.emplace_back(point, out);
    }
    for (const auto& in : v.tx.inputs) {
      auto it = std::find_if(prevouts.begin(), prevouts.end(),
                             [&](const auto& p) { return p.first == in.prevout; });
      REQUIRE_MESSAGE(it != prevouts.end(), "vector ", index, " lacks a prevout");
      v.spent.push_back(it->second);
    }
    v.flags_text = *t[2].as_string();
    if (v.flags_text != "BADTX") {
      auto flags = parse_script_flags(v.flags_text);
      REQUIRE_MESSAGE(flags.has_value(), flags.error());
      v.flags = *flags;
    }
    v.name = fmt::format("#{} [{}] {}", index, v.flags_text, comment);
    out.push_back(std::move(v));
  }
  return out;
}

// Whether every input verifies under the flags (Core stops at the first failure).
bool scripts_valid(const TxVector& v, ScriptFlags flags) {
  PrecomputedTx ptx(v.tx, v.spent);
  for (std::size_t i = 0; i < v.tx.inputs.size(); ++i)
    if (!verify_input(ptx, i, flags)) return false;
  return true;
}

} // namespace

TEST_CASE("tx_valid.json: valid with all flags but the excluded ones, and each exclusion needed") {
  static const std::vector<TxVector> vectors = load("core-vectors/tx_valid.json");
  REQUIRE(vectors.size() == 121);
  for (const TxVector& v : vectors) {
    SUBCASE(v.name.c_str()) {
      CHECK(check_transaction(v.tx).has_value());
      const ScriptFlags excluded = v.flags;
      const ScriptFlags flags = verify::all & ~excluded;
      REQUIRE(flags == fill(flags)); // the vector names a valid combination
      CHECK(scripts_valid(v, flags));
      // Removing any flag keeps it valid.
      for (ScriptFlags bit = 1; bit <= verify::all; bit <<= 1) {
        CAPTURE(script_flag_name(bit));
        CHECK(scripts_valid(v, trim(flags & ~bit)));
      }
      // Each excluded flag is needed: verifying with it fails.
      for (ScriptFlags bit = 1; bit <= verify::all; bit <<= 1) {
        if (!(excluded & bit)) continue;
        const ScriptFlags with = fill(flags | bit);
        CAPTURE(script_flag_name(bit));
        CHECK_FALSE(scripts_valid(v, with));
      }
    }
  }
}

TEST_CASE("tx_invalid.json: invalid under the listed flags, and each listed flag needed") {
  static const std::vector<TxVector> vectors = load("core-vectors/tx_invalid.json");
  REQUIRE(vectors.size() == 93);
  for (const TxVector& v : vectors) {
    SUBCASE(v.name.c_str()) {
      if (v.flags_text == "BADTX") {
        CHECK_FALSE(check_transaction(v.tx).has_value());
      } else {
        CHECK(check_transaction(v.tx).has_value());
        REQUIRE(v.flags == fill(v.flags));
        CHECK_FALSE(scripts_valid(v, v.flags));
        // Adding any flag keeps it invalid.
        for (ScriptFlags bit = 1; bit <= verify::all; bit <<= 1) {
          CAPTURE(script_flag_name(bit));
          CHECK_FALSE(scripts_valid(v, fill(v.flags | bit)));
        }
        // Each listed flag is needed: without it the transaction passes.
        for (ScriptFlags bit = 1; bit <= verify::all; bit <<= 1) {
          if (!(v.flags & bit)) continue;
          CAPTURE(script_flag_name(bit));
          CHECK(scripts_valid(v, trim(v.flags & ~bit)));
        }
      }
    }
  }
}
