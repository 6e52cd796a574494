#pragma once
// Builds valid regtest blocks for chain-state tests: a coinbase paying subsidy + fees to OP_TRUE
// (so anyone can spend it without a signature once mature), transactions spending such outputs,
// a correct merkle root, and regtest's easy proof of work.
#include <cstdint>
#include <vector>

#include "chain_builder.hpp"
#include "consensus/coinbase.hpp"
#include "wire/codec.hpp"
#include "wire/merkle.hpp"

namespace peregrine::test {

inline const Bytes kOpTrue = {0x51};

// The BIP34 height push (OP_1..OP_16 or the minimal number push), then a tag so branches differ
// and the script is at least the two bytes a coinbase needs.
inline Bytes coinbase_script(int height, std::uint32_t tag) {
  Bytes s;
  if (height >= 1 && height <= 16) {
    s.push_back(static_cast<std::uint8_t>(0x50 + height));
  } else {
    Bytes n;
    for (std::uint32_t v = static_cast<std::uint32_t>(height); v; v >>= 8) n.push_back(static_cast<std::uint8_t>(v));
    if (n.back() & 0x80) n.push_back(0);
    s.push_back(static_cast<std::uint8_t>(n.size()));
    s.insert(s.end(), n.begin(), n.end());
  }
  s.push_back(4);
  for (int i = 0; i < 4; ++i) s.push_back(static_cast<std::uint8_t>(tag >> (8 * i)));
  return s;
}

inline wire::Transaction spend_tx(const wire::OutPoint& from, std::int64_t value, std::int64_t fee, int outputs = 1) {
  wire::Transaction tx;
  tx.version = 1;
  tx.inputs.push_back({from, {}, 0xffffffff, {}});
  for (int i = 0; i < outputs; ++i) tx.outputs.push_back({(value - fee) / outputs, kOpTrue});
  return tx;
}

inline wire::Block make_block(const consensus::ChainParams& params, const wire::BlockHeader& parent, int height,
                              std::vector<wire::Transaction> txs, std::int64_t fees, std::uint32_t tag = 0,
                              std::int64_t extra_claim = 0) {
  wire::Block block;
  wire::Transaction coinbase;
  coinbase.version = 1;
  wire::OutPoint null_prevout;
  null_prevout.index = 0xffffffff;
  coinbase.inputs.push_back({null_prevout, coinbase_script(height, tag), 0xffffffff, {}});
  coinbase.outputs.push_back(
      {consensus::block_subsidy(height, params.subsidy_halving_interval) + fees + extra_claim, kOpTrue});
  block.txs.push_back(std::move(coinbase));
  for (auto& tx : txs) block.txs.push_back(std::move(tx));
  block.header.version = 0x20000000;
  block.header.prev_block = wire::block_hash(parent);
  block.header.merkle_root = wire::block_merkle_root(block).root;
  block.header.time = parent.time + 600;
  block.header.bits = parent.bits;
  while (!consensus::check_proof_of_work(wire::block_hash(block.header), block.header.bits, params))
    ++block.header.nonce;
  return block;
}

} // namespace peregrine::test
