#include "addrbook/known_addresses.hpp"

namespace peregrine::addrbook {

std::uint64_t KnownAddresses::hash(const wire::NetAddress& address, std::uint16_t port) const {
  crypto::SipHasher h(key_);
  h.write_u8(address.network).write_u32(static_cast<std::uint32_t>(address.bytes.size()));
  h.write(address.bytes).write_u16(port);
  std::uint64_t v = h.finalize();
  return v == 0 ? 1 : v; // 0 marks an empty slot
}

bool KnownAddresses::find(const std::vector<std::uint64_t>& table, std::uint64_t h) {
  if (table.empty()) return false;
  for (std::size_t i = h & (kSlots - 1);; i = (i + 1) & (kSlots - 1)) {
    if (table[i] == h) return true;
    if (table[i] == 0) return false;
  }
}

void KnownAddresses::put(std::vector<std::uint64_t>& table, std::uint64_t h) {
  std::size_t i = h & (kSlots - 1);
  while (table[i] != 0) i = (i + 1) & (kSlots - 1);
  table[i] = h;
}

bool KnownAddresses::contains(const wire::NetAddress& address, std::uint16_t port) const {
  std::uint64_t h = hash(address, port);
  return find(current_, h) || find(previous_, h);
}

void KnownAddresses::insert(const wire::NetAddress& address, std::uint16_t port) {
  std::uint64_t h = hash(address, port);
  if (find(current_, h)) return;
  if (current_.empty()) current_.assign(kSlots, 0);
  if (current_count_ == kGeneration) { // the oldest generation goes
    previous_.swap(current_);
    current_.assign(kSlots, 0);
    current_count_ = 0;
  }
  put(current_, h);
  ++current_count_;
}

} // namespace peregrine::addrbook
