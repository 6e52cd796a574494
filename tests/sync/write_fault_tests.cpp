// The chain's stores under injected write faults (util/fault_plan through util/file_io): each
// failure is an error naming the file and the system's reason, a block file keeps no partial
// record, a failed fsync stays failed without being tried again, and LevelDB's files (tables, log,
// manifest, CURRENT's rename) fail the database call that needed them.
#include <doctest/doctest.h>

#include <filesystem>
#include <string>

#include "chain_fixture.hpp"
#include "sync/block_store.hpp"
#include "sync/header_store.hpp"
#include "sync/utxo_db.hpp"
#include "temp_dir.hpp"
#include "util/fault_plan.hpp"

using namespace peregrine;
using namespace peregrine::test;

namespace {

struct PlanScope {
  explicit PlanScope(const char* text) { util::set_fault_plan(util::parse_fault_plan(text).value()); }
  ~PlanScope() { util::set_fault_plan(std::nullopt); }
  PlanScope(const PlanScope&) = delete;
  PlanScope& operator=(const PlanScope&) = delete;
};

bool has(const std::string& text, const std::string& part) {
  if (text.find(part) != std::string::npos) return true;
  MESSAGE("\"", text, "\" lacks \"", part, "\"");
  return false;
}

struct Blocks {
  TempDir root{"peregrine-fault"};
  std::filesystem::path dir = root.path / "blocks";
  std::unique_ptr<sync::BlockStore> store = sync::BlockStore::open(dir, regtest()).value();
};

const Bytes kBlock(1000, 0xab);
const Bytes kUndo(300, 0x5c);

} // namespace

TEST_CASE("write faults: a failed block write names the file and leaves no partial record") {
  for (const char* plan : {"blocks:write:enospc:2", "blocks:write:short:2", "blocks:write:eio:2"}) {
    CAPTURE(plan);
    Blocks b;
    PlanScope fault(plan);
    REQUIRE(b.store->write_block(kBlock).has_value());
    auto failed = b.store->write_block(kBlock);
    REQUIRE_FALSE(failed.has_value());
    CHECK(has(failed.error(), "blocks/blk00000.dat at 1008: cannot write: "));
    CHECK(has(failed.error(), std::string(plan).find("eio") != std::string::npos ? "Input/output error"
                                                                                 : "No space left on device"));
    // A short write was cut back: the file ends where the last whole record does.
    CHECK(std::filesystem::file_size(b.dir / "blk00000.dat") == 1008);
  }
}

TEST_CASE("write faults: a partial write is completed, and the record reads back") {
  Blocks b;
  PlanScope fault("blocks:write:partial:1");
  auto pos = b.store->write_block(kBlock);
  REQUIRE(pos.has_value());
  CHECK(util::faults_injected() == 1);
  CHECK(b.store->read_block(*pos).value() == kBlock);
}

TEST_CASE("write faults: a failed fsync of a block or undo file is final: never tried again") {
  for (const char* plan : {"blocks:sync:eio:1", "undo:sync:eio:1", "blocks:sync:enospc:2"}) {
    CAPTURE(plan);
    Blocks b;
    PlanScope fault(plan);
    REQUIRE(b.store->write_block(kBlock).has_value());
    REQUIRE(b.store->write_undo(kUndo, Hash256{}).has_value());
    auto failed = b.store->sync();
    REQUIRE_FALSE(failed.has_value());
    const bool undo = std::string(plan).starts_with("undo");
    const bool dir = std::string(plan).ends_with(":2"); // the second sync of the blocks site: the directory's
    if (dir) CHECK(has(failed.error(), b.dir.string() + ": directory fsync failed: No space left on device"));
    else CHECK(has(failed.error(), undo ? "blocks/rev00000.dat: fsync failed: Input/output error"
                                        : "blocks/blk00000.dat: fsync failed: Input/output error"));
    const auto calls = util::fault_matches();
    CHECK(b.store->sync().error() == failed.error());
    CHECK(b.store->write_block(kBlock).error() == failed.error());
    CHECK(b.store->write_undo(kUndo, Hash256{}).error() == failed.error());
    CHECK(util::fault_matches() == calls); // nothing reached the disk again
  }
}

TEST_CASE("write faults: a block file that cannot be created names itself") {
  Blocks b;
  PlanScope fault("blocks:open:eio:1");
  auto failed = b.store->write_block(kBlock);
  REQUIRE_FALSE(failed.has_value());
  CHECK(has(failed.error(), (b.dir / "blk00000.dat").string() + ": cannot open: Input/output error"));
}

TEST_CASE("write faults: LevelDB's writes, syncs and renames fail the database call, naming its file") {
  TempDir root("peregrine-fault");
  SUBCASE("the UTXO database's log") {
    auto utxo = sync::UtxoDb::open(root.path / "chainstate", regtest()).value();
    PlanScope fault("chainstate:write:enospc:1");
    auto failed = utxo->apply({}, Hash256{});
    REQUIRE_FALSE(failed.has_value());
    CHECK(has(failed.error(), "cannot write the UTXO database " + (root.path / "chainstate").string()));
    CHECK(has(failed.error(), "IO error: " + (root.path / "chainstate").string() + "/"));
    CHECK(has(failed.error(), ".log: No space left on device"));
  }
  SUBCASE("the UTXO database's fsync") {
    auto utxo = sync::UtxoDb::open(root.path / "chainstate", regtest()).value();
    PlanScope fault("chainstate:sync:eio:1");
    auto failed = utxo->apply({}, Hash256{});
    REQUIRE_FALSE(failed.has_value());
    CHECK(has(failed.error(), ".log: Input/output error"));
    // LevelDB keeps a failed fsync as the database's error: nothing more is written.
    util::set_fault_plan(std::nullopt);
    CHECK_FALSE(utxo->apply({}, Hash256{}).has_value());
  }
  SUBCASE("the header store's sync") {
    auto headers = sync::HeaderStore::open(root.path / "headers", regtest()).value();
    PlanScope fault("headers:sync:eio:1");
    auto failed = headers->sync();
    REQUIRE_FALSE(failed.has_value());
    CHECK(has(failed.error(), "cannot sync the header store " + (root.path / "headers").string()));
    CHECK(has(failed.error(), "Input/output error"));
  }
  SUBCASE("CURRENT's rename when a database opens") {
    PlanScope fault("chainstate:rename:eio:1");
    auto failed = sync::UtxoDb::open(root.path / "chainstate", regtest());
    REQUIRE_FALSE(failed.has_value());
    CHECK(has(failed.error(), "cannot open the UTXO database " + (root.path / "chainstate").string()));
    CHECK(has(failed.error(), "Input/output error"));
  }
  SUBCASE("a table file that cannot be created") {
    PlanScope fault("headers:open:enospc:1");
    auto failed = sync::HeaderStore::open(root.path / "headers", regtest());
    REQUIRE_FALSE(failed.has_value());
    CHECK(has(failed.error(), "cannot open the header store"));
    CHECK(has(failed.error(), "No space left on device"));
  }
}
