#pragma once
// getaddr: asks for known peer addresses. No payload.
#include <string_view>

#include "wire/reader.hpp"
#include "wire/writer.hpp"

namespace peregrine::wire {

struct GetAddrMessage {
  static constexpr std::string_view kCommand = "getaddr";
  bool operator==(const GetAddrMessage&) const = default;
};

inline void read(Reader&, GetAddrMessage&) {}
inline void write(Writer&, const GetAddrMessage&) {}

} // namespace peregrine::wire
