#pragma once
// Bitcoin Core's block files (blk*.dat): records of network magic, little-endian length, block.
#include <expected>

#include "util/bytes.hpp"
#include "wire/decode_error.hpp"
#include "wire/framing.hpp"
#include "wire/reader.hpp"

namespace peregrine::wire {

inline constexpr std::uint32_t kMaxBlockSerializedSize = 4'000'000;

struct BlkRecord {
  std::size_t offset = 0; // where the record's magic starts
  ByteSpan block;         // the serialized block, not yet decoded
};

// Reads one record at the reader's position. A record whose length is zero or above the largest
// possible block is an error; so is a record cut short.
std::expected<BlkRecord, DecodeError> read_blk_record(Reader& r, const Magic& magic);

} // namespace peregrine::wire
