#include "wire/block.hpp"

#include <cstring>

#include "crypto/sha256.hpp"
#include "wire/compact_size.hpp"

namespace peregrine::wire {

void read(Reader& r, BlockHeader& h) {
  h.version = r.i32_le("header.version");
  h.prev_block = r.hash("header.prev_block");
  h.merkle_root = r.hash("header.merkle_root");
  h.time = r.u32_le("header.time");
  h.bits = r.u32_le("header.bits");
  h.nonce = r.u32_le("header.nonce");
}

void read(Reader& r, Block& block) {
  read(r, block.header);
  std::uint64_t count = read_compact_size(r, "block.tx_count");
  block.txs.clear();
  block.txs.reserve(r.reservable(count, kMinTxSize));
  for (std::uint64_t i = 0; i < count && r.ok(); ++i) read(r, block.txs.emplace_back());
}

HeaderBytes serialize(const BlockHeader& h) {
  // Fixed layout, little-endian host (asserted in reader.hpp): no allocation, as header sync hashes
  // hundreds of thousands of these.
  HeaderBytes out;
  std::uint8_t* p = out.data();
  std::memcpy(p, &h.version, 4);
  std::memcpy(p + 4, h.prev_block.bytes.data(), 32);
  std::memcpy(p + 36, h.merkle_root.bytes.data(), 32);
  std::memcpy(p + 68, &h.time, 4);
  std::memcpy(p + 72, &h.bits, 4);
  std::memcpy(p + 76, &h.nonce, 4);
  return out;
}

void write(Writer& w, const BlockHeader& h) { w.bytes(serialize(h)); }

void write(Writer& w, const Block& block, TxEncoding encoding) {
  write(w, block.header);
  write_compact_size(w, block.txs.size());
  for (const auto& tx : block.txs) write(w, tx, encoding);
}

Hash256 block_hash(const BlockHeader& header) { return crypto::sha256d(serialize(header)); }

std::size_t serialized_size(const Block& block, TxEncoding encoding) {
  std::size_t size = kBlockHeaderSize + compact_size_length(block.txs.size());
  for (const auto& tx : block.txs) size += serialized_size(tx, encoding);
  return size;
}

std::size_t weight(const Block& block) {
  return serialized_size(block, TxEncoding::without_witness) * 3 +
         serialized_size(block, TxEncoding::with_witness);
}

} // namespace peregrine::wire
