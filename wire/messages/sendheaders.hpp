#pragma once
// sendheaders (BIP130): announce new blocks with headers instead of inv. No payload.
#include <string_view>

#include "wire/reader.hpp"
#include "wire/writer.hpp"

namespace peregrine::wire {

struct SendHeadersMessage {
  static constexpr std::string_view kCommand = "sendheaders";
  bool operator==(const SendHeadersMessage&) const = default;
};

inline void read(Reader&, SendHeadersMessage&) {}
inline void write(Writer&, const SendHeadersMessage&) {}

} // namespace peregrine::wire
