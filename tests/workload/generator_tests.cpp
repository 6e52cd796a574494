// The generator's chains against the project's consensus code, and its promises: determinism,
// block fullness, young/old coin selection.
#include <doctest/doctest.h>

#include <numeric>

#include "chain_checker.hpp"
#include "workload/params.hpp"

namespace peregrine::test {
namespace {

using namespace workload;

GeneratorParams small_params(std::uint32_t blocks, std::string_view scripts = "trivial") {
  GeneratorParams p = default_params();
  p.blocks = blocks;
  p.block_weight = 200'000;
  p.scripts = *parse_scripts(scripts);
  return p;
}

constexpr std::string_view kSignedMix = "p2wpkh,p2tr,p2pkh,p2sh-p2wpkh,p2wsh-multisig";

} // namespace

TEST_CASE("the same seed gives the same chain, on any number of threads; another seed another chain") {
  for (std::string_view scripts : {std::string_view("trivial"), kSignedMix}) {
    CAPTURE(scripts);
    GeneratorParams p = small_params(115, scripts);
    p.block_weight = 60'000;
    const auto one = generate_blocks(p);
    p.threads = 3;
    CHECK(generate_blocks(p) == one);
    p.seed = 2;
    const auto other = generate_blocks(p);
    REQUIRE(other.size() == one.size());
    // Every block after genesis differs: the seed is in every coinbase.
    for (std::size_t h = 1; h < one.size(); ++h) CHECK(other[h] != one[h]);
  }
}

TEST_CASE("a trivial chain passes every block rule and its coins add up") {
  GeneratorStats stats;
  const auto blocks = generate_blocks(small_params(160), &stats);
  const CheckedChain chain = check_chain(blocks);
  REQUIRE_MESSAGE(chain.error.empty(), chain.error);
  CHECK(chain.height == 160);
  CHECK(stats.height == 160);
  CHECK(stats.coins == chain.utxo.size());
  CHECK(stats.inputs == chain.inputs);
  CHECK(stats.transactions > 1000);
  CHECK(chain.spent_kinds.size() == 1); // all trivial: nonstandard to the classifier
  CHECK(stats.signatures == 0);
}

TEST_CASE("a chain of every signed kind verifies every signature and spends every kind") {
  GeneratorParams p = small_params(130, kSignedMix);
  p.block_weight = 100'000;
  GeneratorStats stats;
  const CheckedChain chain = check_chain(generate_blocks(p, &stats));
  REQUIRE_MESSAGE(chain.error.empty(), chain.error);
  CHECK(stats.coins == chain.utxo.size());
  for (const char* kind : {"p2wpkh", "p2tr", "p2pkh", "p2sh", "p2wsh"}) {
    CAPTURE(kind);
    CHECK(chain.spent_kinds.contains(kind));
  }
  CHECK(stats.signatures > stats.inputs); // the multisig signs twice
}

TEST_CASE("blocks fill up to the weight asked, never over") {
  GeneratorParams p = small_params(125);
  p.block_weight = 80'000;
  const CheckedChain chain = check_chain(generate_blocks(p));
  REQUIRE_MESSAGE(chain.error.empty(), chain.error);
  for (std::size_t w : chain.block_weights) CHECK(w <= 80'000);
  // Once coins are plentiful, the room left is less than one more transaction.
  CHECK(chain.block_weights.back() > 80'000 - 2 * max_tx_weight(p, 2, 3) - block_reserved_weight(p));
}

TEST_CASE("--txs-per-block holds once there are coins enough") {
  GeneratorParams p = small_params(125);
  p.txs_per_block = 40;
  const CheckedChain chain = check_chain(generate_blocks(p));
  REQUIRE_MESSAGE(chain.error.empty(), chain.error);
  for (std::size_t h = 0; h < 100; ++h) CHECK(chain.block_txs[h] == 0); // nothing mature yet
  for (std::size_t h = 115; h < chain.block_txs.size(); ++h) CHECK(chain.block_txs[h] == 40);
}

TEST_CASE("blocks stop at the sigop limit: P2PKH outputs count four each") {
  GeneratorParams p = small_params(104, "p2pkh");
  p.block_weight = kMaxBlockWeight;
  p.inputs = *parse_counts("1", "--inputs");
  p.outputs = *parse_counts("60", "--outputs");
  const CheckedChain chain = check_chain(generate_blocks(p));
  REQUIRE_MESSAGE(chain.error.empty(), chain.error);
  // Weight alone would allow ~490 such transactions (~118,000 sigops): the sigops stopped the block.
  CHECK(chain.max_sigop_cost > 75'000);
  CHECK(chain.max_sigop_cost <= 80'000);
}

TEST_CASE("inputs take young coins in the share asked") {
  GeneratorParams p = small_params(170);
  p.young_window = 1000; // more than a block spends, fewer than it makes
  auto mean_age = [&](double share, GeneratorStats* stats) {
    p.young_share = share;
    const CheckedChain chain = check_chain(generate_blocks(p, stats));
    REQUIRE_MESSAGE(chain.error.empty(), chain.error);
    return static_cast<double>(chain.total_age) / static_cast<double>(chain.inputs);
  };
  GeneratorStats half;
  mean_age(0.5, &half);
  const double share = static_cast<double>(half.young_inputs) / static_cast<double>(half.inputs);
  CHECK(share == doctest::Approx(0.5).epsilon(0.05));
  GeneratorStats all, none;
  const double young_age = mean_age(1.0, &all), any_age = mean_age(0.0, &none);
  CHECK(all.young_inputs == all.inputs);
  CHECK(none.young_inputs == 0);
  // The young window holds the last couple of blocks' outputs: those inputs spend far younger coins.
  CHECK(young_age < 3.0);
  CHECK(any_age > 2 * young_age);
}

} // namespace peregrine::test
