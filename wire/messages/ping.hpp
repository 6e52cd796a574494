#pragma once
// ping (BIP31): a nonce the peer echoes in pong.
#include <cstdint>
#include <string_view>

#include "wire/reader.hpp"
#include "wire/writer.hpp"

namespace peregrine::wire {

struct PingMessage {
  static constexpr std::string_view kCommand = "ping";
  std::uint64_t nonce = 0;
  bool operator==(const PingMessage&) const = default;
};

inline void read(Reader& r, PingMessage& m) { m.nonce = r.u64_le("ping.nonce"); }
inline void write(Writer& w, const PingMessage& m) { w.u64_le(m.nonce); }

} // namespace peregrine::wire
