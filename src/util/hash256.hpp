#pragma once
// A 256-bit hash as stored on the wire (little-endian), shown reversed as Bitcoin tools do.
#include <array>
#include <compare>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <functional>
#include <optional>
#include <string>
#include <string_view>

#include "util/bytes.hpp"

namespace peregrine {

struct Hash256 {
  std::array<std::uint8_t, 32> bytes{};

  // Display order: the byte order reversed, as in block explorers and Bitcoin Core's RPC.
  std::string to_hex() const;
  static std::optional<Hash256> from_hex(std::string_view display_hex);

  bool is_zero() const {
    for (auto b : bytes)
      if (b != 0) return false;
    return true;
  }
  ByteSpan span() const { return bytes; }
  auto operator<=>(const Hash256&) const = default;
};

} // namespace peregrine

template <>
struct std::hash<peregrine::Hash256> {
  // Hashes are uniformly distributed already; any 8 bytes make a good bucket key.
  std::size_t operator()(const peregrine::Hash256& h) const noexcept {
    std::uint64_t v;
    std::memcpy(&v, h.bytes.data(), sizeof v);
    return static_cast<std::size_t>(v);
  }
};
