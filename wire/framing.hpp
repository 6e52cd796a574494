#pragma once
// P2P message framing: 4-byte network magic, 12-byte NUL-padded command, payload length (at most
// 4,000,000) and the first 4 bytes of the payload's double SHA-256.
#include <array>
#include <cstdint>
#include <expected>
#include <string>
#include <string_view>

#include "util/bytes.hpp"
#include "wire/decode_error.hpp"
#include "wire/reader.hpp"

namespace peregrine::wire {

using Magic = std::array<std::uint8_t, 4>;
using Checksum = std::array<std::uint8_t, 4>;

inline constexpr std::size_t kMessageHeaderSize = 24;
inline constexpr std::size_t kCommandSize = 12;
inline constexpr std::uint32_t kMaxMessagePayload = 4'000'000;

struct MessageHeader {
  Magic magic{};
  std::string command;
  std::uint32_t payload_size = 0;
  Checksum checksum{};
};

// A command must be printable ASCII followed only by NUL padding, and fit in 12 bytes.
bool is_valid_command(std::string_view command);

// Decodes and checks the 24-byte header: magic, command and payload size (not the checksum, which
// needs the payload).
std::expected<MessageHeader, DecodeError> decode_message_header(ByteSpan header,
                                                                const Magic& expected_magic);

Checksum message_checksum(ByteSpan payload);

// A whole framed message read from a byte stream.
struct Frame {
  MessageHeader header;
  ByteSpan payload;
};

// Reads one framed message (header, payload, checksum verified) from the reader's position.
std::expected<Frame, DecodeError> read_frame(Reader& r, const Magic& expected_magic);

// Frames a payload. The command must satisfy is_valid_command (a programming error otherwise).
Bytes frame_message(const Magic& magic, std::string_view command, ByteSpan payload);

// Fills in the 24-byte header at the front of `frame` for the payload written after it, so a
// message can be serialized straight into its frame without a second copy.
void write_frame_header(Bytes& frame, const Magic& magic, std::string_view command);

} // namespace peregrine::wire
