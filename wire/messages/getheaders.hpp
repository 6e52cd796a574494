#pragma once
// getheaders: a block locator (hashes from the tip back towards genesis) and a stop hash; the peer
// answers with up to 2,000 headers following the first locator hash it knows.
#include <cstdint>
#include <string_view>
#include <vector>

#include "util/hash256.hpp"
#include "wire/reader.hpp"
#include "wire/writer.hpp"

namespace peregrine::wire {

inline constexpr std::size_t kMaxLocatorHashes = 101; // MAX_LOCATOR_SZ

struct GetHeadersMessage {
  static constexpr std::string_view kCommand = "getheaders";
  std::uint32_t version = 0; // protocol version; unused by Core
  std::vector<Hash256> locator; // at most kMaxLocatorHashes
  Hash256 hash_stop;            // zero: as many as allowed
  bool operator==(const GetHeadersMessage&) const = default;
};

void read(Reader& r, GetHeadersMessage& m);
void write(Writer& w, const GetHeadersMessage& m);

} // namespace peregrine::wire
