// The presync/redownload anti-DoS: a chain is released for storage only after proving enough work
// twice, a low-work chain costs a bounded amount of memory, and a peer swapping chains between the
// passes is caught.
#include <doctest/doctest.h>

#include "chain_builder.hpp"
#include "sync/headers_presync.hpp"

using namespace peregrine;
using namespace peregrine::test;

namespace {

constexpr std::int64_t kNow = 2'000'000'000;

// Regtest with a minimum chain work of `blocks` headers, and small presync parameters so that
// tests cross many commitments and fill the redownload buffer.
consensus::ChainParams params_with_min_work(int blocks) {
  consensus::ChainParams p = consensus::chain_params(consensus::Network::regtest);
  p.minimum_chain_work = consensus::ArithU256(2 * static_cast<std::uint64_t>(blocks + 1)).to_hash();
  p.headers_sync.commitment_period = 5;
  p.headers_sync.redownload_buffer_size = 50;
  return p;
}

// Feeds `chain` in messages of `size` headers, the last one short, until the state asks for no more
// or the chain runs out; starts again from the beginning when the state switches to redownload.
struct Feeder {
  explicit Feeder(sync::HeadersPresync& s) : state(s) {}
  sync::HeadersPresync& state;
  std::vector<wire::BlockHeader> released;
  sync::HeadersPresync::Step last;

  void feed(const std::vector<wire::BlockHeader>& chain, std::size_t size, const std::vector<wire::BlockHeader>* second = nullptr) {
    std::size_t at = 0;
    auto phase = state.phase();
    const auto* source = &chain;
    while (true) {
      std::size_t n = std::min(size, source->size() - at);
      std::vector<wire::BlockHeader> message(source->begin() + at, source->begin() + at + n);
      bool full = n == size;
      last = state.process(message, full);
      released.insert(released.end(), last.release.begin(), last.release.end());
      at += n;
      if (!last.request_more) return;
      if (state.phase() != phase) { // presync -> redownload: the peer starts over from the fork
        phase = state.phase();
        at = 0;
        if (second) source = second;
      }
    }
  }
};

} // namespace

TEST_CASE("presync: a chain with enough work is released in order after the redownload") {
  auto params = params_with_min_work(600);
  sync::HeaderTree tree(params);
  auto chain = mine_chain(params, 1000);
  sync::HeadersPresync state(tree, tree.genesis(), tree.storage_work_threshold(), 42, kNow);
  Feeder f{state};
  f.feed(chain, 200);
  CHECK(state.phase() == sync::HeadersPresync::Phase::done);
  CHECK(f.last.failure.empty());
  // The first pass stops once the work is proven (header 600); the second releases up to there
  // (the rest of that message included), so the caller continues with ordinary sync.
  REQUIRE(f.released.size() >= 600);
  for (std::size_t i = 0; i < f.released.size(); ++i) REQUIRE(f.released[i] == chain[i]);
  for (const auto& h : f.released) REQUIRE(tree.accept(h, kNow).has_value());
  CHECK(tree.best().chain_work >= tree.storage_work_threshold());
}

TEST_CASE("presync: while redownloading, nothing is released until the buffer is full") {
  auto params = params_with_min_work(600);
  sync::HeaderTree tree(params);
  auto chain = mine_chain(params, 700);
  sync::HeadersPresync state(tree, tree.genesis(), tree.storage_work_threshold(), 7, kNow);
  auto first = state.process(std::vector(chain.begin(), chain.begin() + 650), true);
  REQUIRE(state.phase() == sync::HeadersPresync::Phase::redownload);
  CHECK(first.request_more);
  CHECK(first.release.empty());
  auto locator = state.next_locator();
  CHECK(locator.front() == params.genesis_hash); // start over from the fork point
  auto step = state.process(std::vector(chain.begin(), chain.begin() + 40), true);
  CHECK(step.release.empty());
  CHECK(state.next_locator().front() == wire::block_hash(chain[39]));
  step = state.process(std::vector(chain.begin() + 40, chain.begin() + 100), true);
  CHECK(step.release.size() == 50); // 100 buffered, 50 kept
  CHECK(step.release.front() == chain[0]);
}

TEST_CASE("presync: a low-work chain is refused without storing it, in bounded memory") {
  auto params = params_with_min_work(5000);
  sync::HeaderTree tree(params);
  auto chain = mine_chain(params, 3000);
  sync::HeadersPresync state(tree, tree.genesis(), tree.storage_work_threshold(), 1, kNow);
  Feeder f{state};
  f.feed(chain, 200);
  CHECK(state.phase() == sync::HeadersPresync::Phase::failed);
  CHECK(f.released.empty());
  CHECK_FALSE(f.last.peer_at_fault); // low work is not proof of malice
  CHECK(f.last.failure.find("minimum chain work") != std::string::npos);
  CHECK(tree.size() == 1);
}

TEST_CASE("presync: memory holds one bit per commitment period, not the headers") {
  auto params = params_with_min_work(1'000'000);
  params.headers_sync.commitment_period = 600;
  sync::HeaderTree tree(params);
  auto chain = mine_chain(params, 6000);
  sync::HeadersPresync state(tree, tree.genesis(), tree.storage_work_threshold(), 3, kNow);
  for (std::size_t at = 0; at < chain.size(); at += 2000)
    state.process(std::vector(chain.begin() + at, chain.begin() + at + 2000), true);
  CHECK(state.phase() == sync::HeadersPresync::Phase::presync);
  CHECK(state.presync_height() == 6000);
  CHECK(state.memory_usage() < 1024); // 6,000 headers would be 480,000 bytes
}

TEST_CASE("presync: a peer that swaps chains between the two passes is caught") {
  auto params = params_with_min_work(600);
  sync::HeaderTree tree(params);
  auto honest = mine_chain(params, 1000, 1);
  auto other = mine_chain(params, 1000, 2);
  sync::HeadersPresync state(tree, tree.genesis(), tree.storage_work_threshold(), 99, kNow);
  Feeder f{state};
  f.feed(honest, 200, &other);
  CHECK(state.phase() == sync::HeadersPresync::Phase::failed);
  CHECK(f.last.peer_at_fault);
  CHECK(f.last.failure.find("differ") != std::string::npos);
  // Only what the buffer let through before the first mismatching commitment.
  CHECK(f.released.size() < 150);
}

TEST_CASE("presync: headers that do not link, and chains longer than the clock allows, are the peer's fault") {
  auto params = params_with_min_work(100'000);
  sync::HeaderTree tree(params);
  auto chain = mine_chain(params, 400);
  SUBCASE("a gap") {
    sync::HeadersPresync state(tree, tree.genesis(), tree.storage_work_threshold(), 5, kNow);
    std::vector<wire::BlockHeader> gap(chain.begin(), chain.begin() + 100);
    gap.erase(gap.begin() + 50);
    auto step = state.process(gap, true);
    CHECK(state.phase() == sync::HeadersPresync::Phase::failed);
    CHECK(step.peer_at_fault);
  }
  SUBCASE("more headers than six per second since the fork point") {
    // The clock is 100 s past genesis: with the 2 h allowance, at most 6 * 7300 headers, one
    // commitment per 100 of them: 438 commitments.
    params.headers_sync.commitment_period = 100;
    sync::HeaderTree small(params);
    sync::HeadersPresync state(small, small.genesis(), small.storage_work_threshold(), 5,
                               params.genesis.header.time + 100);
    auto longer = mine_chain(params, 46'000);
    bool failed = false;
    for (std::size_t at = 0; at < longer.size() && !failed; at += 2000) {
      auto step = state.process(std::vector(longer.begin() + at, longer.begin() + at + 2000), true);
      failed = state.phase() == sync::HeadersPresync::Phase::failed;
      if (failed) CHECK(step.peer_at_fault);
    }
    CHECK(failed);
    CHECK(state.presync_height() <= 6 * 7300 + 200);
    CHECK(state.presync_height() > 6 * 7300 - 200);
  }
}
