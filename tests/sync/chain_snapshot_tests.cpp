// ChainState::load_snapshot (RPC loadtxoutset): a node at genesis takes a snapshot of another's set
// and then connects the blocks above it to the same set as the node that connected all of them; a
// refusal and an interrupted load both leave the chainstate empty.
#include <doctest/doctest.h>

#include <fstream>

#include "chain_fixture.hpp"
#include "sync/snapshot_dump.hpp"
#include "sync/snapshot_format.hpp"
#include "sync/utxo_stats.hpp"

using namespace peregrine;
using namespace peregrine::test;

namespace {

// The headers of the builder's blocks, in the node's tree and header store (as header sync leaves them).
void give_headers(Node& node, const Builder& b) {
  std::vector<const sync::HeaderEntry*> entries;
  for (const auto& block : b.blocks) {
    auto accepted = node.tree->accept(block.header, static_cast<std::int64_t>(block.header.time) + 3600);
    REQUIRE(accepted.has_value());
    entries.push_back(accepted->entry);
  }
  REQUIRE(node.headers->write(entries).has_value());
}

struct Dumped {
  std::filesystem::path file;
  sync::SnapshotExpectation expect;
};

// The full node's set at its tip, as a file.
Dumped dump(Node& full) {
  REQUIRE(full.chain->flush().has_value());
  const sync::HeaderEntry& tip = full.chain->tip();
  Dumped d{full.dir / "set.dat", {*tip.hash, static_cast<std::uint32_t>(tip.height), {}, 0}};
  auto dumped = sync::dump_utxo_snapshot(*full.utxo, full.params.magic, sync::kSnapshotVersionCore,
                                         static_cast<std::uint32_t>(tip.height), d.file);
  REQUIRE_MESSAGE(dumped.has_value(), dumped.error());
  d.expect.hash_serialized = dumped->stats.hash_serialized_3;
  return d;
}

std::expected<sync::SnapshotLoad, std::string> load(Node& node, const Dumped& d, const Hash256& hash) {
  std::ifstream in(d.file, std::ios::binary);
  auto reader = sync::SnapshotReader::open(in, &node.params.magic);
  REQUIRE(reader.has_value());
  sync::SnapshotExpectation expect = d.expect;
  expect.hash_serialized = hash;
  return node.chain->load_snapshot(**reader, expect);
}

} // namespace

TEST_CASE("chain snapshot: loaded at genesis, the chain goes on from the base to the same set") {
  Builder b = spending_chain();
  Node full;
  full.feed(b.blocks);
  const Dumped d = dump(full);
  for (int i = 0; i < 5; ++i) b.add();
  full.feed(std::vector<wire::Block>(b.blocks.end() - 5, b.blocks.end()));

  Node fresh;
  give_headers(fresh, b);
  // The full node has connected blocks: it refuses.
  auto busy = load(full, d, d.expect.hash_serialized);
  REQUIRE_FALSE(busy.has_value());
  CHECK(busy.error().find("no block is connected") != std::string::npos);

  auto loaded = load(fresh, d, d.expect.hash_serialized);
  REQUIRE_MESSAGE(loaded.has_value(), loaded.error());
  CHECK(fresh.chain->tip().height == 112);
  CHECK(fresh.utxo->snapshot_base() == d.expect.base_block);
  fresh.feed(std::vector<wire::Block>(b.blocks.end() - 5, b.blocks.end()));
  CHECK(fresh.chain->tip().height == 117);
  CHECK(fresh.utxo_set() == b.expected);
  CHECK(fresh.utxo_set() == full.utxo_set());
  // And after a restart.
  fresh.close();
  fresh.open();
  CHECK(fresh.chain->tip().height == 117);
  CHECK(fresh.utxo_set() == b.expected);
}

TEST_CASE("chain snapshot: a wrong hash is refused and the chainstate is empty again") {
  Builder b = spending_chain();
  Node full;
  full.feed(b.blocks);
  const Dumped d = dump(full);
  Node fresh;
  give_headers(fresh, b);
  Hash256 wrong;
  wrong.bytes.fill(0x11);
  auto refused = load(fresh, d, wrong);
  REQUIRE_FALSE(refused.has_value());
  CHECK(refused.error().find("refused") != std::string::npos);
  CHECK(fresh.chain->tip().height == 0);
  CHECK(fresh.utxo->best_block().is_zero());
  CHECK_FALSE(fresh.utxo->snapshot_base().has_value());
  CHECK(fresh.utxo_set().empty());
  // Then the blocks connect from genesis as if nothing had happened.
  fresh.feed(b.blocks);
  CHECK(fresh.utxo_set() == b.expected);
}

TEST_CASE("chain snapshot: a load cut short is found at the next start and undone") {
  Builder b = spending_chain();
  Node node;
  give_headers(node, b);
  const Hash256 base = wire::block_hash(b.tip());
  // What a crash in the middle of a load leaves: the marker, a flush toward the base, some coins.
  REQUIRE(node.utxo->set_snapshot_base(base).has_value());
  REQUIRE(node.utxo->begin_flush(base).has_value());
  sync::UtxoDb::Batch part;
  part.put(b.coinbase_of(1), consensus::encode_coin(b.expected.begin()->second));
  REQUIRE(node.utxo->write_part(part).has_value());
  node.close();
  node.open();
  CHECK(node.chain->tip().height == 0);
  CHECK(node.utxo->best_block().is_zero());
  CHECK_FALSE(node.utxo->unfinished_flush().has_value());
  CHECK(node.utxo_set().empty());
}
