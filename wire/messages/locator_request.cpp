#include "wire/messages/locator_request.hpp"

#include "wire/compact_size.hpp"

namespace peregrine::wire {

void read_locator_request(Reader& r, LocatorRequest& m, const LocatorFieldNames& names) {
  m.version = r.u32_le(names.version);
  // Core disconnects for more than MAX_LOCATOR_SZ after reading them; refusing first is cheaper.
  std::uint64_t count = read_count(r, names.count, kMaxLocatorHashes);
  m.locator.clear();
  m.locator.reserve(r.reservable(count, 32));
  for (std::uint64_t i = 0; i < count && r.ok(); ++i) m.locator.push_back(r.hash(names.locator));
  m.hash_stop = r.hash(names.hash_stop);
}

void write_locator_request(Writer& w, const LocatorRequest& m) {
  w.u32_le(m.version);
  write_compact_size(w, m.locator.size());
  for (const auto& h : m.locator) w.hash(h);
  w.hash(m.hash_stop);
}

} // namespace peregrine::wire
