#pragma once
// getblocktxn (BIP152): asks for the transactions of a compact block we could not reconstruct.
#include <cstdint>
#include <string_view>
#include <vector>

#include "util/hash256.hpp"
#include "wire/reader.hpp"
#include "wire/writer.hpp"

namespace peregrine::wire {

struct GetBlockTxnMessage {
  static constexpr std::string_view kCommand = "getblocktxn";
  Hash256 block_hash;
  std::vector<std::uint16_t> indexes; // absolute, strictly increasing
  bool operator==(const GetBlockTxnMessage&) const = default;
};

// Indexes are differentially encoded on the wire; one above 65535 is bad_value.
void read(Reader& r, GetBlockTxnMessage& m);
void write(Writer& w, const GetBlockTxnMessage& m);

} // namespace peregrine::wire
