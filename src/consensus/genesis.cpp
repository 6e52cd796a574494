#include "consensus/genesis.hpp"

#include "wire/merkle.hpp"

namespace peregrine::consensus {
namespace {

// Appends a minimal push of data (direct push up to 75 bytes, OP_PUSHDATA1 up to 255), which is
// all a genesis coinbase script needs.
void push(Bytes& script, ByteSpan data) {
  if (data.size() >= 0x4c) script.push_back(0x4c); // OP_PUSHDATA1
  script.push_back(static_cast<std::uint8_t>(data.size()));
  script.insert(script.end(), data.begin(), data.end());
}

} // namespace

wire::Block build_genesis_block(const GenesisParams& params) {
  // Every network's genesis coinbase script starts with the same two pushes in Bitcoin Core:
  // the number 486604799 (0x1d00ffff) and the number 4, whatever the network's own bits.
  Bytes script_sig;
  const std::uint8_t bits_constant[] = {0xff, 0xff, 0x00, 0x1d};
  const std::uint8_t four[] = {0x04};
  push(script_sig, bits_constant);
  push(script_sig, four);
  push(script_sig, ByteSpan(reinterpret_cast<const std::uint8_t*>(params.coinbase_message.data()),
                            params.coinbase_message.size()));

  wire::Transaction coinbase;
  coinbase.version = 1;
  wire::TxIn in;
  in.prevout.index = wire::OutPoint::kNullIndex;
  in.script_sig = std::move(script_sig);
  coinbase.inputs.push_back(std::move(in));
  coinbase.outputs.push_back(wire::TxOut{params.reward, params.output_script});

  wire::Block block;
  block.header.version = params.version;
  block.header.time = params.time;
  block.header.bits = params.bits;
  block.header.nonce = params.nonce;
  block.txs.push_back(std::move(coinbase));
  block.header.merkle_root = wire::block_merkle_root(block).root;
  return block;
}

} // namespace peregrine::consensus
