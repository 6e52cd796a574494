#include "wire/messages/headers.hpp"

#include "wire/compact_size.hpp"

namespace peregrine::wire {

void read(Reader& r, HeadersMessage& m) {
  std::uint64_t count = read_count(r, "headers.count", kMaxHeadersResults);
  m.headers.clear();
  m.headers.reserve(r.reservable(count, kBlockHeaderSize + 1));
  for (std::uint64_t i = 0; i < count && r.ok(); ++i) {
    read(r, m.headers.emplace_back());
    read_compact_size(r, "headers.tx_count");
  }
}

void write(Writer& w, const HeadersMessage& m) {
  write_compact_size(w, m.headers.size());
  for (const auto& h : m.headers) {
    write(w, h);
    w.u8(0);
  }
}

} // namespace peregrine::wire
