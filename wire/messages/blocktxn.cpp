#include "wire/messages/blocktxn.hpp"

#include "wire/compact_size.hpp"

namespace peregrine::wire {

void read(Reader& r, BlockTxnMessage& m) {
  m.block_hash = r.hash("blocktxn.block_hash");
  std::uint64_t count = read_compact_size(r, "blocktxn.count");
  m.txs.clear();
  m.txs.reserve(r.reservable(count, kMinTxSize));
  for (std::uint64_t i = 0; i < count && r.ok(); ++i) read(r, m.txs.emplace_back());
}

void write(Writer& w, const BlockTxnMessage& m) {
  w.hash(m.block_hash);
  write_compact_size(w, m.txs.size());
  for (const auto& tx : m.txs) write(w, tx, TxEncoding::with_witness);
}

} // namespace peregrine::wire
