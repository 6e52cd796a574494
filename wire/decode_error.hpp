#pragma once
// The typed error every decoder returns: what was wrong, in which field, at which byte.
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

namespace peregrine::wire {

enum class DecodeErrc : std::uint8_t {
  truncated,            // the input ended inside a field
  trailing_bytes,       // bytes left over after a complete object
  non_canonical_size,   // a CompactSize not in its shortest encoding
  size_too_large,       // a CompactSize above the protocol's MAX_SIZE (0x02000000) or a field's own limit
  count_too_large,      // a list longer than its message allows (e.g. more than 2,000 headers)
  bad_magic,            // network magic of another network
  bad_command,          // command not printable ASCII, or non-NUL bytes after its first NUL
  payload_too_large,    // message payload over 4,000,000 bytes
  bad_checksum,         // payload does not match the header's double-SHA-256 checksum
  unknown_command,      // a command this client does not speak
  bad_witness_flag,     // segwit flag byte with unknown bits
  superfluous_witness,  // witness flag set but every witness stack empty
  bad_value,            // a value out of its allowed range (address length, index overflow, ...)
};

std::string_view to_string(DecodeErrc code);

struct DecodeError {
  DecodeErrc code = DecodeErrc::truncated;
  std::size_t offset = 0;  // byte offset into the decoded input where the problem was found
  std::string_view field;  // name of the field being decoded (static storage)

  // e.g. "truncated: txin.script_sig at byte 1234"
  std::string message() const;
  bool operator==(const DecodeError&) const = default;
};

} // namespace peregrine::wire
