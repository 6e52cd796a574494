#include "wire/framing.hpp"

#include <algorithm>
#include <cassert>
#include <cstring>

#include "crypto/sha256.hpp"

namespace peregrine::wire {
namespace {

bool is_printable(std::uint8_t c) { return c >= 0x20 && c <= 0x7e; }

} // namespace

bool is_valid_command(std::string_view command) {
  return command.size() <= kCommandSize &&
         std::all_of(command.begin(), command.end(),
                     [](char c) { return is_printable(static_cast<std::uint8_t>(c)); });
}

std::expected<MessageHeader, DecodeError> decode_message_header(ByteSpan bytes,
                                                                const Magic& expected_magic) {
  Reader r(bytes);
  MessageHeader h;
  h.magic = r.array<4>("message.magic");
  if (r.ok() && h.magic != expected_magic) r.fail_at(DecodeErrc::bad_magic, "message.magic", 0);
  std::size_t command_at = r.position();
  auto command = r.array<kCommandSize>("message.command");
  h.payload_size = r.u32_le("message.length");
  h.checksum = r.array<4>("message.checksum");
  if (!r.ok()) return std::unexpected(*r.error());

  // Printable characters, then NUL padding to the end: "ping\0\0..." yes, "ping\0x\0..." no.
  std::size_t length = 0;
  while (length < kCommandSize && command[length] != 0) {
    if (!is_printable(command[length])) {
      return std::unexpected(DecodeError{DecodeErrc::bad_command, command_at + length, "message.command"});
    }
    ++length;
  }
  for (std::size_t i = length; i < kCommandSize; ++i) {
    if (command[i] != 0) {
      return std::unexpected(DecodeError{DecodeErrc::bad_command, command_at + i, "message.command"});
    }
  }
  h.command.assign(command.begin(), command.begin() + length);
  if (h.payload_size > kMaxMessagePayload) {
    return std::unexpected(DecodeError{DecodeErrc::payload_too_large, 16, "message.length"});
  }
  return h;
}

Checksum message_checksum(ByteSpan payload) {
  Hash256 h = crypto::sha256d(payload);
  Checksum out;
  std::copy_n(h.bytes.begin(), out.size(), out.begin());
  return out;
}

std::expected<Frame, DecodeError> read_frame(Reader& r, const Magic& expected_magic) {
  std::size_t start = r.position();
  ByteSpan header_bytes = r.take(kMessageHeaderSize, "message.header");
  if (!r.ok()) return std::unexpected(*r.error());
  auto header = decode_message_header(header_bytes, expected_magic);
  if (!header) {
    DecodeError err = header.error();
    err.offset += start;
    r.fail_at(err.code, err.field, err.offset);
    return std::unexpected(err);
  }
  ByteSpan payload = r.take(header->payload_size, "message.payload");
  if (!r.ok()) return std::unexpected(*r.error());
  if (message_checksum(payload) != header->checksum) {
    DecodeError err{DecodeErrc::bad_checksum, start + 20, "message.checksum"};
    r.fail_at(err.code, err.field, err.offset);
    return std::unexpected(err);
  }
  return Frame{std::move(*header), payload};
}

Bytes frame_message(const Magic& magic, std::string_view command, ByteSpan payload) {
  Bytes out(kMessageHeaderSize + payload.size());
  if (!payload.empty()) std::memcpy(out.data() + kMessageHeaderSize, payload.data(), payload.size());
  write_frame_header(out, magic, command);
  return out;
}

void write_frame_header(Bytes& frame, const Magic& magic, std::string_view command) {
  assert(frame.size() >= kMessageHeaderSize && is_valid_command(command) &&
         frame.size() - kMessageHeaderSize <= kMaxMessagePayload);
  ByteSpan payload = ByteSpan(frame).subspan(kMessageHeaderSize);
  std::uint8_t* h = frame.data();
  std::memcpy(h, magic.data(), magic.size());
  std::memset(h + 4, 0, kCommandSize);
  // Bounded even when asserts are compiled out.
  std::memcpy(h + 4, command.data(), std::min(command.size(), kCommandSize));
  std::uint32_t length = static_cast<std::uint32_t>(payload.size());
  std::memcpy(h + 16, &length, 4);
  Checksum checksum = message_checksum(payload);
  std::memcpy(h + 20, checksum.data(), checksum.size());
}

} // namespace peregrine::wire
