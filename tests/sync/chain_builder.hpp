#pragma once
// Builds chains of valid regtest headers for sync tests: regtest's target passes about every
// second hash, so each header costs a couple of sha256d.
#include <cstdint>
#include <vector>

#include "consensus/chainparams.hpp"
#include "consensus/pow.hpp"
#include "wire/block.hpp"

namespace peregrine::test {

inline wire::BlockHeader mine_header(const consensus::ChainParams& params, const Hash256& prev, std::uint32_t time,
                                     std::uint32_t tag, std::uint32_t bits = 0) {
  wire::BlockHeader h;
  h.version = 0x20000000;
  h.prev_block = prev;
  h.merkle_root.bytes[0] = static_cast<std::uint8_t>(tag);
  h.merkle_root.bytes[1] = static_cast<std::uint8_t>(tag >> 8);
  h.merkle_root.bytes[2] = static_cast<std::uint8_t>(tag >> 16);
  h.merkle_root.bytes[3] = static_cast<std::uint8_t>(tag >> 24);
  h.time = time;
  h.bits = bits ? bits : params.genesis.header.bits;
  while (!consensus::check_proof_of_work(wire::block_hash(h), h.bits, params)) ++h.nonce;
  return h;
}

// `count` headers on top of `parent`, 10 minutes apart. `tag` makes different branches differ.
inline std::vector<wire::BlockHeader> mine_chain(const consensus::ChainParams& params, const wire::BlockHeader& parent,
                                                 int count, std::uint32_t tag = 0) {
  std::vector<wire::BlockHeader> chain;
  Hash256 prev = wire::block_hash(parent);
  std::uint32_t time = parent.time;
  for (int i = 0; i < count; ++i) {
    time += 600;
    chain.push_back(mine_header(params, prev, time, tag * 1'000'003u + static_cast<std::uint32_t>(i)));
    prev = wire::block_hash(chain.back());
  }
  return chain;
}

inline std::vector<wire::BlockHeader> mine_chain(const consensus::ChainParams& params, int count, std::uint32_t tag = 0) {
  return mine_chain(params, params.genesis.header, count, tag);
}

} // namespace peregrine::test
