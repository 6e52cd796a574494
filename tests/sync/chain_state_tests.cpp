// The chain state: blocks connect into the UTXO set and disconnect from it exactly, invalid blocks
// leave it untouched and are named by their rule, reorgs land on the same set as a fresh import of
// the winning branch, and a restart after an unflushed run resumes to the same set.
#include <doctest/doctest.h>

#include <filesystem>
#include <map>
#include <random>
#include <utility>

#include "chain_fixture.hpp"
#include "test_data.hpp"
#include "wire/blk_file.hpp"

using namespace peregrine;
using namespace peregrine::test;


TEST_CASE("chain state: blocks with spends connect to exactly the expected UTXO set, kept across a restart") {
  Builder b = spending_chain();
  Node node;
  node.feed(b.blocks);
  CHECK(node.chain->tip().height == 112);
  CHECK(*node.chain->tip().hash == wire::block_hash(b.tip()));
  CHECK(node.chain->invalid_blocks().empty());
  CHECK(node.chain->stats().inputs == 4);
  CHECK(node.utxo_set() == b.expected);
  node.close();
  node.open();
  CHECK(node.chain->tip().height == 112);
  CHECK(node.utxo_set() == b.expected);
}

TEST_CASE("chain state: an invalid block is named by its rule and leaves the UTXO set untouched") {
  Builder b = spending_chain();
  Node node;
  node.feed(b.blocks);
  const UtxoMap before = node.utxo_set();
  SUBCASE("the coinbase claims too much") {
    node.feed(make_block(b.params, b.tip(), 113, {}, 0, 9, 1));
    CHECK(node.last_invalid() == "bad-cb-amount");
  }
  SUBCASE("an immature coinbase spent") {
    auto tx = spend_tx(b.coinbase_of(50), b.coinbase_value(50), 0);
    node.feed(make_block(b.params, b.tip(), 113, {tx}, 0, 9));
    CHECK(node.last_invalid() == "bad-txns-premature-spend-of-coinbase");
  }
  SUBCASE("a coin spent twice") {
    auto tx = spend_tx(b.coinbase_of(1), b.coinbase_value(1), 0);
    node.feed(make_block(b.params, b.tip(), 113, {tx}, 0, 9));
    CHECK(node.last_invalid() == "bad-txns-inputs-missingorspent");
  }
  SUBCASE("a spend after an output of the same block was already used, partially applied first") {
    auto good = spend_tx(b.coinbase_of(3), b.coinbase_value(3), 0);
    auto bad = spend_tx(b.coinbase_of(1), b.coinbase_value(1), 0);
    node.feed(make_block(b.params, b.tip(), 113, {good, bad}, 0, 9));
    CHECK(node.last_invalid() == "bad-txns-inputs-missingorspent");
  }
  SUBCASE("a script that fails") {
    auto tx = spend_tx(b.coinbase_of(4), b.coinbase_value(4), 0);
    tx.inputs[0].script_sig = {0x6a}; // OP_RETURN: fails at once
    node.feed(make_block(b.params, b.tip(), 113, {tx}, 0, 9));
    CHECK(node.last_invalid().starts_with("mandatory-script-verify-flag-failed"));
  }
  CHECK(node.chain->tip().height == 112);
  CHECK(node.utxo_set() == before);
  // The invalid block's children are refused too.
  CHECK(node.tree->best_height() == 112);
}

TEST_CASE("chain state: a script failure found behind later blocks rolls them all back") {
  Builder b = spending_chain(); // 112
  Node node;
  node.feed(b.blocks);
  // 113 is good; 114 fails a script; 115 and 116 build on 114, spending its outputs. No verdict
  // comes until all four are applied to the coins.
  b.add({spend_tx(b.coinbase_of(5), b.coinbase_value(5), 0)});
  const UtxoMap after_good = b.expected;
  auto bad = spend_tx(b.coinbase_of(6), b.coinbase_value(6), 0);
  bad.inputs[0].script_sig = {0x6a};
  const wire::Block bad_block = make_block(b.params, b.tip(), 114, {bad}, 0, 9);
  const auto spends_bad = spend_tx({wire::txid(bad), 0}, bad.outputs[0].value, 0);
  const wire::Block child = make_block(b.params, bad_block.header, 115, {spends_bad}, 0, 9);
  const wire::Block grandchild =
      make_block(b.params, child.header, 116, {spend_tx({wire::txid(spends_bad), 0}, spends_bad.outputs[0].value, 0)},
                 0, 9);
  node.chain->hold_script_checks(true);
  for (const wire::Block* block : {&std::as_const(b.blocks.back()), &bad_block, &child, &grandchild})
    REQUIRE(node.chain->process_block(*block, wire::to_bytes(*block)).has_value());
  CHECK(node.chain->tip().height == 112); // applied, not yet connected
  CHECK(node.chain->invalid_blocks().empty());
  node.chain->hold_script_checks(false);
  REQUIRE(node.chain->wait_for_checks().has_value());
  REQUIRE(node.chain->invalid_blocks().size() == 1);
  CHECK(node.chain->invalid_blocks()[0].hash == wire::block_hash(bad_block.header));
  CHECK(node.last_invalid().starts_with("mandatory-script-verify-flag-failed"));
  CHECK(node.chain->tip().height == 113);
  CHECK(node.tree->best_height() == 113);
  CHECK(node.utxo_set() == after_good);
  // The chain goes on from the last good block.
  b.add({spend_tx(b.coinbase_of(6), b.coinbase_value(6), 0)});
  node.feed(b.blocks.back());
  CHECK(node.chain->tip().height == 114);
  CHECK(node.utxo_set() == b.expected);
}

TEST_CASE("chain state: reorgs back and forth end on the same set as a fresh import of the winner") {
  Builder a = spending_chain();
  for (int i = 0; i < 3; ++i) a.add(); // 115
  Builder b = Builder::fork(a, 111, 7);
  auto tb = spend_tx(b.coinbase_of(5), b.coinbase_value(5), 100);
  b.add({tb}, 100);
  for (int i = 0; i < 5; ++i) b.add(); // 117: more work than a

  Node node;
  node.feed(a.blocks);
  CHECK(node.chain->tip().height == 115);
  node.feed(std::vector(b.blocks.begin() + 111, b.blocks.end()));
  CHECK(node.chain->tip().height == 117);
  CHECK(node.chain->stats().blocks_disconnected == 4);
  CHECK(node.utxo_set() == b.expected);
  {
    Node fresh;
    fresh.feed(b.blocks);
    CHECK(fresh.utxo_set() == b.expected);
  }
  for (int i = 0; i < 3; ++i) a.add(); // 118: a wins again
  node.feed(std::vector(a.blocks.begin() + 115, a.blocks.end()));
  CHECK(node.chain->tip().height == 118);
  CHECK(node.utxo_set() == a.expected);
}

TEST_CASE("chain state: a restart after unflushed work resumes from the last flush, whose blocks alone are recorded, to the same set") {
  Builder b = spending_chain();
  sync::ChainStateOptions tiny;
  tiny.dbcache_bytes = 4096; // flush every few blocks
  Node node(regtest(), tiny);
  node.feed(std::vector(b.blocks.begin(), b.blocks.begin() + 100));
  const int flushed = node.tree->find(node.utxo->best_block())->height;
  CHECK(flushed > 0);
  CHECK(flushed <= 100);
  node.close();
  node.options = {}; // a cache that holds the rest: nothing flushed after block 100
  node.options.par = 1;
  node.open();
  node.feed(std::vector(b.blocks.begin() + node.chain->tip().height, b.blocks.begin() + 100));
  REQUIRE(node.chain->flush().has_value());
  node.feed(std::vector(b.blocks.begin() + 100, b.blocks.end()));
  const int last_flush = node.tree->find(node.utxo->best_block())->height;
  REQUIRE(last_flush == 100);
  // Gone without a final flush, as a kill -9 (or a power cut) would leave it.
  node.close();
  node.open();
  // The header store names only blocks whose bytes were fsynced, at a flush: the blocks stored
  // after the last one are not known to be stored, and must come again (as Core re-downloads them).
  CHECK(node.chain->tip().height == last_flush);
  const auto* next = node.tree->find(wire::block_hash(b.blocks[last_flush].header)); // blocks[i] is height i + 1
  REQUIRE(next != nullptr);
  CHECK(next->height == last_flush + 1);
  CHECK_FALSE(next->have_data());
  CHECK_FALSE(next->have_undo());
  node.feed(std::vector(b.blocks.begin() + last_flush, b.blocks.end()));
  CHECK(node.chain->tip().height == 112);
  CHECK(node.utxo_set() == b.expected);
}

TEST_CASE("chain state: --prune deletes the oldest files, keeps the last 288 blocks, and survives a restart") {
  Builder b = spending_chain();
  for (int i = 0; i < 300; ++i) b.add(); // 412
  sync::ChainStateOptions pruning;
  pruning.prune_target_bytes = 1; // prune all it may
  Node node(regtest(), pruning, 4096); // a few dozen blocks per file
  node.feed(b.blocks);
  REQUIRE(node.chain->tip().height == 412);
  CHECK(node.utxo_set() == b.expected);
  CHECK(node.chain->stats().files_pruned > 0);
  auto at = [&](int h) { return node.tree->best().ancestor(h); };
  auto check_kept = [&] {
    for (int h = 412 - 287; h <= 412; ++h) {
      CHECK(at(h)->have_data());
      CHECK(at(h)->have_undo());
    }
    CHECK(!at(1)->have_data());
    CHECK(!at(1)->have_undo());
    CHECK(!std::filesystem::exists(node.dir / "blocks" / "blk00000.dat"));
    CHECK(!std::filesystem::exists(node.dir / "blocks" / "rev00000.dat"));
  };
  check_kept();
  // A block connected before is not stored again.
  node.feed(b.blocks[0]);
  CHECK(!at(1)->have_data());

  node.close();
  node.open();
  CHECK(node.chain->tip().height == 412);
  check_kept();
  CHECK(node.utxo_set() == b.expected);

  // Reorgs within the kept blocks still work.
  Builder fork = Builder::fork(b, 405, 77);
  for (int i = 0; i < 10; ++i) fork.add(); // 415
  node.feed(std::vector(fork.blocks.begin() + 405, fork.blocks.end()));
  CHECK(node.chain->tip().height == 415);
  CHECK(node.utxo_set() == fork.expected);
}

TEST_CASE("chain state: assumevalid skips scripts only of blocks two weeks of work behind the best header") {
  // Bad scripts at 150 and 190; the best header, the assumed-valid block, is at 2,200. Regtest
  // blocks all prove the same work, so two weeks is 2,016 blocks: 150 is further behind, 190 not.
  Builder b;
  auto bad_spend = [&](int coinbase_height) {
    auto tx = spend_tx(b.coinbase_of(coinbase_height), b.coinbase_value(coinbase_height), 0);
    tx.inputs[0].script_sig = {0x6a};
    return tx;
  };
  while (b.height() < 149) b.add();
  b.add({bad_spend(1)}); // 150
  while (b.height() < 189) b.add();
  b.add({bad_spend(2)}); // 190
  while (b.height() < 2200) b.add();

  sync::ChainStateOptions options;
  options.assumevalid_block = wire::block_hash(b.tip());
  Node node(regtest(), options);
  for (const auto& block : b.blocks) REQUIRE(node.tree->accept(block.header, block.header.time).has_value()); // header sync
  node.feed(b.blocks);
  CHECK(node.chain->tip().height == 189);
  REQUIRE(!node.chain->invalid_blocks().empty()); // 190, then its descendants as they come
  CHECK(node.chain->invalid_blocks()[0].height == 190);
  CHECK(node.chain->invalid_blocks()[0].reason.starts_with("mandatory-script-verify-flag-failed"));
  CHECK(node.chain->stats().scripts_skipped_blocks == 2200 - 2016 - 1);
}

TEST_CASE("chain state: the shared regtest chain (segwit spends) connects with every script checked") {
  Bytes file = load_shared("chain/regtest_blocks_0_206.blk");
  sync::ChainStateOptions all;
  all.assumevalid = false;
  Node node(regtest(), all);
  wire::Reader r(file);
  int count = 0;
  while (!r.at_end()) {
    auto record = wire::read_blk_record(r, regtest().magic);
    REQUIRE(record.has_value());
    auto block = wire::from_bytes<wire::Block>(record->block);
    REQUIRE(block.has_value());
    REQUIRE(node.chain->process_block(*block, record->block).has_value());
    ++count;
  }
  REQUIRE(node.chain->wait_for_checks().has_value());
  CHECK(node.chain->invalid_blocks().empty());
  CHECK(node.chain->tip().height == count - 1);
  CHECK(node.chain->stats().inputs > 0);
}

namespace {

// As a flush in parts cut short leaves it: the database marked as moving from its block to `to`,
// and every other changed coin (by key order) already as `to` has it.
void cut_flush_short(Node& node, const UtxoMap& from, const UtxoMap& to, const Hash256& to_hash) {
  // What a real flush does before its first part: the blocks made durable, their positions recorded.
  REQUIRE(node.blocks->sync().has_value());
  std::vector<const sync::HeaderEntry*> stored;
  node.tree->for_each([&](const sync::HeaderEntry& e) {
    if (!e.have_data() && !e.have_undo()) return;
    node.tree->mark_durable(e);
    stored.push_back(&e);
  });
  REQUIRE(node.headers->write(stored).has_value());
  REQUIRE(node.headers->sync().has_value());
  node.close();
  auto db = std::move(sync::UtxoDb::open(node.dir / "chainstate", node.params).value());
  REQUIRE(db->begin_flush(to_hash).has_value());
  sync::UtxoDb::Batch part;
  std::size_t changed = 0;
  for (const auto& [outpoint, coin] : to) {
    auto it = from.find(outpoint);
    if (it != from.end() && it->second == coin) continue;
    if (changed++ % 2 == 0) part.put(outpoint, consensus::encode_coin(coin));
  }
  for (const auto& [outpoint, coin] : from)
    if (!to.contains(outpoint) && changed++ % 2 == 0) part.erase(outpoint);
  REQUIRE(changed > 4);
  REQUIRE(db->write_part(part).has_value());
  db.reset(); // the crash: no finish_flush
}

} // namespace

TEST_CASE("chain state: a flush in parts cut short is replayed to the set of the block it moved to") {
  SUBCASE("along one branch") {
    Builder b = spending_chain(); // 112
    const UtxoMap at_112 = b.expected;
    for (int h = 3; h < 23; ++h) b.add({spend_tx(b.coinbase_of(h + 10), b.coinbase_value(h + 10), 300, 2)}, 300);
    Node node;
    node.feed(std::vector<wire::Block>(b.blocks.begin(), b.blocks.begin() + 112));
    REQUIRE(node.utxo_set() == at_112); // flushed: the database is at 112
    node.feed(std::vector<wire::Block>(b.blocks.begin() + 112, b.blocks.end()));
    REQUIRE(node.chain->tip().height == 132); // connected, not flushed
    cut_flush_short(node, at_112, b.expected, wire::block_hash(b.tip()));
    node.open(); // replays
    CHECK(node.chain->tip().height == 132);
    CHECK(node.utxo->unfinished_flush() == std::nullopt);
    CHECK(node.utxo_set() == b.expected);
  }
  SUBCASE("from a branch that lost to another") {
    Builder x = spending_chain(); // 112
    Builder y = Builder::fork(x, 110, 5);
    for (int h = 3; h < 6; ++h) x.add({spend_tx(x.coinbase_of(h), x.coinbase_value(h), 100)}, 100);
    for (int h = 4; h < 11; ++h) y.add({spend_tx(y.coinbase_of(h), y.coinbase_value(h), 200, 2)}, 200);
    REQUIRE(y.height() > x.height());
    Node node;
    node.feed(x.blocks);
    REQUIRE(node.utxo_set() == x.expected); // flushed at x's tip (115)
    node.feed(std::vector<wire::Block>(y.blocks.begin() + 110, y.blocks.end())); // reorg to y's 117
    REQUIRE(*node.chain->tip().hash == wire::block_hash(y.tip()));
    cut_flush_short(node, x.expected, y.expected, wire::block_hash(y.tip()));
    node.open(); // rolls x's blocks back, y's forward
    CHECK(*node.chain->tip().hash == wire::block_hash(y.tip()));
    CHECK(node.utxo_set() == y.expected);
  }
}
