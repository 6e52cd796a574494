#pragma once
// CompactSize, Bitcoin's variable-length unsigned integer: 1, 3, 5 or 9 bytes.
//
// Only the shortest encoding is accepted, and sizes above MAX_SIZE (0x02000000) are errors, as in
// Bitcoin Core. The few fields that are not sizes (addrv2 services) read with no upper limit.
#include <cstdint>
#include <string_view>

#include "util/bytes.hpp"
#include "wire/reader.hpp"
#include "wire/writer.hpp"

namespace peregrine::wire {

inline constexpr std::uint64_t kMaxCompactSize = 0x02000000;

constexpr std::size_t compact_size_length(std::uint64_t n) {
  return n < 0xfd ? 1 : n <= 0xffff ? 3 : n <= 0xffffffff ? 5 : 9;
}

// Reads a canonical CompactSize no greater than max (errors: truncated, non_canonical_size,
// size_too_large).
std::uint64_t read_compact_size(Reader& r, std::string_view field, std::uint64_t max = kMaxCompactSize);
void write_compact_size(Writer& w, std::uint64_t n);

// A list's CompactSize item count, refused with count_too_large above the message's own limit
// (e.g. 2,000 headers) before a single item is read. Returns 0 on any error.
std::uint64_t read_count(Reader& r, std::string_view field, std::uint64_t max_items);

// A CompactSize length followed by that many bytes.
Bytes read_var_bytes(Reader& r, std::string_view field, std::uint64_t max = kMaxCompactSize);
void write_var_bytes(Writer& w, ByteSpan bytes);

} // namespace peregrine::wire
