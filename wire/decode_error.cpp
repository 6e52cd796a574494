#include "wire/decode_error.hpp"

#include <fmt/format.h>

namespace peregrine::wire {

std::string_view to_string(DecodeErrc code) {
  switch (code) {
  case DecodeErrc::truncated: return "truncated";
  case DecodeErrc::trailing_bytes: return "trailing bytes";
  case DecodeErrc::non_canonical_size: return "non-canonical CompactSize";
  case DecodeErrc::size_too_large: return "size too large";
  case DecodeErrc::count_too_large: return "count too large";
  case DecodeErrc::bad_magic: return "wrong network magic";
  case DecodeErrc::bad_command: return "malformed command";
  case DecodeErrc::payload_too_large: return "payload too large";
  case DecodeErrc::bad_checksum: return "bad checksum";
  case DecodeErrc::unknown_command: return "unknown command";
  case DecodeErrc::bad_witness_flag: return "unknown segwit flag";
  case DecodeErrc::superfluous_witness: return "superfluous witness record";
  case DecodeErrc::bad_value: return "bad value";
  }
  return "unknown error";
}

std::string DecodeError::message() const {
  return fmt::format("{}: {} at byte {}", to_string(code), field, offset);
}

} // namespace peregrine::wire
