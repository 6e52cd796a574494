#pragma once
// wtxidrelay (BIP339): announce transactions by wtxid. No payload; sent before verack.
#include <string_view>

#include "wire/reader.hpp"
#include "wire/writer.hpp"

namespace peregrine::wire {

struct WtxidRelayMessage {
  static constexpr std::string_view kCommand = "wtxidrelay";
  bool operator==(const WtxidRelayMessage&) const = default;
};

inline void read(Reader&, WtxidRelayMessage&) {}
inline void write(Writer&, const WtxidRelayMessage&) {}

} // namespace peregrine::wire
