#include "wire/messages/getheaders.hpp"

#include "wire/compact_size.hpp"

namespace peregrine::wire {

void read(Reader& r, GetHeadersMessage& m) {
  m.version = r.u32_le("getheaders.version");
  // Core disconnects for more than MAX_LOCATOR_SZ after reading them; refusing first is cheaper.
  std::uint64_t count = read_count(r, "getheaders.count", kMaxLocatorHashes);
  m.locator.clear();
  m.locator.reserve(r.reservable(count, 32));
  for (std::uint64_t i = 0; i < count && r.ok(); ++i) {
    m.locator.push_back(r.hash("getheaders.locator"));
  }
  m.hash_stop = r.hash("getheaders.hash_stop");
}

void write(Writer& w, const GetHeadersMessage& m) {
  w.u32_le(m.version);
  write_compact_size(w, m.locator.size());
  for (const auto& h : m.locator) w.hash(h);
  w.hash(m.hash_stop);
}

} // namespace peregrine::wire
