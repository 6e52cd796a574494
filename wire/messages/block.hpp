#pragma once
// block: one full block, transactions with witnesses.
#include <string_view>

#include "wire/block.hpp"
#include "wire/reader.hpp"
#include "wire/writer.hpp"

namespace peregrine::wire {

struct BlockMessage {
  static constexpr std::string_view kCommand = "block";
  Block block;
  // The payload as it arrived from a peer (the connection moves its buffer here), so the block
  // store writes those bytes rather than serializing the block again. Empty for blocks built or
  // decoded anywhere else; not part of the message's value. When set, it is also what is sent: a
// block served from the store goes out as stored, without decoding and serializing it again.
  Bytes raw = {};
  bool operator==(const BlockMessage& other) const { return block == other.block; }
};

inline void read(Reader& r, BlockMessage& m) { read(r, m.block); }
inline void write(Writer& w, const BlockMessage& m) {
  if (!m.raw.empty()) w.bytes(m.raw);
  else write(w, m.block, TxEncoding::with_witness);
}

} // namespace peregrine::wire
