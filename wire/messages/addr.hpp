#pragma once
// addr: up to 1,000 peer addresses in the 16-byte (pre-BIP155) form.
#include <string_view>
#include <vector>

#include "wire/net_address.hpp"
#include "wire/reader.hpp"
#include "wire/writer.hpp"

namespace peregrine::wire {

inline constexpr std::size_t kMaxAddrToSend = 1'000; // MAX_ADDR_TO_SEND, for addr and addrv2

struct AddrMessage {
  static constexpr std::string_view kCommand = "addr";
  // Decoded addresses are ipv4 or ipv6; others encode as the zero address (see write_v1).
  std::vector<AddressEntry> entries;
  bool operator==(const AddrMessage&) const = default;
};

void read(Reader& r, AddrMessage& m);
void write(Writer& w, const AddrMessage& m);

} // namespace peregrine::wire
