// Proof of work and retargeting: Bitcoin Core's CalculateNextWorkRequired vectors, every mainnet
// retarget up to 832,608 recomputed from the headers at the period boundaries, the chain work
// stated next to them, and each network's variant (testnet's minimum-difficulty rule and its
// walk-back, testnet4's BIP94 base, regtest without retargeting) on synthetic ancestries.
#include <doctest/doctest.h>

#include <limits>

#include <string>

#include "consensus/chainparams.hpp"
#include "consensus/header_run.hpp"
#include "consensus/pow.hpp"
#include "header_test_helpers.hpp"

using namespace peregrine;
using namespace peregrine::consensus;
using peregrine::test::MapAncestry;

namespace {

const ChainParams& main_params() { return chain_params(Network::main); }

std::vector<ContextHeader> diffchange_rows() {
  const Bytes raw = test::load_shared("chain/mainnet_diffchange_headers.csv");
  auto rows = parse_header_context(std::string(raw.begin(), raw.end()));
  REQUIRE_MESSAGE(rows.has_value(), rows.error());
  return std::move(*rows);
}

std::uint32_t limit_bits(const ChainParams& p) {
  return encode_compact(ArithU256::from_hash(p.pow_limit));
}

} // namespace

TEST_CASE("pow: proof-equivalent time is the work between two blocks in seconds at the tip's difficulty") {
  const ArithU256 per_block = block_proof(0x1d00ffff);
  const ArithU256 from = per_block * 1000u;
  const ArithU256 to = from + per_block * 2016u;
  CHECK(proof_equivalent_time(to, from, 0x1d00ffff, 600) == 2016 * 600);
  CHECK(proof_equivalent_time(from, to, 0x1d00ffff, 600) == -2016 * 600);
  CHECK(proof_equivalent_time(to, to, 0x1d00ffff, 600) == 0);
  // At a tip four times as hard, the same work is a quarter of the time.
  CHECK(proof_equivalent_time(to, from, 0x1c3fffc0, 600) == 2016 * 600 / 4);
  CHECK(proof_equivalent_time(to, from, 0, 600) == 0); // bits proving nothing
  ArithU256 huge(1);
  huge <<= 200;
  CHECK(proof_equivalent_time(huge, ArithU256(), 0x207fffff, 600) == std::numeric_limits<std::int64_t>::max());
}

TEST_CASE("pow: the work a header proves") {
  CHECK(block_proof(0x1d00ffff) == ArithU256(0x100010001ULL)); // genesis: chainwork 0x100010001
  CHECK(block_proof(0x207fffff) == ArithU256(2));              // regtest: 2^256 / 2^255
  CHECK(block_proof(0).is_zero());
  CHECK(block_proof(0x04923456).is_zero()); // negative
  CHECK(block_proof(0xff123456).is_zero()); // overflow
  CHECK(block_proof(0x01003456).is_zero()); // zero target
  // The largest encodable target still proves one unit of work.
  CHECK(block_proof(0x2100ffff) == ArithU256(1));
}

TEST_CASE("pow: usable targets and the hash check") {
  const ChainParams& main = main_params();
  CHECK(target_from_bits(0x1d00ffff, main).has_value());
  CHECK(!target_from_bits(0x1d01ffff, main)); // above mainnet's limit
  CHECK(!target_from_bits(0x04923456, main)); // negative
  CHECK(!target_from_bits(0x01003456, main)); // zero
  CHECK(!target_from_bits(0xff123456, main)); // overflow
  CHECK(target_from_bits(0x207fffff, chain_params(Network::regtest)).has_value());
  CHECK(check_proof_of_work(main.genesis_hash, 0x1d00ffff, main));
  CHECK(!check_proof_of_work(main.genesis_hash, 0x1b00ffff, main)); // 65,536 times harder
  // A hash exactly equal to the target passes; one above it does not.
  const ArithU256 target = *target_from_bits(0x1d00ffff, main);
  CHECK(check_proof_of_work(target.to_hash(), 0x1d00ffff, main));
  CHECK(!check_proof_of_work((target + ArithU256(1)).to_hash(), 0x1d00ffff, main));
  CHECK(difficulty_adjustment_interval(main) == 2016);
  CHECK(difficulty_adjustment_interval(chain_params(Network::regtest)) == 144);
}

TEST_CASE("pow: Bitcoin Core's CalculateNextWorkRequired vectors") {
  const ChainParams& main = main_params();
  CHECK(calculate_next_work(0x1d00ffff, 1261130161, 1262152739, main) == 0x1d00d86a);
  CHECK(calculate_next_work(0x1d00ffff, 1231006505, 1233061996, main) ==
        0x1d00ffff); // at the limit
  CHECK(calculate_next_work(0x1c05a3f4, 1279008237, 1279297671, main) ==
        0x1c0168fd); // 4x faster cap
  CHECK(calculate_next_work(0x1c387f6f, 1263163443, 1269211443, main) ==
        0x1d00e1fd); // 4x slower cap
}

TEST_CASE("pow: every mainnet retarget and the chain work beside it") {
  const std::vector<ContextHeader> rows = diffchange_rows();
  REQUIRE(rows.size() == 827);
  REQUIRE(rows.back().height == 832608);
  const ChainParams& main = main_params();
  RunAncestry chain(rows, rows.back().height + 1);
  auto row = [&](int height) {
    const ContextHeader* c = chain.context_at(height);
    REQUIRE_MESSAGE(c != nullptr, height);
    REQUIRE(c->chain_work.has_value());
    return c;
  };
  CHECK(*row(0)->chain_work == block_proof(row(0)->header.bits));
  int retargets = 0, changed = 0;
  for (int h = 2016; h <= 832608; h += 2016) {
    CAPTURE(h);
    const ContextHeader* first = row(h - 2016);
    const ContextHeader* last = row(h - 1);
    const ContextHeader* next = row(h);
    auto bits = next_work_required(chain, h - 1, next->header.time, main);
    REQUIRE(bits.has_value());
    CHECK(*bits == next->header.bits);
    CHECK(calculate_next_work(last->header.bits, first->header.time, last->header.time, main) ==
          next->header.bits);
    // Mainnet keeps one target per period, so the stated work follows from the boundaries alone.
    CHECK(*last->chain_work == *first->chain_work + block_proof(first->header.bits) * 2015u);
    CHECK(*next->chain_work == *last->chain_work + block_proof(next->header.bits));
    CHECK(last->header.bits == first->header.bits);
    ++retargets;
    changed += next->header.bits != last->header.bits;
  }
  CHECK(retargets == 413);
  CHECK(changed > 380); // difficulty stood still only in the first periods
  // Between boundaries the period's first header answers for the headers the context lacks.
  CHECK(next_work_required(chain, 80000, 0, main) == row(78624)->header.bits);
}

TEST_CASE("pow: the retarget window starts at parent - 2015 (Core's off-by-one)") {
  const ChainParams& main = main_params();
  MapAncestry chain;
  chain.add(4031, 1'000'000 + 1'209'600, 0x1d00ffff);
  chain.add(2016, 1'000'000, 0x1d00ffff);
  chain.add(2015, 1'000'000 - 5'000'000, 0x1d00ffff); // would clamp if it were the window's start
  CHECK(next_work_required(chain, 4031, 0, main) == 0x1d00ffff);
  chain.entries[2016].time = 1'000'000 + 604'800; // half the timespan: twice the difficulty
  CHECK(next_work_required(chain, 4031, 0, main) == 0x1c7fff80);
  chain.entries.erase(2016);
  CHECK(!next_work_required(chain, 4031, 0, main)); // the window's first header is needed
  chain.entries.erase(4031);
  CHECK(!next_work_required(chain, 4031, 0, main));
  CHECK(!next_work_required(chain, -1, 0, main));
}

TEST_CASE("pow: testnet's 20-minute rule and the walk-back") {
  const ChainParams& testnet3 = chain_params(Network::testnet3);
  const std::uint32_t limit = limit_bits(testnet3);
  const std::uint32_t real = 0x1c0fffff;
  MapAncestry chain;
  chain.add(4032, 10'000, real); // a period's first header
  chain.add(4033, 10'600, real);
  chain.add(4034, 12'000, limit); // min-difficulty headers
  chain.add(4035, 13'300, limit);
  // More than 20 minutes after the parent: the easiest target is allowed.
  CHECK(next_work_required(chain, 4035, 13'300 + 1201, testnet3) == limit);
  // Exactly 20 minutes is not more: back to the last real target, past the min-difficulty ones.
  CHECK(next_work_required(chain, 4035, 13'300 + 1200, testnet3) == real);
  // The walk stops at a period's first header even when that one has the easiest target.
  chain.entries[4032].bits = limit;
  chain.entries[4033].bits = limit;
  CHECK(next_work_required(chain, 4035, 13'400, testnet3) == limit);
  // A hole in the ancestry on the way back cannot be guessed over.
  chain.entries[4032].bits = real;
  chain.entries.erase(4033);
  CHECK(!next_work_required(chain, 4035, 13'400, testnet3));
  // At genesis the walk ends too.
  MapAncestry early;
  early.add(0, 1'000, limit);
  early.add(1, 1'100, limit);
  CHECK(next_work_required(early, 1, 1'200, testnet3) == limit);
  // Mainnet has no such rule: a late header still needs its parent's bits.
  CHECK(next_work_required(chain, 4035, 13'300 + 5'000, main_params()) == limit);
}

TEST_CASE("pow: testnet4 (BIP94) retargets from the period's first header") {
  const ChainParams& testnet4 = chain_params(Network::testnet4);
  const ChainParams& testnet3 = chain_params(Network::testnet3);
  REQUIRE(testnet4.enforce_bip94);
  const std::uint32_t real = 0x1c0fffff;
  MapAncestry chain;
  chain.add(2016, 100'000, real);                             // the period's first: the real target
  chain.add(4031, 100'000 + 1'209'600, limit_bits(testnet4)); // its last: a min-difficulty header
  CHECK(next_work_required(chain, 4031, 100'000 + 1'209'600 + 60, testnet4) == real);
  // Without BIP94 the min-difficulty header's easiest target would carry into the next period.
  CHECK(next_work_required(chain, 4031, 100'000 + 1'209'600 + 60, testnet3) ==
        limit_bits(testnet3));
  // Same as calculate_next_work from the first header's bits.
  CHECK(calculate_next_work(real, 100'000, 100'000 + 604'800, testnet4) == 0x1c07ffff);
}

TEST_CASE("pow: regtest keeps its target; signet follows mainnet's rules") {
  const ChainParams& regtest = chain_params(Network::regtest);
  REQUIRE(regtest.pow_no_retargeting);
  MapAncestry chain;
  chain.add(0, 1'000, 0x207fffff);
  chain.add(143, 2'000, 0x207fffff);
  CHECK(next_work_required(chain, 143, 2'001, regtest) == 0x207fffff);
  CHECK(calculate_next_work(0x207fffff, 0, 1, regtest) == 0x207fffff);

  const ChainParams& signet = chain_params(Network::signet);
  REQUIRE(!signet.pow_allow_min_difficulty_blocks);
  const std::uint32_t signet_limit = limit_bits(signet);
  CHECK(signet_limit == 0x1e0377ae);
  MapAncestry s;
  s.add(0, 1'000'000, signet_limit);
  s.add(2015, 1'000'000 + 1'209'600 * 8, signet_limit);
  // Slow blocks cannot push the target past signet's limit.
  CHECK(next_work_required(s, 2015, 0, signet) == signet_limit);
  s.entries[2015].time = 1'000'000 + 302'400; // 4x fast: a quarter of the target
  CHECK(next_work_required(s, 2015, 0, signet) ==
        encode_compact(*target_from_bits(signet_limit, signet) >> 2));
  s.add(2016, 1'000'000 + 302'401, 0x1d00dead);
  CHECK(next_work_required(s, 2016, 1'000'000 + 400'000, signet) == 0x1d00dead);
}
