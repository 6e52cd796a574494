// The header store: what was accepted comes back after a restart, with the same best header,
// work and failures, without revalidation; another network's store is refused.
#include <doctest/doctest.h>

#include "temp_dir.hpp"

#include <filesystem>
#include <random>

#include "chain_builder.hpp"
#include "sync/header_store.hpp"

using namespace peregrine;
using namespace peregrine::test;

namespace {

const consensus::ChainParams& regtest() { return consensus::chain_params(consensus::Network::regtest); }
constexpr std::int64_t kNow = 2'000'000'000;

std::vector<const sync::HeaderEntry*> accept_all(sync::HeaderTree& tree, const std::vector<wire::BlockHeader>& headers) {
  std::vector<const sync::HeaderEntry*> entries;
  for (const auto& h : headers) {
    auto r = tree.accept(h, kNow);
    REQUIRE(r.has_value());
    entries.push_back(r->entry);
  }
  return entries;
}

} // namespace

TEST_CASE("header store: a tree with forks and a failed header survives a restart") {
  TempDir dir;
  auto main = mine_chain(regtest(), 300, 1);
  auto fork = mine_chain(regtest(), main[99], 40, 2);
  Hash256 best;
  consensus::ArithU256 work;
  {
    auto store = sync::HeaderStore::open(dir.path, regtest());
    REQUIRE(store.has_value());
    sync::HeaderTree tree(regtest());
    auto entries = accept_all(tree, main);
    REQUIRE((*store)->write(entries).has_value());
    auto fork_entries = accept_all(tree, fork);
    REQUIRE((*store)->write(fork_entries).has_value());
    best = *tree.best().hash;
    work = tree.best().chain_work;
  }
  auto store = sync::HeaderStore::open(dir.path, regtest());
  REQUIRE(store.has_value());
  sync::HeaderTree tree(regtest());
  auto loaded = (*store)->load_into(tree);
  REQUIRE(loaded.has_value());
  CHECK(loaded->loaded == 340);
  CHECK(loaded->orphaned == 0);
  CHECK(tree.size() == 341);
  CHECK(*tree.best().hash == best);
  CHECK(tree.best().chain_work == work);
  CHECK(tree.best_height() == 300);
  CHECK(tree.at_height(150)->header() == main[149]);
  CHECK(tree.find(wire::block_hash(fork.back()))->height == 140);
  // The reloaded tree goes on accepting where it stopped.
  CHECK(tree.accept(mine_chain(regtest(), main.back(), 1, 3)[0], kNow).has_value());
}

TEST_CASE("header store: failed headers keep their status; records without a parent are ignored") {
  TempDir dir;
  auto chain = mine_chain(regtest(), 20);
  sync::HeaderTree tree(regtest());
  auto entries = accept_all(tree, chain);
  auto old = mine_header(regtest(), wire::block_hash(chain.back()), chain[2].time, 77);
  REQUIRE(tree.accept(old, kNow).error() == consensus::HeaderError::time_too_old);
  entries.push_back(tree.find(wire::block_hash(old)));
  {
    auto store = sync::HeaderStore::open(dir.path, regtest());
    REQUIRE(store.has_value());
    // Leave out height 10: everything above it is orphaned on reload.
    std::vector<const sync::HeaderEntry*> gap;
    for (const auto* e : entries)
      if (e->height != 10) gap.push_back(e);
    REQUIRE((*store)->write(gap).has_value());
  }
  auto store = sync::HeaderStore::open(dir.path, regtest());
  REQUIRE(store.has_value());
  sync::HeaderTree reloaded(regtest());
  auto loaded = (*store)->load_into(reloaded);
  REQUIRE(loaded.has_value());
  CHECK(loaded->loaded == 9);
  CHECK(loaded->orphaned == 11);
  CHECK(reloaded.best_height() == 9);

  {
    TempDir full;
    auto s = sync::HeaderStore::open(full.path, regtest());
    REQUIRE(s.has_value());
    REQUIRE((*s)->write(entries).has_value());
    sync::HeaderTree again(regtest());
    REQUIRE((*s)->load_into(again).has_value());
    const auto* failed = again.find(wire::block_hash(old));
    REQUIRE(failed != nullptr);
    CHECK_FALSE(failed->valid());
    CHECK(failed->failure() == consensus::HeaderError::time_too_old);
    CHECK(again.best_height() == 20);
  }
}

TEST_CASE("header store: a store of another network is refused with a clear error") {
  TempDir dir;
  REQUIRE(sync::HeaderStore::open(dir.path, regtest()).has_value());
  auto other = sync::HeaderStore::open(dir.path, consensus::chain_params(consensus::Network::testnet3));
  REQUIRE_FALSE(other.has_value());
  CHECK(other.error().find("another network") != std::string::npos);
}
