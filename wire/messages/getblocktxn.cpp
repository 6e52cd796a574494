#include "wire/messages/getblocktxn.hpp"

#include "wire/compact_size.hpp"
#include "wire/messages/cmpctblock.hpp"

namespace peregrine::wire {

void read(Reader& r, GetBlockTxnMessage& m) {
  m.block_hash = r.hash("getblocktxn.block_hash");
  std::size_t count_at = r.position();
  std::uint64_t count = read_compact_size(r, "getblocktxn.count");
  // Strictly increasing 16-bit indexes: more than 65536 of them must overflow, so stop now.
  if (count > kMaxCompactIndex + 1) r.fail_at(DecodeErrc::bad_value, "getblocktxn.count", count_at);
  m.indexes.clear();
  m.indexes.reserve(r.reservable(count, 1));
  std::uint64_t next = 0;
  for (std::uint64_t i = 0; i < count && r.ok(); ++i) {
    std::uint16_t index = read_compact_index(r, next, "getblocktxn.index");
    if (r.ok()) m.indexes.push_back(index);
  }
}

void write(Writer& w, const GetBlockTxnMessage& m) {
  w.hash(m.block_hash);
  write_compact_size(w, m.indexes.size());
  std::uint64_t next = 0;
  for (std::uint16_t index : m.indexes) write_compact_index(w, index, next);
}

} // namespace peregrine::wire
