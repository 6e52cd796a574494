// Header rules on real chains from genesis (mainnet 0-10,236, testnet3 0-4,000 with its
// 20-minute blocks, a regtest chain), each rule broken on its own on real headers, and BIP94's
// timewarp rule on a synthetic testnet4 ancestry.
#include <doctest/doctest.h>

#include <string>

#include "consensus/chainparams.hpp"
#include "consensus/header_rules.hpp"
#include "consensus/header_run.hpp"
#include "header_test_helpers.hpp"

using namespace peregrine;
using namespace peregrine::consensus;
using peregrine::test::MapAncestry;
using peregrine::test::VectorAncestry;

namespace {

const std::int64_t kNow = test::now_seconds();

const std::vector<wire::BlockHeader>& mainnet_headers() {
  static const std::vector<wire::BlockHeader> headers =
      test::decode_headers(test::load_shared("chain/mainnet_headers_0_10236.bin"));
  return headers;
}

// Checks every header from genesis with both rule sets; returns the chain work at each height.
std::vector<ArithU256> validate_from_genesis(const std::vector<wire::BlockHeader>& headers,
                                             const ChainParams& params) {
  REQUIRE(!headers.empty());
  REQUIRE(wire::block_hash(headers[0]) == params.genesis_hash);
  VectorAncestry chain;
  chain.push(headers[0]);
  std::vector<ArithU256> work{block_proof(headers[0].bits)};
  for (std::size_t i = 1; i < headers.size(); ++i) {
    const int height = static_cast<int>(i);
    CAPTURE(height);
    const Hash256 hash = wire::block_hash(headers[i]);
    REQUIRE(headers[i].prev_block == wire::block_hash(headers[i - 1]));
    auto pow = check_header(hash, headers[i], params);
    REQUIRE_MESSAGE(pow.has_value(), to_string(pow.error()));
    auto ctx = check_header_contextual(hash, headers[i], chain, height - 1, kNow, params);
    REQUIRE_MESSAGE(ctx.has_value(), to_string(ctx.error()));
    chain.push(headers[i]);
    work.push_back(work.back() + block_proof(headers[i].bits));
  }
  return work;
}

const ContextHeader& csv_row(const std::vector<ContextHeader>& rows, int height) {
  for (const auto& r : rows)
    if (r.height == height) return r;
  FAIL("no CSV row at height ", height);
  return rows.front();
}

// The ancestry of mainnet header `height` (heights below it), for contextual checks of one header.
VectorAncestry mainnet_ancestry(int height) {
  VectorAncestry chain;
  const auto& headers = mainnet_headers();
  for (int h = 0; h < height; ++h) chain.push(headers[static_cast<std::size_t>(h)]);
  return chain;
}

} // namespace

TEST_CASE("header rules: Core's reject reasons") {
  CHECK(to_string(HeaderError::high_hash) == "high-hash");
  CHECK(to_string(HeaderError::bad_diffbits) == "bad-diffbits");
  CHECK(to_string(HeaderError::time_too_old) == "time-too-old");
  CHECK(to_string(HeaderError::time_too_new) == "time-too-new");
  CHECK(to_string(HeaderError::time_timewarp_attack) == "time-timewarp-attack");
  CHECK(to_string(HeaderError::bad_version) == "bad-version");
  CHECK(to_string(HeaderError::checkpoint_mismatch) == "checkpoint-mismatch");
  CHECK(to_string(HeaderError::bad_fork_prior_to_checkpoint) == "bad-fork-prior-to-checkpoint");
  CHECK(to_string(HeaderError::prev_blk_not_found) == "prev-blk-not-found");
  CHECK(to_string(HeaderError::bad_prevblk) == "bad-prevblk");
  CHECK(to_string(HeaderError::missing_context) == "missing-context");
  CHECK(to_string(HeaderError::too_little_chainwork) == "too-little-chainwork");
}

TEST_CASE("header rules: median time past, near genesis and with holes") {
  MapAncestry chain;
  for (int h = 0; h < 15; ++h)
    chain.add(h, static_cast<std::uint32_t>(1000 + 7 * ((h * 5) % 11)), 0);
  CHECK(median_time_past(chain, 0) == 1000);
  // Heights 0, 1: times 1000 and 1035; the upper median of two.
  CHECK(median_time_past(chain, 1) == 1035);
  // Eleven headers 4..14: the sixth smallest.
  std::vector<std::int64_t> times;
  for (int h = 4; h <= 14; ++h) times.push_back(chain.at(h)->time);
  std::sort(times.begin(), times.end());
  CHECK(median_time_past(chain, 14) == times[5]);
  chain.entries.erase(9);
  CHECK(!median_time_past(chain, 14));
  CHECK(median_time_past(chain, 20) == std::nullopt);
  CHECK(!median_time_past(chain, -1));
}

TEST_CASE("header rules: mainnet 0-10,236 validate from genesis") {
  const auto& headers = mainnet_headers();
  REQUIRE(headers.size() == 10237);
  const auto work = validate_from_genesis(headers, chain_params(Network::main));
  // The chain work agrees with the work stated beside the retarget boundaries.
  const Bytes csv = test::load_shared("chain/mainnet_diffchange_headers.csv");
  const auto rows = parse_header_context(std::string(csv.begin(), csv.end()));
  REQUIRE(rows.has_value());
  for (int h : {0, 2015, 2016, 4031, 4032, 8063, 8064, 10079, 10080}) {
    CAPTURE(h);
    const ContextHeader& row = csv_row(*rows, h);
    CHECK(row.header == headers[static_cast<std::size_t>(h)]);
    CHECK(*row.chain_work == work[static_cast<std::size_t>(h)]);
  }
  const ContextHeader& next = csv_row(*rows, 12095);
  CHECK(*next.chain_work == work.back() + block_proof(headers.back().bits) * (12095u - 10236u));
}

TEST_CASE("header rules: testnet3 0-4,000 with its 20-minute blocks") {
  const ChainParams& params = chain_params(Network::testnet3);
  const auto headers = test::decode_headers(
      test::blk_file_headers("chain/testnet3_blocks_0_4000.blk", params.magic));
  REQUIRE(headers.size() == 4001);
  validate_from_genesis(headers, params);
  // The data must really exercise both branches of the rule.
  const std::uint32_t limit = encode_compact(ArithU256::from_hash(params.pow_limit));
  int twenty_minutes = 0, walked_back = 0;
  for (std::size_t h = 1; h < headers.size(); ++h) {
    if (h % 2016 == 0) continue;
    if (std::int64_t{headers[h].time} > std::int64_t{headers[h - 1].time} + 1200) {
      ++twenty_minutes;
    } else if ((h - 1) % 2016 != 0 && headers[h - 1].bits == limit) {
      ++walked_back;
    }
  }
  CHECK(twenty_minutes == 7);
  CHECK(walked_back > 3000);
  // Its checkpoint (height 546) is in the range, and the rule knows it.
  REQUIRE(params.checkpoints.at(0).height == 546);
  CHECK(wire::block_hash(headers[546]) == params.checkpoints[0].hash);
  VectorAncestry chain;
  for (int h = 0; h < 546; ++h) chain.push(headers[static_cast<std::size_t>(h)]);
  CHECK(check_header_contextual(wire::block_hash(headers[545]), headers[546], chain, 545, kNow,
                                params)
            .error() == HeaderError::checkpoint_mismatch);
}

TEST_CASE("header rules: a regtest chain of 206 blocks") {
  const ChainParams& params = chain_params(Network::regtest);
  const auto headers =
      test::decode_headers(test::blk_file_headers("chain/regtest_blocks_0_206.blk", params.magic));
  REQUIRE(headers.size() == 207);
  const auto work = validate_from_genesis(headers, params);
  CHECK(work.back() == ArithU256(2 * 207));
}

TEST_CASE("header rules: each rule broken on a real mainnet header") {
  const ChainParams& main = chain_params(Network::main);
  const auto& headers = mainnet_headers();
  const int height = 5000;
  const VectorAncestry chain = mainnet_ancestry(height);
  const wire::BlockHeader real = headers[height];
  const Hash256 hash = wire::block_hash(real);
  auto contextual = [&](const wire::BlockHeader& h,
                        const ChainParams& p = chain_params(Network::main),
                        std::int64_t now = kNow) {
    return check_header_contextual(wire::block_hash(h), h, chain, height - 1, now, p);
  };
  REQUIRE(check_header(hash, real, main).has_value());
  REQUIRE(contextual(real).has_value());

  wire::BlockHeader h = real;
  h.nonce ^= 1;
  CHECK(check_header(wire::block_hash(h), h, main).error() == HeaderError::high_hash);
  h = real;
  h.bits = 0x1d00fffe;
  CHECK(contextual(h).error() == HeaderError::bad_diffbits);
  h.bits = 0x1e00ffff; // above the limit: no proof of work can meet it
  CHECK(check_header(wire::block_hash(h), h, main).error() == HeaderError::high_hash);

  const std::int64_t mtp = *median_time_past(chain, height - 1);
  h = real;
  h.time = static_cast<std::uint32_t>(mtp);
  CHECK(contextual(h).error() == HeaderError::time_too_old);
  h.time = static_cast<std::uint32_t>(mtp + 1);
  CHECK(contextual(h).has_value());

  CHECK(contextual(real, main, std::int64_t{real.time} - 7201).error() ==
        HeaderError::time_too_new);
  CHECK(contextual(real, main, std::int64_t{real.time} - 7200).has_value());

  ChainParams versions = main;
  versions.bip34_height = height; // version 1 headers stop being valid here
  CHECK(contextual(real, versions).error() == HeaderError::bad_version);
  versions.bip34_height = height + 1;
  CHECK(contextual(real, versions).has_value());
  versions.bip66_height = height;
  h = real;
  h.version = 2;
  CHECK(contextual(h, versions).error() == HeaderError::bad_version);
  h.version = 3;
  CHECK(contextual(h, versions).has_value());
  versions.bip65_height = height;
  CHECK(contextual(h, versions).error() == HeaderError::bad_version);
  h.version = 4;
  CHECK(contextual(h, versions).has_value());

  ChainParams checkpoints = main;
  checkpoints.checkpoints = {{height, hash}};
  CHECK(contextual(real, checkpoints).has_value());
  checkpoints.checkpoints = {{height, headers[height - 1].prev_block}};
  CHECK(contextual(real, checkpoints).error() == HeaderError::checkpoint_mismatch);

  // Several faults at once: Core's order decides which one is reported.
  h = real;
  h.bits = 0x1d00fffe;
  h.time = static_cast<std::uint32_t>(mtp);
  CHECK(contextual(h).error() == HeaderError::bad_diffbits);

  MapAncestry partial; // no parent: its bits are unknown
  CHECK(check_header_contextual(hash, real, partial, height - 1, kNow, main).error() ==
        HeaderError::missing_context);
}

TEST_CASE("header rules: a partial ancestry skips the median-time check it cannot make") {
  const ChainParams& main = chain_params(Network::main);
  const auto& headers = mainnet_headers();
  MapAncestry partial;
  partial.add(4999, headers[4999]);
  wire::BlockHeader h = headers[5000];
  h.time = headers[4999].time - 3600; // below the median of the real chain
  CHECK(check_header_contextual(wire::block_hash(h), h, partial, 4999, kNow, main).has_value());
  for (int k = 4989; k < 4999; ++k) partial.add(k, headers[static_cast<std::size_t>(k)]);
  CHECK(check_header_contextual(wire::block_hash(h), h, partial, 4999, kNow, main).error() ==
        HeaderError::time_too_old);
}

TEST_CASE("header rules: BIP94's timewarp rule on testnet4") {
  const ChainParams& testnet4 = chain_params(Network::testnet4);
  const ChainParams& testnet3 = chain_params(Network::testnet3);
  const std::uint32_t bits = 0x1c0fffff;
  const std::uint32_t parent_time = 2'000'000;
  MapAncestry chain;
  chain.add(2016, parent_time - 1'209'600, bits); // the period's first header
  for (int h = 4021; h <= 4031; ++h)              // median time past: parent_time - 1000
    chain.add(h, parent_time - 200 * static_cast<std::uint32_t>(4031 - h), bits);
  wire::BlockHeader h;
  h.version = 0x20000000;
  h.bits = *next_work_required(chain, 4031, parent_time - 600, testnet4);
  CHECK(h.bits == bits);
  // The first header of a period may be at most 10 minutes before its parent.
  h.time = parent_time - 600;
  CHECK(check_header_contextual(Hash256{}, h, chain, 4031, kNow, testnet4).has_value());
  h.time = parent_time - 601;
  CHECK(check_header_contextual(Hash256{}, h, chain, 4031, kNow, testnet4).error() ==
        HeaderError::time_timewarp_attack);
  // Testnet3 has no such rule (its retarget differs for other reasons: compare the time rule only).
  h.bits = *next_work_required(chain, 4031, h.time, testnet3);
  CHECK(check_header_contextual(Hash256{}, h, chain, 4031, kNow, testnet3).has_value());
  // Inside a period the rule does not apply: the median decides.
  chain.add(4032, parent_time, bits);
  h.bits = bits;
  h.time = parent_time - 601;
  CHECK(check_header_contextual(Hash256{}, h, chain, 4032, kNow, testnet4).has_value());
}
