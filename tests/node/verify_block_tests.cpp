// `peregrine verify-block`: its summary for block 367,891, its exit codes, and strict handling of
// the spent-outputs file.
#include <doctest/doctest.h>

#include <cstdint>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include "node/commands.hpp"
#include "run_cli.hpp"
#include "test_data.hpp"
#include "util/json.hpp"

using namespace peregrine;
using namespace peregrine::node;
namespace json = peregrine::util::json;

namespace {

using Run = peregrine::test::CliRun;
using peregrine::test::field;
using peregrine::test::summary;
constexpr auto run = peregrine::test::run_cli;

const std::string kBlock = test::shared_data("blocks/mainnet_367891.raw").string();
const std::string kSpent = test::shared_data("blocks/mainnet_367891.spent.json").string();

// The shared spent-outputs document, changed and written to a file of its own.
class SpentFile {
public:
  SpentFile() {
    static const json::Value original = test::load_shared_json("blocks/mainnet_367891.spent.json");
    doc = original;
  }
  ~SpentFile() { std::filesystem::remove(path_); }
  std::string write(const std::string& text) {
    std::ofstream(path_, std::ios::binary) << text;
    return path_.string();
  }
  std::string write() { return write(doc.dump()); }
  json::Value& entry(std::size_t i) { return (*doc.as_array())[i]; }

  json::Value doc;

private:
  std::filesystem::path path_ =
      std::filesystem::temp_directory_path() /
      ("peregrine-spent-" + std::to_string(reinterpret_cast<std::uintptr_t>(this)) + ".json");
};

} // namespace

TEST_CASE("verify-block: block 367,891 verifies; the summary says how") {
  Run r = run({"verify-block", kBlock, "--spent", kSpent, "--threads", "2"});
  CHECK_MESSAGE(r.code == kExitOk, r.err);
  json::Value s = summary(r);
  CHECK(field(s, "block") == "000000000000000012ea0ca9579299ec120e3f57e7c309216884872592b29970");
  CHECK(field(s, "height") == "367891");
  CHECK(field(s, "height_source") == "coinbase");
  CHECK(field(s, "flags") == "P2SH,DERSIG,WITNESS,TAPROOT");
  CHECK(field(s, "flags_source") == "auto");
  CHECK(field(s, "inputs") == "20817");
  CHECK(field(s, "valid") == "20817");
  CHECK(field(s, "invalid") == "0");
  CHECK(field(s, "first_failure") == "null");
  CHECK(field(s, "tx_rules_error") == "null");
  CHECK(field(s, "threads") == "2");
  CHECK(field(s, "script_types") == R"({"nonstandard":20000,"p2pkh":810,"p2sh":7})");
  CHECK(field(s, "fees") == "14001930");
  CHECK(s.find("elapsed_ms")->as_double().has_value());
}

TEST_CASE("verify-block: explicit flags and heights") {
  Run none = run({"verify-block", kBlock, "--spent", kSpent, "--flags", "NONE", "--threads", "1"});
  CHECK(none.code == kExitOk);
  CHECK(field(summary(none), "flags") == "NONE");
  CHECK(field(summary(none), "flags_source") == "--flags");
  Run early = run({"verify-block", kBlock, "--spent", kSpent, "--height", "300000"});
  CHECK(early.code == kExitOk);
  CHECK(field(summary(early), "flags") == "P2SH,WITNESS,TAPROOT"); // before BIP66
  CHECK(field(summary(early), "height_source") == "--height");
}

TEST_CASE("verify-block: a failing input is named with its error") {
  SpentFile spent;
  // The first input spends a P2PKH output; another key hash there fails OP_EQUALVERIFY.
  json::Value& txout = *spent.entry(0).find("txout");
  std::string script = *txout.find("script_pubkey")->as_string();
  script[10] = script[10] == '0' ? '1' : '0';
  txout.set("script_pubkey", script);
  Run r = run({"verify-block", kBlock, "--spent", spent.write()});
  CHECK(r.code == kExitFailure);
  json::Value s = summary(r);
  CHECK(field(s, "valid") == "20816");
  CHECK(field(s, "invalid") == "1");
  const json::Value& first = *s.find("first_failure");
  CHECK(field(first, "tx_index") == "1");
  CHECK(field(first, "input_index") == "0");
  CHECK(field(first, "error") == "EQUALVERIFY");
  CHECK(field(first, "txid").size() == 64);
}

TEST_CASE("verify-block: amounts are checked where scripts do not sign them") {
  SpentFile spent;
  spent.entry(0).find("txout")->set("value", 1); // far below what the transaction pays out
  Run r = run({"verify-block", kBlock, "--spent", spent.write()});
  CHECK(r.code == kExitFailure);
  json::Value s = summary(r);
  CHECK(field(s, "valid") == "20817"); // legacy signatures do not cover amounts
  CHECK(field(*s.find("tx_rules_error"), "error") == "bad-txns-in-belowout");
  CHECK(field(*s.find("tx_rules_error"), "tx_index") == "1");
}

TEST_CASE("verify-block: a spent-outputs file that does not fit is an error, never a crash") {
  SpentFile spent;
  struct Case {
    std::string text;
    std::string message;
  };
  std::vector<Case> cases;
  {
    json::Value fewer = spent.doc;
    fewer.as_array()->pop_back();
    cases.push_back(
        {fewer.dump(), "20816 spent outputs for the block's 20817 non-coinbase inputs"});
  }
  {
    json::Value bad_hex = spent.doc;
    (*bad_hex.as_array())[5].find("txout")->set("script_pubkey", "zz");
    cases.push_back({bad_hex.dump(), "entry 5: txout.script_pubkey is not hex"});
  }
  {
    json::Value missing = spent.doc;
    auto& members = *(*missing.as_array())[7].as_object();
    members.erase(members.begin()); // "txout"
    cases.push_back({missing.dump(), "entry 7: it lacks field 'txout'"});
  }
  cases.push_back({"[", "not JSON"});
  cases.push_back({"", "not JSON"});
  for (const Case& c : cases) {
    CAPTURE(c.message);
    Run r = run({"verify-block", kBlock, "--spent", spent.write(c.text)});
    CHECK(r.code == kExitFailure);
    CHECK(r.out.empty());
    CHECK_MESSAGE(r.err.find(c.message) != std::string::npos, r.err);
  }
  Run absent = run({"verify-block", kBlock, "--spent", "/nonexistent/spent.json"});
  CHECK(absent.code == kExitFailure);
  Run not_block = run({"verify-block", kSpent, "--spent", kSpent});
  CHECK(not_block.code == kExitFailure);
  CHECK(not_block.err.find("not a block") != std::string::npos);
}

TEST_CASE("verify-block: usage errors exit with 2") {
  struct Case {
    std::vector<std::string> args;
    std::string message;
  };
  const Case cases[] = {
      {{"verify-block", kBlock}, "--spent FILE is required"},
      {{"verify-block", kBlock, "--spent", kSpent, "--flags", "P2SH,BOGUS"},
       "unknown script flag 'BOGUS'"},
      {{"verify-block", kBlock, "--spent", kSpent, "--flags", "WITNESS"}, "WITNESS needs P2SH"},
      {{"verify-block", kBlock, "--spent", kSpent, "--threads", "0"},
       "invalid value '0' for --threads"},
      {{"verify-block", "--spent", kSpent}, "'verify-block' expects arguments: BLOCK"},
  };
  for (const Case& c : cases) {
    CAPTURE(c.message);
    Run r = run(c.args);
    CHECK(r.code == kExitUsage);
    CHECK_MESSAGE(r.err.find(c.message) != std::string::npos, r.err);
  }
}

TEST_CASE("bench verify: argument checks (the benchmark itself is not timed here)") {
  Run one_file = run({"bench", "verify", kBlock});
  CHECK(one_file.code == kExitUsage);
  Run two_for_decode = run({"bench", "decode", kBlock, kSpent});
  CHECK(two_for_decode.code == kExitUsage);
}
