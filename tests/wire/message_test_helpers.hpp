#pragma once
// Shared checks for the P2P message tests.
#include <doctest/doctest.h>

#include <string_view>
#include <variant>

#include "util/hex.hpp"
#include "wire/message.hpp"

namespace peregrine::test {

inline constexpr wire::Magic kMainMagic = {0xf9, 0xbe, 0xb4, 0xd9};

inline Bytes hex(std::string_view h) { return *util::from_hex(h); }

template <class T>
T decode_ok(ByteSpan payload) {
  auto m = wire::decode_message(T::kCommand, payload);
  REQUIRE_MESSAGE(m.has_value(), m.error().message());
  REQUIRE(std::holds_alternative<T>(*m));
  return std::get<T>(*m);
}

inline wire::DecodeError decode_error(std::string_view command, ByteSpan payload) {
  auto m = wire::decode_message(command, payload);
  REQUIRE_FALSE(m.has_value());
  return m.error();
}

// encode → decode gives the same object, and that object re-encodes to the same bytes.
template <class T>
Bytes check_round_trip(const T& m) {
  Bytes payload = wire::encode_payload(wire::Message{m});
  T back = decode_ok<T>(payload);
  CHECK(back == m);
  CHECK(wire::encode_payload(wire::Message{back}) == payload);
  return payload;
}

// Every strict prefix of the payload is `truncated`.
inline void check_truncations(std::string_view command, ByteSpan payload) {
  for (std::size_t n = 0; n < payload.size(); ++n) {
    auto m = wire::decode_message(command, payload.first(n));
    REQUIRE_MESSAGE(!m.has_value(), command, " prefix of ", n, " bytes decoded");
    CHECK_MESSAGE(m.error().code == wire::DecodeErrc::truncated, command, " prefix ", n);
  }
}

} // namespace peregrine::test
