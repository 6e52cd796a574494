#include "util/hash256.hpp"

#include <algorithm>

#include "util/hex.hpp"

namespace peregrine {

std::string Hash256::to_hex() const {
  std::array<std::uint8_t, 32> reversed = bytes;
  std::reverse(reversed.begin(), reversed.end());
  return util::to_hex(reversed);
}

std::optional<Hash256> Hash256::from_hex(std::string_view display_hex) {
  if (display_hex.size() != 64) return std::nullopt;
  auto raw = util::from_hex(display_hex);
  if (!raw) return std::nullopt;
  Hash256 h;
  std::reverse_copy(raw->begin(), raw->end(), h.bytes.begin());
  return h;
}

} // namespace peregrine
