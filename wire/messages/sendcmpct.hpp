#pragma once
// sendcmpct (BIP152): whether to announce blocks with cmpctblock, and the compact block version
// (2 for segwit).
#include <cstdint>
#include <string_view>

#include "wire/reader.hpp"
#include "wire/writer.hpp"

namespace peregrine::wire {

struct SendCmpctMessage {
  static constexpr std::string_view kCommand = "sendcmpct";
  bool announce = false; // high-bandwidth mode: send cmpctblock before validating
  std::uint64_t version = 0;
  bool operator==(const SendCmpctMessage&) const = default;
};

inline void read(Reader& r, SendCmpctMessage& m) {
  m.announce = r.boolean("sendcmpct.announce"); // any non-zero byte is true, as in Core
  m.version = r.u64_le("sendcmpct.version");
}

inline void write(Writer& w, const SendCmpctMessage& m) {
  w.boolean(m.announce);
  w.u64_le(m.version);
}

} // namespace peregrine::wire
