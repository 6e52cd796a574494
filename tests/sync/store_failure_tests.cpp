// A store that fails (a full disk) stops the chain once: the first error is kept, every later call
// fails with it without writing again (never a loop on a failing write, never a flush of a cache
// that may be ahead of its undo data), and a restart with a working disk resumes to the right set.
// Also the leveldb error texts: a corrupt database names its folder and the recovery command.
#include <doctest/doctest.h>

#include <memory>
#include <string>

#include <leveldb/status.h>

#include "chain_fixture.hpp"
#include "sync/leveldb_open.hpp"
#include "util/fault_plan.hpp"

using namespace peregrine;
using namespace peregrine::test;

TEST_CASE("store failure: the first write error is kept, nothing is retried, and a restart resumes") {
  Builder b = spending_chain();
  sync::ChainStateOptions tiny;
  tiny.dbcache_bytes = 4096; // a flush every few blocks
  Node node(regtest(), tiny);
  node.feed(std::vector(b.blocks.begin(), b.blocks.begin() + 40));

  // The UTXO database's disk fills up: every write to its files fails from now on (util/file_io).
  util::set_fault_plan(util::FaultPlan{"chainstate", util::FaultOp::write, util::FaultKind::enospc, 1});
  struct Clear {
    ~Clear() { util::set_fault_plan(std::nullopt); }
  } clear;

  std::string first;
  std::size_t fed = 40;
  for (; fed < b.blocks.size() && first.empty(); ++fed) {
    auto r = node.chain->process_block(b.blocks[fed], wire::to_bytes(b.blocks[fed]));
    if (r) r = node.chain->wait_for_checks();
    if (!r) first = r.error();
  }
  REQUIRE_FALSE(first.empty());
  CHECK(first.find("No space left on device") != std::string::npos);
  CHECK(first.find((node.dir / "chainstate").string()) != std::string::npos); // the database is named
  const auto writes = util::fault_matches();
  const int tip = node.chain->tip().height;
  // Every later call answers with the first error and writes nothing.
  for (std::size_t i = fed; i < b.blocks.size(); ++i) {
    auto r = node.chain->process_block(b.blocks[i], wire::to_bytes(b.blocks[i]));
    REQUIRE_FALSE(r.has_value());
    CHECK(r.error() == first);
  }
  CHECK(node.chain->wait_for_checks().error() == first);
  CHECK(node.chain->flush().error() == first);
  CHECK(node.chain->activate_best_chain().error() == first);
  CHECK(util::fault_matches() == writes);
  CHECK(node.chain->tip().height == tip);

  // Room again: a restart goes on from the last flush, with the blocks stored before the failure.
  node.close();
  util::set_fault_plan(std::nullopt);
  node.open();
  node.feed(std::vector(b.blocks.begin() + static_cast<std::ptrdiff_t>(fed), b.blocks.end()));
  CHECK(node.chain->tip().height == 112);
  CHECK(node.utxo_set() == b.expected);
}

TEST_CASE("store failure: a corrupt database's error names its folder and the command that rebuilds it") {
  const auto corrupt = leveldb::Status::Corruption("block checksum mismatch", "/d/chainstate/000012.ldb");
  const std::string utxo = sync::leveldb_error("cannot read", "UTXO database", "/d/chainstate", corrupt);
  CHECK(utxo.find("/d/chainstate") != std::string::npos);
  CHECK(utxo.find("block checksum mismatch") != std::string::npos);
  CHECK(utxo.find("peregrine sync --reindex-chainstate") != std::string::npos);
  const std::string headers = sync::leveldb_error("cannot read", "header store", "/d/headers", corrupt);
  CHECK(headers.find("peregrine sync --reindex`") != std::string::npos);
  // Not corruption (a full disk): no rebuild is suggested.
  const auto io = leveldb::Status::IOError("/d/chainstate/000005.log", "No space left on device");
  CHECK(sync::leveldb_error("cannot write", "UTXO database", "/d/chainstate", io).find("reindex") == std::string::npos);
}
