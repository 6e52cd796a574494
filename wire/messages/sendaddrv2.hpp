#pragma once
// sendaddrv2 (BIP155): send addrv2 instead of addr. No payload; sent before verack.
#include <string_view>

#include "wire/reader.hpp"
#include "wire/writer.hpp"

namespace peregrine::wire {

struct SendAddrV2Message {
  static constexpr std::string_view kCommand = "sendaddrv2";
  bool operator==(const SendAddrV2Message&) const = default;
};

inline void read(Reader&, SendAddrV2Message&) {}
inline void write(Writer&, const SendAddrV2Message&) {}

} // namespace peregrine::wire
