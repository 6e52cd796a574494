#pragma once
// Block headers (80 bytes) and blocks.
#include <array>
#include <cstdint>
#include <vector>

#include "util/hash256.hpp"
#include "wire/reader.hpp"
#include "wire/transaction.hpp"
#include "wire/writer.hpp"

namespace peregrine::wire {

inline constexpr std::size_t kBlockHeaderSize = 80;

struct BlockHeader {
  std::int32_t version = 0;
  Hash256 prev_block;
  Hash256 merkle_root;
  std::uint32_t time = 0;
  std::uint32_t bits = 0; // compact difficulty target
  std::uint32_t nonce = 0;
  bool operator==(const BlockHeader&) const = default;
};

struct Block {
  BlockHeader header;
  std::vector<Transaction> txs;
  bool operator==(const Block&) const = default;
};

using HeaderBytes = std::array<std::uint8_t, kBlockHeaderSize>;

void read(Reader& r, BlockHeader& header);
void read(Reader& r, Block& block);
void write(Writer& w, const BlockHeader& header);
void write(Writer& w, const Block& block, TxEncoding encoding = TxEncoding::with_witness);

HeaderBytes serialize(const BlockHeader& header);
Hash256 block_hash(const BlockHeader& header);

std::size_t serialized_size(const Block& block, TxEncoding encoding = TxEncoding::with_witness);
std::size_t weight(const Block& block);

} // namespace peregrine::wire
