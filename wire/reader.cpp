#include "wire/reader.hpp"

namespace peregrine::wire {

void Reader::fail_at(DecodeErrc code, std::string_view field, std::size_t offset) {
  if (error_) return;
  error_ = DecodeError{code, offset, field};
  // An empty view makes every later read fail its bounds check: one branch per read, no extra flag.
  data_ = {};
  pos_ = 0;
}

std::uint16_t Reader::u16_be(std::string_view field) {
  auto b = array<2>(field);
  return static_cast<std::uint16_t>(b[0] << 8 | b[1]);
}

ByteSpan Reader::take(std::size_t n, std::string_view field) {
  if (n > remaining()) {
    fail(DecodeErrc::truncated, field);
    return {};
  }
  ByteSpan s = data_.subspan(pos_, n);
  pos_ += n;
  return s;
}

Bytes Reader::bytes(std::size_t n, std::string_view field) {
  ByteSpan s = take(n, field);
  return Bytes(s.begin(), s.end());
}

Hash256 Reader::hash(std::string_view field) {
  Hash256 h;
  h.bytes = array<32>(field);
  return h;
}

std::optional<DecodeError> Reader::finish() {
  if (error_) return error_;
  if (!at_end()) return DecodeError{DecodeErrc::trailing_bytes, pos_, "end of input"};
  return std::nullopt;
}

} // namespace peregrine::wire
