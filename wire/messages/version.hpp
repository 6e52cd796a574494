#pragma once
// version: the first message of each side of a connection.
#include <cstdint>
#include <string>
#include <string_view>

#include "wire/net_address.hpp"
#include "wire/reader.hpp"
#include "wire/writer.hpp"

namespace peregrine::wire {

inline constexpr std::size_t kMaxUserAgentSize = 256; // MAX_SUBVERSION_LENGTH

struct VersionMessage {
  static constexpr std::string_view kCommand = "version";
  // Later protocol versions may append fields: Core ignores what it does not know, and so do we.
  static constexpr bool kIgnoresTrailingBytes = true;

  std::int32_t version = 0;
  std::uint64_t services = 0;
  std::int64_t timestamp = 0;
  ServiceAddress addr_recv;
  // Everything from here on is optional on the wire (old peers end the payload early); missing
  // fields decode as these defaults. The encoder always writes every field.
  ServiceAddress addr_from;
  std::uint64_t nonce = 0;
  std::string user_agent; // at most kMaxUserAgentSize bytes
  std::int32_t start_height = 0;
  bool relay = true; // BIP37: false asks for no transaction announcements until filterload

  bool operator==(const VersionMessage&) const = default;
};

// Reads the fields present; does not check for trailing bytes (see kIgnoresTrailingBytes).
void read(Reader& r, VersionMessage& m);
void write(Writer& w, const VersionMessage& m);

} // namespace peregrine::wire
