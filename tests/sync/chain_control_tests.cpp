// What the chain-control RPC methods (src/node/rpc_chain_control.cpp) rely on: the tree's
// invalidate/reconsider/prefer with the chain following, pruning on demand, and verify.
#include <doctest/doctest.h>

#include <fmt/format.h>

#include <fstream>

#include "chain_fixture.hpp"

namespace peregrine::test {
namespace {

// As the RPC does: change the tree, persist, let the chain follow to the end.
void follow(Node& node, const std::vector<const sync::HeaderEntry*>& changed) {
  REQUIRE(node.headers->write(changed).has_value());
  node.chain->forget_failures(changed);
  REQUIRE(node.chain->activate_best_chain().has_value());
  REQUIRE(node.chain->wait_for_checks().has_value());
}

} // namespace

TEST_CASE("chain control: invalidate rewinds the chain and survives a restart; reconsider from any block of the branch brings it back") {
  Builder b = spending_chain(); // 112
  Node node;
  node.feed(b.blocks);
  REQUIRE(node.chain->tip().height == 112);
  const Hash256 at105 = *node.tree->best().ancestor(105)->hash;
  const Hash256 at110 = *node.tree->best().ancestor(110)->hash;

  follow(node, node.tree->invalidate(*node.tree->find(at105)));
  CHECK(node.chain->tip().height == 104);
  CHECK(node.utxo_set() == Builder::fork(b, 104, 1).expected);

  node.close();
  node.open();
  CHECK(node.chain->tip().height == 104);
  CHECK(!node.tree->find(at110)->valid());

  // A descendant's reconsider clears the failed ancestor too (Core's ResetBlockFailureFlags).
  auto changed = node.tree->reconsider(*node.tree->find(at110));
  CHECK(changed.size() == 8); // 105..112
  follow(node, changed);
  CHECK(node.chain->tip().height == 112);
  CHECK(node.utxo_set() == b.expected);

  // Nothing failed: nothing to do.
  CHECK(node.tree->reconsider(*node.tree->find(at105)).empty());
}

TEST_CASE("chain control: a header that broke a header rule itself stays failed after reconsider") {
  Node node;
  Builder b;
  for (int i = 0; i < 3; ++i) b.add();
  node.feed(b.blocks);
  auto bad = b.tip();
  wire::BlockHeader h = mine_header(regtest(), wire::block_hash(bad), bad.time + 600, 42, 0x207ffffe); // wrong bits
  auto accepted = node.tree->accept(h, bad.time + 600);
  REQUIRE(!accepted.has_value());
  const sync::HeaderEntry* failed = node.tree->find(wire::block_hash(h));
  REQUIRE(failed != nullptr);
  CHECK(node.tree->reconsider(*failed).empty());
  CHECK(!failed->valid());
}

TEST_CASE("chain control: prefer picks among equal work, and never a chain with less") {
  Builder b = spending_chain(); // 112
  Node node;
  node.feed(b.blocks);
  Builder fork = Builder::fork(b, 111, 9);
  fork.add(); // a rival 112
  node.feed(fork.blocks.back());
  const sync::HeaderEntry* first = node.tree->find(wire::block_hash(b.blocks.back().header));
  const sync::HeaderEntry* rival = node.tree->find(wire::block_hash(fork.blocks.back().header));
  REQUIRE(&node.chain->tip() == first); // first seen wins

  CHECK(node.tree->prefer(*rival));
  follow(node, {});
  CHECK(&node.chain->tip() == rival);
  CHECK(node.utxo_set() == fork.expected);
  CHECK(!node.tree->prefer(*rival)); // already best

  // An invalidation's new choice keeps the precious one among equals.
  CHECK(node.tree->prefer(*first));
  follow(node, {});
  CHECK(&node.chain->tip() == first);
  // Less work: no effect.
  CHECK(!node.tree->prefer(*node.tree->best().ancestor(100)));
  CHECK(&node.tree->best() == first);
}

TEST_CASE("chain control: prune_to deletes the files wholly at or below the height, never the last 288 blocks") {
  Builder b = spending_chain();
  for (int i = 0; i < 300; ++i) b.add(); // 412
  sync::ChainStateOptions pruning;
  pruning.prune_target_bytes = std::uint64_t{1} << 40; // --prune given, its target never reached
  Node node(regtest(), pruning, 4096);
  node.feed(b.blocks);
  auto at = [&](int h) { return node.tree->best().ancestor(h); };
  REQUIRE(at(1)->have_data());
  CHECK(node.chain->stats().files_pruned == 0);

  REQUIRE(node.chain->prune_to(60).has_value());
  CHECK(!at(1)->have_data());
  CHECK(node.chain->stats().files_pruned > 0);
  int lowest = 412;
  while (lowest > 1 && at(lowest - 1)->have_data()) --lowest;
  CHECK(lowest <= 61);
  CHECK(lowest > 20); // a file holds a few dozen blocks: only those wholly below 60 went

  REQUIRE(node.chain->prune_to(100'000).has_value()); // clamped to tip - 288
  for (int h = 412 - 287; h <= 412; ++h) CHECK(at(h)->have_data());
  CHECK(!at(100)->have_data());
  CHECK(node.utxo_set() == b.expected);

  // verify stops at the first pruned block.
  auto v = node.chain->verify(3, 0);
  REQUIRE(v.has_value());
  CHECK(v->ok);
  CHECK(v->checked >= 288);
  CHECK(v->checked < 412 - 100);
}

TEST_CASE("chain control: verify checks the last blocks at each level without changing the UTXO set") {
  Builder b = spending_chain(); // 112, with spends in 111 and 112
  Node node;
  node.feed(b.blocks);
  for (int level = 0; level <= 4; ++level) {
    auto v = node.chain->verify(level, 6);
    REQUIRE(v.has_value());
    CHECK_MESSAGE(v->ok, v->problem);
    CHECK(v->checked == 6);
  }
  auto all = node.chain->verify(3, 0);
  REQUIRE(all.has_value());
  CHECK(all->ok);
  CHECK(all->checked == 112);
  CHECK(node.utxo_set() == b.expected);
  CHECK(node.chain->tip().height == 112);

  // The tip's last byte (its last transaction's lock time) altered on disk: the block still reads
  // back with its header's hash (level 0), but its transactions no longer match the merkle root.
  const sync::HeaderEntry& tip = node.chain->tip();
  const std::size_t size = wire::to_bytes(b.blocks.back()).size();
  {
    std::fstream f(node.dir / "blocks" / fmt::format("blk{:05}.dat", tip.data_pos().file),
                   std::ios::in | std::ios::out | std::ios::binary);
    f.seekp(tip.data_pos().offset + size - 1);
    f.put(static_cast<char>(0x7f));
  }
  auto level0 = node.chain->verify(0, 1);
  REQUIRE(level0.has_value());
  CHECK(level0->ok);
  auto level1 = node.chain->verify(1, 1);
  REQUIRE(level1.has_value());
  CHECK(!level1->ok);
  CHECK(level1->problem.find("bad-txnmrklroot") != std::string::npos);
}

TEST_CASE("chain control: verify at level 3 finds a UTXO set that disagrees with the blocks") {
  Builder b = spending_chain(); // 112
  Node node;
  node.feed(b.blocks);
  REQUIRE(node.chain->flush().has_value());
  // The tip's coinbase output removed from the database behind the chain's back.
  const wire::OutPoint coinbase{wire::txid(b.blocks.back().txs[0]), 0};
  {
    sync::CoinsCache other(*node.utxo);
    auto spent = other.spend(coinbase);
    REQUIRE(spent.has_value());
    REQUIRE(spent->has_value());
    REQUIRE(other.flush(node.utxo->best_block(), node.utxo->chain_tx()).has_value());
  }
  auto level2 = node.chain->verify(2, 1);
  REQUIRE(level2.has_value());
  CHECK(level2->ok); // blocks and undo data are fine
  auto level3 = node.chain->verify(3, 1);
  REQUIRE(level3.has_value());
  CHECK(!level3->ok);
  CHECK(level3->problem.find("is not in the UTXO set") != std::string::npos);
}

} // namespace peregrine::test
