#pragma once
// Script numbers: little-endian, sign bit in the top bit of the last byte, zero as the empty
// string. Operands are at most 4 bytes (5 for lock times), results may be longer.
#include <array>
#include <cstddef>
#include <cstdint>
#include <expected>

#include "consensus/script/script_error.hpp"
#include "util/bytes.hpp"

namespace peregrine::consensus {

inline constexpr std::size_t kMaxNumSize = 4;
inline constexpr std::size_t kMaxLockTimeNumSize = 5;

// Decodes an operand; ScriptError::scriptnum when longer than max_size or, with
// require_minimal, not in its shortest form (no excess zero byte, no negative zero).
std::expected<std::int64_t, ScriptError> decode_script_num(ByteSpan bytes, bool require_minimal,
                                                           std::size_t max_size = kMaxNumSize);

bool is_minimal_script_num(ByteSpan bytes);

// The shortest encoding of a value (at most 9 bytes).
struct ScriptNumBytes {
  std::array<std::uint8_t, 9> bytes{};
  std::uint8_t size = 0;
  ByteSpan span() const { return ByteSpan(bytes.data(), size); }
};
ScriptNumBytes encode_script_num(std::int64_t value);

// Core's getint(): the value clamped to the int range, as counts and indexes are used.
inline int script_num_to_int(std::int64_t v) {
  if (v > INT32_MAX) return INT32_MAX;
  if (v < INT32_MIN) return INT32_MIN;
  return static_cast<int>(v);
}

} // namespace peregrine::consensus
