#pragma once
// headers: up to 2,000 block headers, each followed by a transaction count that is always zero.
#include <string_view>
#include <vector>

#include "wire/block.hpp"
#include "wire/reader.hpp"
#include "wire/writer.hpp"

namespace peregrine::wire {

inline constexpr std::size_t kMaxHeadersResults = 2'000; // MAX_HEADERS_RESULTS

struct HeadersMessage {
  static constexpr std::string_view kCommand = "headers";
  std::vector<BlockHeader> headers; // at most kMaxHeadersResults
  bool operator==(const HeadersMessage&) const = default;
};

// The per-header transaction count must be a canonical CompactSize but its value is ignored, as in
// Core; the encoder writes 0. So decode then encode is equal as objects, not always as bytes.
void read(Reader& r, HeadersMessage& m);
void write(Writer& w, const HeadersMessage& m);

} // namespace peregrine::wire
