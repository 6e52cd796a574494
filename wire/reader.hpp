#pragma once
// Bounded little-endian reader over a byte span.
//
// The first failure is recorded (code, field, offset) and sticks: every later read returns zeros
// without touching memory, so decoders read straight through and check ok() where it matters
// (loops and the end). Nothing here throws or reads out of bounds. After a failure position() is 0
// and at_end() is true: test ok() first, and take offsets for errors before reading.
#include <array>
#include <bit>
#include <cstdint>
#include <cstring>
#include <optional>
#include <string_view>

#include "util/bytes.hpp"
#include "util/hash256.hpp"
#include "wire/decode_error.hpp"

namespace peregrine::wire {

class Reader {
public:
  explicit Reader(ByteSpan data) : data_(data) {}

  bool ok() const { return !error_; }
  const std::optional<DecodeError>& error() const { return error_; }
  std::size_t position() const { return pos_; }
  std::size_t remaining() const { return data_.size() - pos_; }
  bool at_end() const { return pos_ == data_.size(); }

  // Records the first error at the current position and stops all further reads.
  void fail(DecodeErrc code, std::string_view field) { fail_at(code, field, pos_); }
  void fail_at(DecodeErrc code, std::string_view field, std::size_t offset);

  std::uint8_t u8(std::string_view field) { return fixed<std::uint8_t>(field); }
  std::uint16_t u16_le(std::string_view field) { return fixed<std::uint16_t>(field); }
  std::uint32_t u32_le(std::string_view field) { return fixed<std::uint32_t>(field); }
  std::uint64_t u64_le(std::string_view field) { return fixed<std::uint64_t>(field); }
  std::int32_t i32_le(std::string_view field) { return fixed<std::int32_t>(field); }
  std::int64_t i64_le(std::string_view field) { return fixed<std::int64_t>(field); }
  std::uint16_t u16_be(std::string_view field); // ports are big-endian on the wire
  bool boolean(std::string_view field) { return u8(field) != 0; }

  // A view of the next n bytes (empty after a failure).
  ByteSpan take(std::size_t n, std::string_view field);
  Bytes bytes(std::size_t n, std::string_view field);
  Hash256 hash(std::string_view field);
  template <std::size_t N>
  std::array<std::uint8_t, N> array(std::string_view field) {
    std::array<std::uint8_t, N> out{};
    ByteSpan s = take(N, field);
    if (!s.empty()) std::memcpy(out.data(), s.data(), N);
    return out;
  }

  // Bytes [from, to) of the input already read, e.g. to hash a header as received.
  ByteSpan consumed(std::size_t from, std::size_t to) const { return data_.subspan(from, to - from); }

  // How many list items to reserve for a claimed count: never more than the remaining input could
  // hold, so a forged count of 2^25 items costs nothing until the bytes are really there.
  std::size_t reservable(std::uint64_t count, std::size_t min_item_size) const {
    std::uint64_t fit = remaining() / (min_item_size ? min_item_size : 1);
    return static_cast<std::size_t>(count < fit ? count : fit);
  }

  // The whole input must have been consumed without error.
  std::optional<DecodeError> finish();

private:
  template <class T>
  T fixed(std::string_view field) {
    T v{};
    if (sizeof(T) > remaining()) {
      fail(DecodeErrc::truncated, field);
      return v;
    }
    std::memcpy(&v, data_.data() + pos_, sizeof(T)); // the wire is little-endian, like our targets
    pos_ += sizeof(T);
    return v;
  }

  ByteSpan data_;
  std::size_t pos_ = 0;
  std::optional<DecodeError> error_;
};

static_assert(std::endian::native == std::endian::little, "Reader/Writer assume a little-endian host");

} // namespace peregrine::wire
