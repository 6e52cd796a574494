#include "consensus/script/script_num.hpp"

namespace peregrine::consensus {

bool is_minimal_script_num(ByteSpan bytes) {
  if (bytes.empty()) return true;
  // The last byte may only be 0x00 or 0x80 when the byte before needs its top bit for the value.
  if ((bytes.back() & 0x7f) == 0) {
    if (bytes.size() <= 1 || (bytes[bytes.size() - 2] & 0x80) == 0) return false;
  }
  return true;
}

std::expected<std::int64_t, ScriptError> decode_script_num(ByteSpan bytes, bool require_minimal,
                                                           std::size_t max_size) {
  if (bytes.size() > max_size) return std::unexpected(ScriptError::scriptnum);
  if (require_minimal && !is_minimal_script_num(bytes))
    return std::unexpected(ScriptError::scriptnum);
  if (bytes.empty()) return 0;
  std::uint64_t magnitude = 0;
  for (std::size_t i = 0; i < bytes.size(); ++i) magnitude |= std::uint64_t{bytes[i]} << (8 * i);
  const std::size_t top_bit = 8 * bytes.size() - 1;
  if (bytes.back() & 0x80) {
    magnitude &= ~(std::uint64_t{1} << top_bit);
    return -static_cast<std::int64_t>(magnitude);
  }
  return static_cast<std::int64_t>(magnitude);
}

ScriptNumBytes encode_script_num(std::int64_t value) {
  ScriptNumBytes out;
  if (value == 0) return out;
  const bool negative = value < 0;
  // Unsigned negation is defined for INT64_MIN too.
  std::uint64_t magnitude =
      negative ? ~static_cast<std::uint64_t>(value) + 1 : static_cast<std::uint64_t>(value);
  while (magnitude != 0) {
    out.bytes[out.size++] = static_cast<std::uint8_t>(magnitude & 0xff);
    magnitude >>= 8;
  }
  // A set top bit would read as the sign: add a byte carrying the sign alone.
  if (out.bytes[out.size - 1] & 0x80) {
    out.bytes[out.size++] = negative ? 0x80 : 0x00;
  } else if (negative) {
    out.bytes[out.size - 1] |= 0x80;
  }
  return out;
}

} // namespace peregrine::consensus
