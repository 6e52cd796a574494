#pragma once
// addrv2 (BIP155): up to 1,000 peer addresses of any network, with variable-length addresses.
#include <string_view>
#include <vector>

#include "wire/messages/addr.hpp"
#include "wire/net_address.hpp"
#include "wire/reader.hpp"
#include "wire/writer.hpp"

namespace peregrine::wire {

struct AddrV2Message {
  static constexpr std::string_view kCommand = "addrv2";
  std::vector<AddressEntry> entries; // at most kMaxAddrToSend
  bool operator==(const AddrV2Message&) const = default;
};

// Per entry: time (u32), services (CompactSize, any 64-bit value), network id (u8), address
// (CompactSize length at most kMaxAddrV2Size, else size_too_large), port (u16 big-endian).
// Known networks must have their BIP155 length (bad_value otherwise); addresses of unknown
// networks and of TORv2 are kept as received, for the caller to ignore, as Core skips them.
void read(Reader& r, AddrV2Message& m);
void write(Writer& w, const AddrV2Message& m);

} // namespace peregrine::wire
