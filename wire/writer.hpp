#pragma once
// Little-endian writer appending to a byte vector.
#include <array>
#include <cstdint>
#include <cstring>

#include "util/bytes.hpp"
#include "util/hash256.hpp"

namespace peregrine::wire {

class Writer {
public:
  explicit Writer(Bytes& out) : out_(out) {}

  void u8(std::uint8_t v) { out_.push_back(v); }
  void u16_le(std::uint16_t v) { fixed(v); }
  void u32_le(std::uint32_t v) { fixed(v); }
  void u64_le(std::uint64_t v) { fixed(v); }
  void i32_le(std::int32_t v) { fixed(v); }
  void i64_le(std::int64_t v) { fixed(v); }
  void u16_be(std::uint16_t v) {
    out_.push_back(static_cast<std::uint8_t>(v >> 8));
    out_.push_back(static_cast<std::uint8_t>(v));
  }
  void boolean(bool v) { u8(v ? 1 : 0); }
  void bytes(ByteSpan b) { append(b.data(), b.size()); }
  void hash(const Hash256& h) { bytes(h.bytes); }

  std::size_t size() const { return out_.size(); }

private:
  template <class T>
  void fixed(T v) {
    append(&v, sizeof(T)); // the host is little-endian (asserted in reader.hpp)
  }

  // resize + memcpy rather than vector::insert, which g++ 12 at -O3 misreports as an overflow.
  void append(const void* data, std::size_t size) {
    if (size == 0) return;
    std::size_t old = out_.size();
    out_.resize(old + size);
    std::memcpy(out_.data() + old, data, size);
  }

  Bytes& out_;
};

} // namespace peregrine::wire
