#include "wire/messages/addr.hpp"

#include "wire/compact_size.hpp"

namespace peregrine::wire {

namespace {
constexpr std::size_t kAddrEntrySize = 4 + 8 + 16 + 2;
}

void read(Reader& r, AddrMessage& m) {
  std::uint64_t count = read_count(r, "addr.count", kMaxAddrToSend);
  m.entries.clear();
  m.entries.reserve(r.reservable(count, kAddrEntrySize));
  for (std::uint64_t i = 0; i < count && r.ok(); ++i) {
    AddressEntry& e = m.entries.emplace_back();
    e.time = r.u32_le("addr.time");
    e.services = r.u64_le("addr.services");
    read_v1(r, e.address, "addr.ip");
    e.port = r.u16_be("addr.port");
  }
}

void write(Writer& w, const AddrMessage& m) {
  write_compact_size(w, m.entries.size());
  for (const auto& e : m.entries) {
    w.u32_le(e.time);
    w.u64_le(e.services);
    write_v1(w, e.address);
    w.u16_be(e.port);
  }
}

} // namespace peregrine::wire
