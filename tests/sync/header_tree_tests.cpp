// The header tree: acceptance with every rule, best chain and reorgs, locators, failed headers,
// checkpoints, and the real regtest chain from the shared data.
#include <doctest/doctest.h>

#include "chain_builder.hpp"
#include "sync/header_tree.hpp"
#include "test_data.hpp"
#include "wire/blk_file.hpp"
#include "wire/codec.hpp"

using namespace peregrine;
using namespace peregrine::test;
using consensus::HeaderError;

namespace {

const consensus::ChainParams& regtest() { return consensus::chain_params(consensus::Network::regtest); }
constexpr std::int64_t kNow = 2'000'000'000; // 2033: every test header is in the past

void accept_all(sync::HeaderTree& tree, const std::vector<wire::BlockHeader>& headers) {
  for (const auto& h : headers) {
    auto r = tree.accept(h, kNow);
    REQUIRE_MESSAGE(r.has_value(), consensus::to_string(r.error()));
  }
}

} // namespace

TEST_CASE("header tree: a chain is accepted with heights, work and the best chain by height") {
  sync::HeaderTree tree(regtest());
  CHECK(tree.size() == 1);
  CHECK(tree.best_height() == 0);
  CHECK(*tree.best().hash == regtest().genesis_hash);
  auto chain = mine_chain(regtest(), 50);
  accept_all(tree, chain);
  CHECK(tree.size() == 51);
  CHECK(tree.best_height() == 50);
  CHECK(*tree.best().hash == wire::block_hash(chain.back()));
  // regtest's target is half the hash space: every header proves 2 units of work.
  CHECK(tree.best().chain_work == consensus::ArithU256(2 * 51));
  for (int h = 1; h <= 50; ++h) {
    REQUIRE(tree.at_height(h) != nullptr);
    CHECK(tree.at_height(h)->header() == chain[h - 1]);
    CHECK(tree.best().ancestor(h) == tree.at_height(h));
  }
  CHECK(tree.at_height(51) == nullptr);

  auto again = tree.accept(chain[10], kNow);
  REQUIRE(again.has_value());
  CHECK_FALSE(again->is_new);
  CHECK(tree.size() == 51);
}

TEST_CASE("header tree: the most-work chain wins, equal work keeps the first seen, and forks reorg") {
  sync::HeaderTree tree(regtest());
  auto main = mine_chain(regtest(), 20, 1);
  accept_all(tree, main);
  // A fork from height 10 that is as long: equal work, the first seen stays best.
  auto fork = mine_chain(regtest(), main[9], 10, 2);
  accept_all(tree, fork);
  CHECK(tree.size() == 31);
  CHECK(*tree.best().hash == wire::block_hash(main.back()));
  // One more on the fork: it now has more work and becomes the best chain.
  auto longer = mine_chain(regtest(), fork.back(), 1, 3);
  accept_all(tree, longer);
  CHECK(*tree.best().hash == wire::block_hash(longer.back()));
  CHECK(tree.best_height() == 21);
  CHECK(tree.at_height(10)->header() == main[9]);
  CHECK(tree.at_height(11)->header() == fork[0]);
  CHECK_FALSE(tree.on_best_chain(*tree.find(wire::block_hash(main[15]))));
  // The old branch grows past it again: reorg back.
  auto back = mine_chain(regtest(), main.back(), 2, 4);
  accept_all(tree, back);
  CHECK(tree.best_height() == 22);
  CHECK(tree.at_height(15)->header() == main[14]);
}

TEST_CASE("header tree: rule failures are typed; failed headers are remembered and their children refused") {
  sync::HeaderTree tree(regtest());
  auto chain = mine_chain(regtest(), 12);
  accept_all(tree, std::vector(chain.begin(), chain.begin() + 11));

  SUBCASE("unknown parent") {
    auto orphan = mine_header(regtest(), Hash256{{7}}, chain[10].time + 600, 99);
    CHECK(tree.accept(orphan, kNow).error() == HeaderError::prev_blk_not_found);
    CHECK(tree.size() == 12);
  }
  SUBCASE("proof of work: a header whose hash misses the target is not stored") {
    wire::BlockHeader bad = chain[11];
    while (consensus::check_proof_of_work(wire::block_hash(bad), bad.bits, regtest())) ++bad.nonce;
    CHECK(tree.accept(bad, kNow).error() == HeaderError::high_hash);
    CHECK(tree.size() == 12);
  }
  SUBCASE("timestamp not above the median of the last 11: stored as failed, children refused") {
    auto parent = chain[10];
    auto old = mine_header(regtest(), wire::block_hash(parent), chain[4].time, 5);
    CHECK(tree.accept(old, kNow).error() == HeaderError::time_too_old);
    CHECK(tree.size() == 13);
    const auto* failed = tree.find(wire::block_hash(old));
    REQUIRE(failed != nullptr);
    CHECK_FALSE(failed->valid());
    CHECK(tree.accept(old, kNow).error() == HeaderError::time_too_old); // remembered
    auto child = mine_header(regtest(), wire::block_hash(old), parent.time + 1200, 6);
    CHECK(tree.accept(child, kNow).error() == HeaderError::bad_prevblk);
    CHECK(tree.best_height() == 11);
  }
  SUBCASE("from the future: refused but not remembered, so it can be accepted later") {
    auto future = mine_header(regtest(), wire::block_hash(chain[10]), kNow + 2 * 3600 + 1, 7);
    CHECK(tree.accept(future, kNow).error() == HeaderError::time_too_new);
    CHECK(tree.find(wire::block_hash(future)) == nullptr);
    CHECK(tree.accept(future, kNow + 2).has_value());
  }
  SUBCASE("wrong bits on a network without retargeting") {
    wire::BlockHeader easier = chain[11];
    easier.bits = 0x2100ffff; // above the pow limit: no hash can satisfy it
    auto r = tree.accept(easier, kNow);
    REQUIRE_FALSE(r.has_value());
    CHECK(r.error() == HeaderError::high_hash); // above the pow limit: not even a usable target
    auto harder = mine_header(regtest(), wire::block_hash(chain[10]), chain[10].time + 600, 8, 0x2000ffff);
    CHECK(tree.accept(harder, kNow).error() == HeaderError::bad_diffbits);
  }
}

TEST_CASE("header tree: no fork below the last checkpoint we have") {
  consensus::ChainParams params = regtest();
  auto chain = mine_chain(params, 30, 1);
  params.checkpoints = {{20, wire::block_hash(chain[19])}};
  sync::HeaderTree tree(params);
  accept_all(tree, chain);
  auto fork = mine_chain(params, chain[9], 1, 2); // height 11 < 20
  CHECK(tree.accept(fork[0], kNow).error() == HeaderError::bad_fork_prior_to_checkpoint);
  auto late_fork = mine_chain(params, chain[24], 1, 3); // height 26: allowed
  CHECK(tree.accept(late_fork[0], kNow).has_value());

  // A chain that contradicts the checkpoint is refused at the checkpoint height.
  sync::HeaderTree other(params);
  auto wrong = mine_chain(params, 25, 9);
  for (int i = 0; i < 19; ++i) REQUIRE(other.accept(wrong[i], kNow).has_value());
  CHECK(other.accept(wrong[19], kNow).error() == HeaderError::checkpoint_mismatch);
}

TEST_CASE("header tree: locators step back exponentially and find the fork point") {
  sync::HeaderTree tree(regtest());
  auto chain = mine_chain(regtest(), 1000);
  accept_all(tree, chain);
  auto locator = tree.locator();
  REQUIRE(locator.size() >= 12);
  CHECK(locator.front() == *tree.best().hash);
  CHECK(locator.back() == regtest().genesis_hash);
  std::vector<int> heights;
  for (const auto& h : locator) heights.push_back(tree.find(h)->height);
  for (int i = 0; i < 10; ++i) CHECK(heights[i] == 1000 - i);
  CHECK(heights[10] == 989); // then the step doubles: 2, 4, 8, ...
  CHECK(heights[11] == 985);
  CHECK(locator.size() < 30);
  CHECK(tree.find_fork(locator).height == 1000);

  // Another node's locator on a fork from height 600: the fork point is found.
  sync::HeaderTree theirs(regtest());
  accept_all(theirs, std::vector(chain.begin(), chain.begin() + 600));
  accept_all(theirs, mine_chain(regtest(), chain[599], 50, 7));
  CHECK(tree.find_fork(theirs.locator()).height <= 600);
  CHECK(tree.find_fork(theirs.locator()).height >= 600 - 64);
  CHECK(tree.find_fork({Hash256{{1}}}).height == 0);
}

TEST_CASE("header tree: the storage threshold is the minimum chain work or 144 blocks below the best") {
  consensus::ChainParams params = regtest();
  params.minimum_chain_work = consensus::ArithU256(1000).to_hash();
  sync::HeaderTree tree(params);
  CHECK(tree.storage_work_threshold() == consensus::ArithU256(1000));
  accept_all(tree, mine_chain(params, 700));
  CHECK(tree.storage_work_threshold() == consensus::ArithU256(2 * 701 - 2 * 144));
}

TEST_CASE("header tree: the real regtest chain of the shared data") {
  Bytes file = load_shared("chain/regtest_blocks_0_206.blk");
  wire::Reader r(file);
  sync::HeaderTree tree(regtest());
  int blocks = 0;
  while (!r.at_end()) {
    auto record = wire::read_blk_record(r, regtest().magic);
    REQUIRE(record.has_value());
    auto block = wire::from_bytes<wire::Block>(record->block);
    REQUIRE(block.has_value());
    ++blocks;
    if (wire::block_hash(block->header) == regtest().genesis_hash) continue;
    auto accepted = tree.accept(block->header, kNow);
    REQUIRE_MESSAGE(accepted.has_value(), "block ", blocks, ": ", consensus::to_string(accepted.error()));
  }
  CHECK(tree.best_height() == blocks - 1);
  CHECK(tree.best_height() >= 206);
}
