#pragma once
// getblocks: getheaders' layout; the peer answers with an inv of up to 500 block hashes following
// the first locator hash on its chain (the pre-headers-first way to sync, which bcoin still uses
// without checkpoints).
#include <string_view>

#include "wire/messages/locator_request.hpp"

namespace peregrine::wire {

struct GetBlocksMessage : LocatorRequest {
  static constexpr std::string_view kCommand = "getblocks";
  bool operator==(const GetBlocksMessage&) const = default;
};

inline void read(Reader& r, GetBlocksMessage& m) {
  read_locator_request(r, m, {"getblocks.version", "getblocks.count", "getblocks.locator", "getblocks.hash_stop"});
}
inline void write(Writer& w, const GetBlocksMessage& m) { write_locator_request(w, m); }

} // namespace peregrine::wire
