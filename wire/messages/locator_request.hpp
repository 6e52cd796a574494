#pragma once
// The layout getheaders and getblocks share: protocol version, a block locator (hashes from the
// tip back towards genesis) and a stop hash.
#include <cstdint>
#include <string_view>
#include <vector>

#include "util/hash256.hpp"
#include "wire/reader.hpp"
#include "wire/writer.hpp"

namespace peregrine::wire {

inline constexpr std::size_t kMaxLocatorHashes = 101; // MAX_LOCATOR_SZ

struct LocatorRequest {
  std::uint32_t version = 0;    // protocol version; unused by Core
  std::vector<Hash256> locator; // at most kMaxLocatorHashes
  Hash256 hash_stop;            // zero: as many as allowed
  bool operator==(const LocatorRequest&) const = default;
};

// Field names for decode errors (static storage), e.g. "getheaders.count".
struct LocatorFieldNames {
  std::string_view version, count, locator, hash_stop;
};

void read_locator_request(Reader& r, LocatorRequest& m, const LocatorFieldNames& names);
void write_locator_request(Writer& w, const LocatorRequest& m);

} // namespace peregrine::wire
