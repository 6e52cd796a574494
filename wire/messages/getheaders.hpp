#pragma once
// getheaders: a block locator and a stop hash; the peer answers with up to 2,000 headers following
// the first locator hash it knows.
#include <string_view>

#include "wire/messages/locator_request.hpp"

namespace peregrine::wire {

struct GetHeadersMessage : LocatorRequest {
  static constexpr std::string_view kCommand = "getheaders";
  bool operator==(const GetHeadersMessage&) const = default;
};

inline void read(Reader& r, GetHeadersMessage& m) {
  read_locator_request(r, m, {"getheaders.version", "getheaders.count", "getheaders.locator", "getheaders.hash_stop"});
}
inline void write(Writer& w, const GetHeadersMessage& m) { write_locator_request(w, m); }

} // namespace peregrine::wire
