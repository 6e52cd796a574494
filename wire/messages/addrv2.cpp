#include "wire/messages/addrv2.hpp"

#include <cstdint>
#include <limits>

#include "wire/compact_size.hpp"

namespace peregrine::wire {

namespace {
constexpr std::size_t kMinAddrV2EntrySize = 4 + 1 + 1 + 1 + 2;
}

void read(Reader& r, AddrV2Message& m) {
  std::uint64_t count = read_count(r, "addrv2.count", kMaxAddrToSend);
  m.entries.clear();
  m.entries.reserve(r.reservable(count, kMinAddrV2EntrySize));
  for (std::uint64_t i = 0; i < count && r.ok(); ++i) {
    AddressEntry& e = m.entries.emplace_back();
    e.time = r.u32_le("addrv2.time");
    // Services are a bit field, not a size: no MAX_SIZE limit, but still canonical.
    e.services = read_compact_size(r, "addrv2.services", std::numeric_limits<std::uint64_t>::max());
    e.address.network = r.u8("addrv2.network");
    std::size_t length_at = r.position();
    std::uint64_t length = read_compact_size(r, "addrv2.address", kMaxAddrV2Size);
    auto expected = addr_v2_size(e.address.network);
    if (r.ok() && expected && length != *expected) {
      r.fail_at(DecodeErrc::bad_value, "addrv2.address", length_at);
    }
    e.address.bytes = r.bytes(static_cast<std::size_t>(length), "addrv2.address");
    e.port = r.u16_be("addrv2.port");
  }
}

void write(Writer& w, const AddrV2Message& m) {
  write_compact_size(w, m.entries.size());
  for (const auto& e : m.entries) {
    w.u32_le(e.time);
    write_compact_size(w, e.services);
    w.u8(e.address.network);
    write_var_bytes(w, e.address.bytes);
    w.u16_be(e.port);
  }
}

} // namespace peregrine::wire
