#include "wire/message.hpp"

#include "wire/writer.hpp"

namespace peregrine::wire {
namespace {

// Commands must be distinct and fit the 12-byte header field.
constexpr bool commands_are_valid() {
  for (std::size_t i = 0; i < kMessageCommands.size(); ++i) {
    if (kMessageCommands[i].empty() || kMessageCommands[i].size() > kCommandSize) return false;
    for (std::size_t j = i + 1; j < kMessageCommands.size(); ++j)
      if (kMessageCommands[i] == kMessageCommands[j]) return false;
  }
  return true;
}
static_assert(commands_are_valid());

template <class T>
concept IgnoresTrailingBytes = T::kIgnoresTrailingBytes;

using DecodeResult = std::expected<Message, DecodeError>;

template <class T>
DecodeResult decode_as(ByteSpan payload) {
  Reader r(payload);
  T m{};
  read(r, m);
  if constexpr (IgnoresTrailingBytes<T>) {
    if (!r.ok()) return std::unexpected(*r.error());
  } else {
    if (auto err = r.finish()) return std::unexpected(*err);
  }
  return DecodeResult(std::in_place, std::in_place_type<T>, std::move(m));
}

template <class V>
struct Dispatch;
template <class... Ts>
struct Dispatch<std::variant<Ts...>> {
  static DecodeResult decode(std::string_view command, ByteSpan payload) {
    DecodeResult result =
        std::unexpected(DecodeError{DecodeErrc::unknown_command, 0, "message.command"});
    // Stops at the first alternative whose command matches.
    (void)((command == Ts::kCommand && (result = decode_as<Ts>(payload), true)) || ...);
    return result;
  }
};

} // namespace

std::expected<Message, DecodeError> decode_message(std::string_view command, ByteSpan payload) {
  return Dispatch<Message>::decode(command, payload);
}

std::string_view command_of(const Message& m) {
  return std::visit([](const auto& msg) { return std::decay_t<decltype(msg)>::kCommand; }, m);
}

Bytes encode_payload(const Message& m) {
  Bytes out;
  Writer w(out);
  std::visit([&w](const auto& msg) { write(w, msg); }, m);
  return out;
}

Bytes encode_message(const Magic& magic, const Message& m) {
  Bytes frame(kMessageHeaderSize); // header filled in once the payload is there
  Writer w(frame);
  std::visit([&w](const auto& msg) { write(w, msg); }, m);
  write_frame_header(frame, magic, command_of(m));
  return frame;
}

} // namespace peregrine::wire
