#pragma once
// pong (BIP31): echoes the nonce of a ping.
#include <cstdint>
#include <string_view>

#include "wire/reader.hpp"
#include "wire/writer.hpp"

namespace peregrine::wire {

struct PongMessage {
  static constexpr std::string_view kCommand = "pong";
  std::uint64_t nonce = 0;
  bool operator==(const PongMessage&) const = default;
};

inline void read(Reader& r, PongMessage& m) { m.nonce = r.u64_le("pong.nonce"); }
inline void write(Writer& w, const PongMessage& m) { w.u64_le(m.nonce); }

} // namespace peregrine::wire
