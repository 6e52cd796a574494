// Parameter forms and the shapes no valid chain can have, each refused with its reason.
#include <doctest/doctest.h>

#include "workload/params.hpp"

namespace peregrine::test {
namespace {

using namespace workload;

std::string why(const GeneratorParams& p) {
  auto c = check_params(p);
  return c ? "ok" : c.error();
}

bool contains(const std::string& text, std::string_view part) { return text.find(part) != std::string::npos; }

GeneratorParams valid() {
  GeneratorParams p = default_params();
  p.blocks = 200;
  return p;
}

} // namespace

TEST_CASE("counts: a number, a range, or weighted values") {
  auto one = parse_counts("3", "--inputs");
  REQUIRE(one);
  CHECK(min_value(*one) == 3);
  CHECK(max_value(*one) == 3);
  auto range = parse_counts("1-3", "--inputs");
  REQUIRE(range);
  CHECK(range->entries().size() == 3);
  CHECK(mean_value(*range) == doctest::Approx(2.0));
  auto weighted = parse_counts("1:6,2:3,3-4:1", "--inputs");
  REQUIRE(weighted);
  CHECK(mean_value(*weighted) == doctest::Approx((6 + 6 + 3 + 4) / 11.0));
  for (const char* bad : {"", "a", "3-1", "1-", "1:0", "1:x", "2,", "200000"}) {
    CAPTURE(bad);
    auto r = parse_counts(bad, "--outputs");
    REQUIRE_FALSE(r);
    CHECK(contains(r.error(), "--outputs"));
  }
}

TEST_CASE("weighted draws follow their weights") {
  auto c = parse_counts("1:3,2:1", "--inputs");
  REQUIRE(c);
  Rng rng(9);
  int ones = 0;
  for (int i = 0; i < 40'000; ++i) ones += c->draw(rng) == 1;
  CHECK(ones / 40'000.0 == doctest::Approx(0.75).epsilon(0.02));
}

TEST_CASE("script lists: names with optional weights; unknown names are refused") {
  auto mix = parse_scripts("p2wpkh:3,p2tr");
  REQUIRE(mix);
  REQUIRE(mix->entries().size() == 2);
  CHECK(mix->entries()[0].value == ScriptKind::p2wpkh);
  CHECK(mix->entries()[0].weight == 3);
  for (ScriptKind k : kAllScriptKinds) CHECK(parse_script_kind(to_string(k)) == k);
  auto bad = parse_scripts("p2wpkh,p2sh");
  REQUIRE_FALSE(bad);
  CHECK(contains(bad.error(), "unknown script kind 'p2sh'"));
}

TEST_CASE("shares are decimals from 0 to 1") {
  CHECK(parse_share("0.25", "--young-share") == 0.25);
  CHECK(parse_share("1", "--young-share") == 1.0);
  for (const char* bad : {"1.5", "-0.1", "half", "", "nan"}) {
    CAPTURE(bad);
    CHECK_FALSE(parse_share(bad, "--young-share"));
  }
}

TEST_CASE("impossible chains are refused with the reason") {
  CHECK(why(valid()) == "ok");
  GeneratorParams p = valid();
  p.blocks = 0;
  CHECK(contains(why(p), "--blocks must be at least 1"));

  p = valid();
  p.block_weight = 4'000'001;
  CHECK(contains(why(p), "over the consensus limit"));

  p = valid();
  p.young_share = 1.5;
  CHECK(contains(why(p), "not between 0 and 1"));
  p.young_share = 0.5;
  p.young_window = 0;
  CHECK(contains(why(p), "--young-window"));

  SUBCASE("a transaction that cannot fit in a block") {
    p = valid();
    p.inputs = *parse_counts("30000", "--inputs");
    CHECK(contains(why(p), "more than the"));
    p.inputs = *parse_counts("1", "--inputs");
    p.block_weight = 1000;
    CHECK(contains(why(p), "a transaction of 1 inputs and 3 outputs"));
  }
  SUBCASE("too many sigops for one block") {
    p = valid();
    p.scripts = *parse_scripts("p2pkh");
    p.outputs = *parse_counts("20000", "--outputs");
    p.block_weight = kMaxBlockWeight;
    CHECK(contains(why(p), "sigops"));
  }
  SUBCASE("more inputs than coins can exist in the chain asked") {
    p = valid();
    p.blocks = 104;
    p.inputs = *parse_counts("5-6", "--inputs");
    CHECK(contains(why(p), "from height 105"));
    p.txs_per_block = 0; // coinbases only: fine
    CHECK(why(p) == "ok");
  }
  SUBCASE("no inputs, outputs or scripts") {
    p = valid();
    p.inputs = *parse_counts("0-2", "--inputs");
    CHECK(contains(why(p), "at least one input"));
    p = valid();
    p.outputs = *parse_counts("0", "--outputs");
    CHECK(contains(why(p), "at least one output"));
    p = valid();
    p.scripts = {};
    CHECK(contains(why(p), "no script kind"));
  }
}

} // namespace peregrine::test
