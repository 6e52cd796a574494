// The chain on its own thread: blocks handed over in any order end on exactly the set a plain
// feed gives, parked or read back; a block found invalid there waits for the owner's
// invalidation, then the chain goes on along the other branch; coins read ahead on worker threads
// reach the cache only while still true; script verdicts name the first failing input in block
// order however the pool ran them.
#include <doctest/doctest.h>

#include <algorithm>
#include <chrono>
#include <random>
#include <thread>

#include "chain_fixture.hpp"
#include "sync/chain_worker.hpp"
#include "sync/coin_prefetcher.hpp"
#include "sync/script_checker.hpp"
#include "util/unix_time.hpp"

using namespace peregrine;
using namespace peregrine::test;
using namespace std::chrono_literals;

namespace {

// What an owner thread does before handing a block over: accept its header, hash it.
sync::ReceivedBlock receive(sync::HeaderTree& tree, const wire::Block& block) {
  auto accepted = tree.accept(block.header, util::unix_time());
  REQUIRE(accepted.has_value());
  sync::ReceivedBlock r;
  r.entry = accepted->entry;
  REQUIRE_FALSE(consensus::find_mutation(block, r.entry->height, tree.params(), &r.txids));
  r.witness_checked = true;
  r.block = std::make_shared<const wire::Block>(block);
  r.raw = wire::to_bytes(block);
  return r;
}

// Waits (a few seconds at most) for the chain thread to reach a height.
bool wait_for_height(const sync::ChainWorker& worker, int height) {
  const auto deadline = std::chrono::steady_clock::now() + 20s;
  while (worker.tip().height != height && std::chrono::steady_clock::now() < deadline) std::this_thread::sleep_for(1ms);
  return worker.tip().height == height;
}

// 112 blocks of spending_chain, then 40 more each spending an old coinbase and the previous
// block's output, so coins both old and young are spent.
Builder longer_chain() {
  Builder b = spending_chain();
  for (int h = 3; h < 43; ++h) {
    std::vector<wire::Transaction> txs{spend_tx(b.coinbase_of(h + 10), b.coinbase_value(h + 10), 300, 2)};
    b.add(std::move(txs), 300);
  }
  return b;
}

} // namespace

TEST_CASE("chain worker: blocks handed over out of order end on the expected set, parked or read back") {
  const Builder b = longer_chain();
  for (const std::size_t parked_budget : {std::size_t{64} << 20, std::size_t{1}}) {
    CAPTURE(parked_budget);
    sync::ChainStateOptions options;
    options.parked_bytes = parked_budget; // 1: every early block is read back from the store
    Node node(regtest(), options);
    sync::ChainWorker worker(*node.chain, *node.tree, sync::ChainWorker::Mode::thread);
    // Headers first, as header sync does; then the blocks shuffled within runs of 16, as several
    // peers deliver them.
    std::vector<sync::ReceivedBlock> received;
    for (const auto& block : b.blocks) received.push_back(receive(*node.tree, block));
    std::mt19937 rng(7);
    for (std::size_t at = 0; at < received.size(); at += 16)
      std::shuffle(received.begin() + static_cast<std::ptrdiff_t>(at),
                   received.begin() + static_cast<std::ptrdiff_t>(std::min(received.size(), at + 16)), rng);
    for (auto& r : received) worker.submit(std::move(r));
    REQUIRE(wait_for_height(worker, b.height()));
    REQUIRE(worker.stop().has_value());
    CHECK(worker.snapshot().invalid.empty());
    CHECK(node.chain->parked_blocks() == 0);
    CHECK(node.utxo_set() == b.expected);
  }
}

TEST_CASE("chain worker: a block found invalid on the chain thread waits for the owner's invalidation") {
  Builder honest = spending_chain(); // 112
  Builder bad_branch = Builder::fork(honest, 112, 5);
  auto bad = spend_tx(bad_branch.coinbase_of(6), bad_branch.coinbase_value(6), 0);
  bad.inputs[0].script_sig = {0x6a}; // OP_RETURN: the script fails
  bad_branch.add({bad});
  bad_branch.add();
  honest.add();
  honest.add();
  honest.add(); // 115: more work than the bad branch's 114

  Node node;
  node.feed(std::vector<wire::Block>(honest.blocks.begin(), honest.blocks.begin() + 112));
  sync::ChainWorker worker(*node.chain, *node.tree, sync::ChainWorker::Mode::thread);
  for (int h = 113; h <= 114; ++h) worker.submit(receive(*node.tree, bad_branch.blocks[h - 1]));
  // The chain thread finds 113 invalid and hands it back; the tree is not changed behind the owner.
  std::vector<const sync::HeaderEntry*> failed;
  for (auto deadline = std::chrono::steady_clock::now() + 20s; failed.empty() && std::chrono::steady_clock::now() < deadline;)
    failed = worker.take_invalidations();
  REQUIRE(failed.size() == 1);
  CHECK(failed[0]->height == 113);
  CHECK(failed[0]->valid()); // still: the owner invalidates
  CHECK(worker.tip().height == 112);
  // The owner invalidates; the honest branch arrives and wins.
  node.tree->invalidate(*failed[0]);
  worker.activate();
  for (int h = 113; h <= 115; ++h) worker.submit(receive(*node.tree, honest.blocks[h - 1]));
  REQUIRE(wait_for_height(worker, 115));
  REQUIRE(worker.stop().has_value());
  CHECK(*worker.tip().hash == wire::block_hash(honest.tip()));
  const auto invalid = worker.snapshot().invalid;
  REQUIRE(invalid.size() == 1);
  CHECK(invalid[0].reason.starts_with("mandatory-script-verify-flag-failed"));
  CHECK(node.utxo_set() == honest.expected);
}

TEST_CASE("coin prefetcher: coins read ahead reach the cache only while the database they came from holds") {
  Builder b = spending_chain();
  Node node;
  node.feed(b.blocks);
  REQUIRE(node.chain->flush().has_value()); // every coin on disk, the cache empty
  std::vector<wire::OutPoint> coinbases;
  for (int h = 20; h < 60; ++h) coinbases.push_back(b.coinbase_of(h));
  sync::CoinPrefetcher prefetcher(*node.utxo, 2);
  sync::CoinsCache cache(*node.utxo);

  auto deliver_all = [&] {
    std::size_t delivered = 0;
    for (auto deadline = std::chrono::steady_clock::now() + 20s;
         prefetcher.outstanding() > 0 && std::chrono::steady_clock::now() < deadline;)
      delivered += prefetcher.deliver(cache);
    return delivered;
  };

  SUBCASE("read and delivered in the same epoch: in the cache, no database read left to do") {
    // One of them is spent in the cache first: what was read must not bring it back.
    auto spent = cache.spend(coinbases[0]);
    REQUIRE(spent.has_value());
    REQUIRE(spent->has_value());
    const auto misses = cache.lookups().misses;
    prefetcher.request(coinbases);
    CHECK(deliver_all() == coinbases.size() - 1);
    CHECK(prefetcher.stats().found == coinbases.size() - 1);
    CHECK(prefetcher.stats().stale == 1);
    for (std::size_t i = 1; i < coinbases.size(); ++i) CHECK(cache.cached(coinbases[i]));
    auto gone = cache.have(coinbases[0]);
    REQUIRE(gone.has_value());
    CHECK_FALSE(*gone);
    for (std::size_t i = 1; i < coinbases.size(); ++i) REQUIRE(cache.have(coinbases[i]).value());
    CHECK(cache.lookups().misses == misses); // all answered from memory
  }
  SUBCASE("a new epoch before delivery: everything read is dropped") {
    prefetcher.request(coinbases);
    prefetcher.new_epoch();
    CHECK(deliver_all() == 0);
    CHECK(prefetcher.stats().found == 0);
    for (const auto& o : coinbases) CHECK_FALSE(cache.cached(o));
  }
  SUBCASE("outpoints the database lacks are counted, not cached") {
    prefetcher.request({{Hash256{}, 7}});
    CHECK(deliver_all() == 0);
    CHECK(prefetcher.stats().absent == 1);
  }
}

TEST_CASE("script checker: many blocks at once, each verdict names its first failing input in block order") {
  // Blocks of 1 + 40 one-input transactions spending OP_TRUE outputs; in some, inputs fail
  // (scriptSig OP_RETURN) at several places. Runs of 16 inputs finish in any order on the pool.
  util::ThreadPool pool(2);
  sync::ScriptChecker checker(pool);
  struct Case {
    std::vector<int> failing; // transaction indexes with a failing input
  };
  const std::vector<Case> cases = {{{}}, {{6, 31}}, {{40}}, {{1, 2, 3}}, {{}}, {{33, 17}}};
  std::vector<std::future<sync::ScriptOutcome>> verdicts;
  for (int round = 0; round < 20; ++round) {
    for (const auto& c : cases) {
      auto block = std::make_shared<wire::Block>();
      block->txs.push_back(make_block(regtest(), regtest().genesis.header, 1, {}, 0).txs[0]);
      std::vector<wire::TxOut> spent;
      for (int t = 1; t <= 40; ++t) {
        wire::Transaction tx = spend_tx({Hash256{}, static_cast<std::uint32_t>(t)}, 1000, 0);
        tx.inputs[0].prevout.txid.bytes[0] = static_cast<std::uint8_t>(round + 1);
        if (std::find(c.failing.begin(), c.failing.end(), t) != c.failing.end()) tx.inputs[0].script_sig = {0x6a};
        block->txs.push_back(std::move(tx));
        spent.push_back({1000, kOpTrue});
      }
      verdicts.push_back(checker.submit(block, std::move(spent), consensus::ScriptFlags{}));
    }
  }
  for (std::size_t i = 0; i < verdicts.size(); ++i) {
    const Case& c = cases[i % cases.size()];
    const sync::ScriptOutcome outcome = verdicts[i].get();
    if (c.failing.empty()) {
      CHECK_FALSE(outcome.verdict.has_value());
      continue;
    }
    REQUIRE(outcome.verdict.has_value());
    CHECK(outcome.verdict->tx_index == static_cast<std::size_t>(*std::min_element(c.failing.begin(), c.failing.end())));
    CHECK(outcome.verdict->input_index == std::size_t{0});
  }
}
