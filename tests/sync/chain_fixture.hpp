#pragma once
// A datadir with every chain store open (reopenable as a restart would), and a chain of blocks
// built beside the UTXO set it should produce: shared by the chain state and chain worker tests.
#include <doctest/doctest.h>

#include <filesystem>
#include <map>
#include <memory>
#include <utility>
#include <vector>

#include "block_builder.hpp"
#include "sync/chain_state.hpp"
#include "temp_dir.hpp"

namespace peregrine::test {

using UtxoMap = std::map<wire::OutPoint, consensus::Coin>;

inline const consensus::ChainParams& regtest() { return consensus::chain_params(consensus::Network::regtest); }

// A datadir with every store open, reopenable as a restart would.
struct Node {
  TempDir temp{"peregrine-chain"};
  const std::filesystem::path dir = temp.path;
  const consensus::ChainParams& params;
  sync::ChainStateOptions options;
  util::Logger log{[](util::LogLevel, std::string_view, std::string_view) {}};
  std::unique_ptr<sync::HeaderStore> headers;
  std::unique_ptr<sync::BlockStore> blocks;
  std::unique_ptr<sync::UtxoDb> utxo;
  std::unique_ptr<sync::HeaderTree> tree;
  std::unique_ptr<sync::ChainState> chain;

  std::uint32_t max_file_size = sync::kDefaultMaxBlockFileSize;

  explicit Node(const consensus::ChainParams& p = regtest(), sync::ChainStateOptions o = {},
                std::uint32_t file_size = sync::kDefaultMaxBlockFileSize)
      : params(p), options(o), max_file_size(file_size) {
    options.par = 1;
    open();
  }
  ~Node() { close(); }
  void close() {
    chain.reset();
    tree.reset();
    utxo.reset();
    blocks.reset();
    headers.reset();
  }
  void open() {
    headers = std::move(sync::HeaderStore::open(dir / "headers", params).value());
    blocks = std::move(sync::BlockStore::open(dir / "blocks", params, max_file_size).value());
    utxo = std::move(sync::UtxoDb::open(dir / "chainstate", params).value());
    tree = std::make_unique<sync::HeaderTree>(params);
    REQUIRE(headers->load_into(*tree).has_value());
    chain = std::make_unique<sync::ChainState>(*tree, *headers, *blocks, *utxo, log, options);
    auto i = chain->init();
    REQUIRE_MESSAGE(i.has_value(), i.error());
    REQUIRE(chain->activate_best_chain().has_value());
    REQUIRE(chain->wait_for_checks().has_value());
  }
  // Feeds blocks without waiting for their scripts (checked behind the coin updates), then waits.
  void feed(const std::vector<wire::Block>& list) {
    for (const auto& block : list) {
      auto r = chain->process_block(block, wire::to_bytes(block));
      REQUIRE_MESSAGE(r.has_value(), r.error());
    }
    auto w = chain->wait_for_checks();
    REQUIRE_MESSAGE(w.has_value(), w.error());
  }
  void feed(const wire::Block& block) { feed(std::vector{block}); }
  UtxoMap utxo_set() {
    REQUIRE(chain->flush().has_value());
    UtxoMap set;
    REQUIRE(utxo->for_each([&](const wire::OutPoint& o, const consensus::Coin& c) { set.emplace(o, c); }).has_value());
    return set;
  }
  std::string last_invalid() const {
    return chain->invalid_blocks().empty() ? "" : chain->invalid_blocks().back().reason;
  }
};

// A chain and the UTXO set it should produce, computed naively beside it.
struct Builder {
  const consensus::ChainParams& params = regtest();
  std::vector<wire::Block> blocks;
  UtxoMap expected;
  std::uint32_t tag = 0;

  explicit Builder(std::uint32_t t = 0) : tag(t) {}
  const wire::BlockHeader& tip() const { return blocks.empty() ? params.genesis.header : blocks.back().header; }
  int height() const { return static_cast<int>(blocks.size()); }
  wire::OutPoint coinbase_of(int h) const { return {wire::txid(blocks.at(h - 1).txs[0]), 0}; }

  const wire::Block& add(std::vector<wire::Transaction> txs = {}, std::int64_t fees = 0) {
    add_existing(make_block(params, tip(), height() + 1, std::move(txs), fees, tag));
    return blocks.back();
  }
  void add_existing(const wire::Block& block) {
    blocks.push_back(block);
    const int h = height();
    for (const auto& tx : block.txs) {
      for (const auto& in : tx.inputs)
        if (!tx.is_coinbase()) expected.erase(in.prevout);
      for (std::uint32_t i = 0; i < tx.outputs.size(); ++i)
        expected[{wire::txid(tx), i}] = consensus::Coin{tx.outputs[i], h, tx.is_coinbase()};
    }
  }
  // Another builder's first `height` blocks, to grow a competing branch on.
  static Builder fork(const Builder& from, int height, std::uint32_t tag) {
    Builder b(tag);
    for (int h = 1; h <= height; ++h) b.add_existing(from.blocks[h - 1]);
    return b;
  }
  std::int64_t coinbase_value(int h) const { return blocks.at(h - 1).txs[0].outputs[0].value; }
};

// 110 blocks, then spends of mature coinbases, one spending an output of the same block.
inline Builder spending_chain() {
  Builder b;
  for (int i = 0; i < 110; ++i) b.add();
  auto t1 = spend_tx(b.coinbase_of(1), b.coinbase_value(1), 1000, 2);
  b.add({t1}, 1000);
  auto t2 = spend_tx(b.coinbase_of(2), b.coinbase_value(2), 500);
  auto t3 = spend_tx({wire::txid(t2), 0}, t2.outputs[0].value, 700, 3); // spends t2 in the same block
  auto t4 = spend_tx({wire::txid(t1), 1}, t1.outputs[1].value, 0);
  b.add({t2, t3, t4}, 1200);
  return b;
}

} // namespace peregrine::test
