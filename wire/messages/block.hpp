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
  bool operator==(const BlockMessage&) const = default;
};

inline void read(Reader& r, BlockMessage& m) { read(r, m.block); }
inline void write(Writer& w, const BlockMessage& m) { write(w, m.block, TxEncoding::with_witness); }

} // namespace peregrine::wire
