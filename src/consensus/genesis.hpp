#pragma once
// Rebuilds a network's genesis block from its parameters, as Bitcoin Core's CreateGenesisBlock does.
#include <cstdint>
#include <string>

#include "util/bytes.hpp"
#include "util/hash256.hpp"
#include "wire/block.hpp"

namespace peregrine::consensus {

struct GenesisParams {
  std::string coinbase_message; // the text pushed in the coinbase script
  Bytes output_script;          // the script of the single coinbase output
  std::int64_t reward = 0;
  std::int32_t version = 1;
  std::uint32_t time = 0;
  std::uint32_t bits = 0;
  std::uint32_t nonce = 0;
  Hash256 hash; // the hash the rebuilt block must have
};

wire::Block build_genesis_block(const GenesisParams& params);

} // namespace peregrine::consensus
