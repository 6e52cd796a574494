#pragma once
// verack: acknowledges the peer's version. No payload.
#include <string_view>

#include "wire/reader.hpp"
#include "wire/writer.hpp"

namespace peregrine::wire {

struct VerackMessage {
  static constexpr std::string_view kCommand = "verack";
  bool operator==(const VerackMessage&) const = default;
};

inline void read(Reader&, VerackMessage&) {}
inline void write(Writer&, const VerackMessage&) {}

} // namespace peregrine::wire
