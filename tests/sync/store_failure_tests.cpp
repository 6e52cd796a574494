// A store that fails (a full disk) stops the chain once: the first error is kept, every later call
// fails with it without writing again (never a loop on a failing write, never a flush of a cache
// that may be ahead of its undo data), and a restart with a working disk resumes to the right set.
// Also the leveldb error texts: a corrupt database names its folder and the recovery command.
#include <doctest/doctest.h>

#include <memory>
#include <string>

#include <leveldb/env.h>
#include <leveldb/status.h>

#include "chain_fixture.hpp"
#include "sync/leveldb_open.hpp"

using namespace peregrine;
using namespace peregrine::test;

namespace {

// LevelDB's files, with every append failing (and counted) while `full` is set, as on ENOSPC.
class FullDiskEnv : public leveldb::EnvWrapper {
public:
  FullDiskEnv() : EnvWrapper(leveldb::Env::Default()) {}
  bool full = false;
  int failed_writes = 0;

  leveldb::Status NewWritableFile(const std::string& name, leveldb::WritableFile** result) override {
    return wrap(target()->NewWritableFile(name, result), result);
  }
  leveldb::Status NewAppendableFile(const std::string& name, leveldb::WritableFile** result) override {
    return wrap(target()->NewAppendableFile(name, result), result);
  }

private:
  class File : public leveldb::WritableFile {
  public:
    File(leveldb::WritableFile* file, FullDiskEnv& env) : file_(file), env_(env) {}
    leveldb::Status Append(const leveldb::Slice& data) override {
      if (env_.full) {
        ++env_.failed_writes;
        return leveldb::Status::IOError("chainstate/000005.log", "No space left on device");
      }
      return file_->Append(data);
    }
    leveldb::Status Close() override { return file_->Close(); }
    leveldb::Status Flush() override { return file_->Flush(); }
    leveldb::Status Sync() override { return file_->Sync(); }

  private:
    std::unique_ptr<leveldb::WritableFile> file_;
    FullDiskEnv& env_;
  };
  leveldb::Status wrap(leveldb::Status status, leveldb::WritableFile** result) {
    if (status.ok()) *result = new File(*result, *this);
    return status;
  }
};

} // namespace

TEST_CASE("store failure: the first write error is kept, nothing is retried, and a restart resumes") {
  Builder b = spending_chain();
  FullDiskEnv env; // outlives the databases that use it
  sync::ChainStateOptions tiny;
  tiny.dbcache_bytes = 4096; // a flush every few blocks
  Node node(regtest(), tiny);
  node.feed(std::vector(b.blocks.begin(), b.blocks.begin() + 40));

  // The same datadir, its UTXO database on a disk about to fill up.
  node.chain.reset();
  node.utxo.reset();
  sync::LevelDbTuning tuning;
  tuning.env = &env;
  node.utxo = std::move(sync::UtxoDb::open(node.dir / "chainstate", regtest(), tuning).value());
  node.chain = std::make_unique<sync::ChainState>(*node.tree, *node.headers, *node.blocks, *node.utxo, node.log, node.options);
  REQUIRE(node.chain->init().has_value());
  env.full = true;

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
  const int writes = env.failed_writes;
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
  CHECK(env.failed_writes == writes);
  CHECK(node.chain->tip().height == tip);

  // Room again: a restart goes on from the last flush, with the blocks stored before the failure.
  node.close();
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
