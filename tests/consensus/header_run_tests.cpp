// Runs of headers as `check-headers` checks them: the context CSV, mainnet from genesis and from
// 80,001 on the retarget-boundary context, chain work, and each tampered field reported with its
// own reason at its own height (regtest and an easy-target testnet4 let the tests grind real proof
// of work for headers that must pass it).
#include <doctest/doctest.h>

#include <string>

#include "consensus/chainparams.hpp"
#include "consensus/header_rules.hpp"
#include "consensus/header_run.hpp"
#include "header_test_helpers.hpp"
#include "util/hex.hpp"

using namespace peregrine;
using namespace peregrine::consensus;

namespace {

const std::int64_t kNow = test::now_seconds();

const std::vector<ContextHeader>& diffchange() {
  static const std::vector<ContextHeader> rows = [] {
    const Bytes raw = test::load_shared("chain/mainnet_diffchange_headers.csv");
    auto parsed = parse_header_context(std::string(raw.begin(), raw.end()));
    REQUIRE_MESSAGE(parsed.has_value(), parsed.error());
    return std::move(*parsed);
  }();
  return rows;
}

const ContextHeader& row(int height) {
  for (const auto& r : diffchange())
    if (r.height == height) return r;
  FAIL("no CSV row at ", height);
  return diffchange().front();
}

std::string header_hex(const wire::BlockHeader& h) { return util::to_hex(wire::serialize(h)); }

// A regtest chain from genesis, each header ground to meet the (trivial) target.
std::vector<wire::BlockHeader> regtest_chain(int length) {
  const ChainParams& params = chain_params(Network::regtest);
  std::vector<wire::BlockHeader> chain{params.genesis.header};
  for (int i = 1; i < length; ++i) {
    wire::BlockHeader h;
    h.version = 0x20000000;
    h.prev_block = wire::block_hash(chain.back());
    h.time = static_cast<std::uint32_t>(1'700'000'000 + 60 * i);
    h.bits = 0x207fffff;
    test::grind(h, params);
    chain.push_back(h);
  }
  return chain;
}

HeaderRunResult run_regtest(const std::vector<wire::BlockHeader>& chain) {
  return check_header_run(test::serialize_headers(chain), 0, {}, kNow,
                          chain_params(Network::regtest));
}

} // namespace

TEST_CASE("header run: the context CSV") {
  const auto& rows = diffchange();
  CHECK(rows.size() == 827);
  CHECK(rows.front().height == 0);
  CHECK(wire::block_hash(rows.front().header) == chain_params(Network::main).genesis_hash);
  CHECK(rows.front().chain_work->to_hex() ==
        "0000000000000000000000000000000000000000000000000000000100010001");

  const std::string genesis = header_hex(chain_params(Network::main).genesis.header);
  auto parsed = parse_header_context("\r\n7," + genesis + "\r\n\n3," + genesis + ",,extra\n");
  REQUIRE_MESSAGE(parsed.has_value(), parsed.error());
  REQUIRE(parsed->size() == 2);
  CHECK((*parsed)[0].height == 3); // sorted
  CHECK(!(*parsed)[0].chain_work);
  CHECK((*parsed)[1].height == 7);
  CHECK(parse_header_context("")->empty());
  CHECK(parse_header_context("height,header_hex\n")->empty());

  struct Bad {
    std::string csv;
    std::string error;
  };
  const Bad bad[] = {
      {"title\nx," + genesis, "line 2: the height is not a number from 0 to 1000000000"},
      {"-1," + genesis, "line 1: the height is not a number from 0 to 1000000000"},
      {"1000000001," + genesis, "line 1: the height is not a number from 0 to 1000000000"},
      {"5", "line 1: the header is not 160 hex digits"},
      {"5," + genesis.substr(2), "line 1: the header is not 160 hex digits"},
      {"5," + genesis + "00", "line 1: the header is not 160 hex digits"},
      {"5," + genesis + ",12", "line 1: the chain work is not 64 hex digits"},
      {"5," + genesis + "\n\n5," + genesis, "line 3: height 5 is already on line 1"},
  };
  for (const auto& b : bad) {
    CAPTURE(b.csv);
    auto r = parse_header_context(b.csv);
    REQUIRE(!r.has_value());
    CHECK(r.error() == b.error);
  }
}

TEST_CASE("header run: mainnet 0-10,236 from genesis") {
  const Bytes raw = test::load_shared("chain/mainnet_headers_0_10236.bin");
  const ChainParams& main = chain_params(Network::main);
  const HeaderRunResult r = check_header_run(raw, 0, {}, kNow, main);
  CHECK(!r.failure);
  CHECK(r.count == 10237);
  CHECK(r.valid == 10237);
  CHECK(r.first_hash == main.genesis_hash);
  const auto headers = test::decode_headers(raw);
  CHECK(r.last_hash == wire::block_hash(headers.back()));
  REQUIRE(r.chain_work);
  CHECK(*r.chain_work == r.work);
  CHECK(*row(12095).chain_work ==
        *r.chain_work + block_proof(headers.back().bits) * (12095u - 10236u));
}

TEST_CASE("header run: mainnet 80,001-100,000 on the retarget-boundary context") {
  const Bytes raw = test::load_shared("chain/mainnet_headers_80001_100000.bin");
  const ChainParams& main = chain_params(Network::main);
  const HeaderRunResult r = check_header_run(raw, 80001, diffchange(), kNow, main);
  CHECK_MESSAGE(!r.failure, (r.failure ? r.failure->reason : ""));
  CHECK(r.count == 20000);
  CHECK(r.valid == 20000);
  CHECK(r.last_hash.to_hex() == "000000000003ba27aa200b1cecaad478d2b00432346c3f1f3986da1afd33e506");
  // Chain work: 78,624's stated work carried over the period, then the run's own.
  REQUIRE(r.chain_work);
  const ArithU256 period_proof = block_proof(row(98784).header.bits);
  CHECK(*row(100799).chain_work == *r.chain_work + period_proof * 799u);

  // Without context the first header's required bits are unknown.
  const HeaderRunResult bare = check_header_run(raw, 80001, {}, kNow, main);
  REQUIRE(bare.failure);
  CHECK(bare.failure->height == 80001);
  CHECK(bare.failure->reason == "missing-context");
  CHECK(!bare.chain_work);

  // From 80,640 the context has the parent (80,639), so the run must connect to it.
  const ByteSpan from_80640 = ByteSpan(raw).subspan((80640 - 80001) * 80);
  const HeaderRunResult connected = check_header_run(from_80640, 80640, diffchange(), kNow, main);
  CHECK(!connected.failure);
  CHECK(connected.valid == 100000 - 80640 + 1);
  CHECK(*connected.chain_work == *r.chain_work);
  const HeaderRunResult shifted = check_header_run(from_80640, 80641, diffchange(), kNow, main);
  REQUIRE(shifted.failure);
  CHECK(shifted.failure->height == 80641);
  CHECK(shifted.failure->reason == "prev-blk-not-found");
}

TEST_CASE("header run: tampered mainnet headers fail at their height") {
  const Bytes raw = test::load_shared("chain/mainnet_headers_0_10236.bin");
  const ChainParams& main = chain_params(Network::main);
  struct Case {
    int height;
    std::size_t offset; // of the field within the header
    const char* reason;
  };
  // Any change to a header changes its hash, so proof of work fails first, except for the
  // parent link, which is checked before it.
  for (const Case c :
       {Case{5000, 76, "high-hash"}, Case{3000, 68, "high-hash"}, Case{2016, 72, "high-hash"},
        Case{7000, 4, "prev-blk-not-found"}, Case{1, 0, "high-hash"}}) {
    CAPTURE(c.height);
    Bytes copy = raw;
    copy[static_cast<std::size_t>(c.height) * 80 + c.offset] ^= 0x01;
    const HeaderRunResult r = check_header_run(copy, 0, {}, kNow, main);
    REQUIRE(r.failure);
    CHECK(r.failure->height == c.height);
    CHECK(r.failure->reason == c.reason);
    CHECK(r.valid == static_cast<std::size_t>(c.height));
  }
  // A file that does not start at genesis is refused at height 0.
  const HeaderRunResult r = check_header_run(ByteSpan(raw).subspan(80), 0, {}, kNow, main);
  REQUIRE(r.failure);
  CHECK(r.failure->height == 0);
  CHECK(r.failure->reason == "bad-genesis");
  CHECK(r.valid == 0);
  CHECK(r.work.is_zero());
  // Another network's genesis is not this one's.
  CHECK(check_header_run(raw, 0, {}, kNow, chain_params(Network::testnet3)).failure->reason ==
        "bad-genesis");
}

TEST_CASE("header run: each rule broken on a ground regtest chain") {
  const ChainParams& params = chain_params(Network::regtest);
  const std::vector<wire::BlockHeader> chain = regtest_chain(40);
  const HeaderRunResult good = run_regtest(chain);
  CHECK(!good.failure);
  CHECK(good.valid == 40);
  CHECK(*good.chain_work == ArithU256(80));

  const int at = 25;
  std::vector<wire::BlockHeader> prefix(chain.begin(), chain.begin() + at);
  test::VectorAncestry ancestry;
  for (const auto& h : prefix) ancestry.push(h);
  const std::int64_t mtp = *median_time_past(ancestry, at - 1);

  struct Case {
    const char* reason;
    void (*tamper)(wire::BlockHeader&, std::int64_t mtp);
  };
  const Case cases[] = {
      {"time-too-old",
       [](wire::BlockHeader& h, std::int64_t m) { h.time = static_cast<std::uint32_t>(m); }},
      {"time-too-new", [](wire::BlockHeader& h,
                          std::int64_t) { h.time = static_cast<std::uint32_t>(kNow + 7200 + 60); }},
      {"bad-diffbits", [](wire::BlockHeader& h, std::int64_t) { h.bits = 0x207ffffe; }},
      {"bad-version", [](wire::BlockHeader& h, std::int64_t) { h.version = 3; }},
      {"high-hash", [](wire::BlockHeader& h, std::int64_t) { h.bits = 0x1d00ffff; }},
  };
  for (const auto& c : cases) {
    CAPTURE(c.reason);
    std::vector<wire::BlockHeader> tampered = prefix;
    wire::BlockHeader h = chain[at];
    c.tamper(h, mtp);
    if (std::string_view(c.reason) != "high-hash") test::grind(h, params);
    tampered.push_back(h);
    const HeaderRunResult r = run_regtest(tampered);
    REQUIRE(r.failure);
    CHECK(r.failure->height == at);
    CHECK(r.failure->reason == c.reason);
    CHECK(r.failure->hash == wire::block_hash(h));
    CHECK(r.valid == static_cast<std::size_t>(at));
    CHECK(r.last_hash == wire::block_hash(prefix.back()));
  }
  // A header that names another parent.
  std::vector<wire::BlockHeader> orphan = prefix;
  wire::BlockHeader h = chain[at];
  h.prev_block = wire::block_hash(chain[at - 2]);
  test::grind(h, params);
  orphan.push_back(h);
  const HeaderRunResult r = run_regtest(orphan);
  REQUIRE(r.failure);
  CHECK(r.failure->height == at);
  CHECK(r.failure->reason == "prev-blk-not-found");
}

TEST_CASE("header run: testnet4's period start with real (easy) proof of work") {
  // Testnet4's rules with an easy limit (2^244) and a 2,016-second period: Core's retarget
  // multiplies the target by the timespan before dividing, so a target near 2^256 would wrap, and
  // this pair keeps the product in range while headers stay cheap to grind.
  ChainParams params = chain_params(Network::testnet4);
  params.pow_limit = ((ArithU256(1) << 244) - ArithU256(1)).to_hash();
  params.pow_target_spacing = 1;
  params.pow_target_timespan = 2016;
  REQUIRE(difficulty_adjustment_interval(params) == 2016);
  const std::uint32_t limit = 0x1f0fffff;
  REQUIRE(encode_compact(ArithU256::from_hash(params.pow_limit)) == limit);
  const std::uint32_t real = 0x1f00ffff; // 16 times harder than the limit
  const std::uint32_t t0 = 1'700'000'000;
  auto context_header = [](std::uint32_t time, std::uint32_t bits) {
    wire::BlockHeader h;
    h.version = 0x20000000;
    h.time = time;
    h.bits = bits;
    return h;
  };
  std::vector<ContextHeader> context;
  context.push_back({0, context_header(t0, real), std::nullopt});
  // The period's last headers are min-difficulty ones; the median of the last 11 is t0 + 105.
  for (int height = 2005; height <= 2014; ++height)
    context.push_back({height,
                       context_header(t0 + 100 + static_cast<std::uint32_t>(height - 2005), limit),
                       std::nullopt});
  context.push_back({2015, context_header(t0 + 2016, limit), std::nullopt}); // exactly the timespan
  const std::uint32_t parent_time = t0 + 2016;
  const Hash256 parent_hash = wire::block_hash(context.back().header);

  auto run = [&](std::uint32_t time, std::uint32_t bits, const ChainParams& p) {
    wire::BlockHeader h = context_header(time, bits);
    h.prev_block = parent_hash;
    test::grind(h, p);
    const auto raw = wire::serialize(h);
    return check_header_run(raw, 2016, context, kNow, p);
  };
  // BIP94: the new period starts from the first header's target, not the min-difficulty last one.
  CHECK(!run(parent_time + 1, real, params).failure);
  CHECK(run(parent_time + 1, limit, params).failure->reason == "bad-diffbits");
  ChainParams without_bip94 = params;
  without_bip94.enforce_bip94 = false;
  CHECK(!run(parent_time + 1, limit, without_bip94).failure);
  // The timewarp rule: at most 10 minutes before the parent.
  CHECK(!run(parent_time - 600, real, params).failure);
  const HeaderRunResult warped = run(parent_time - 601, real, params);
  REQUIRE(warped.failure);
  CHECK(warped.failure->height == 2016);
  CHECK(warped.failure->reason == "time-timewarp-attack");
  CHECK(!run(parent_time - 601, limit, without_bip94).failure);
}
