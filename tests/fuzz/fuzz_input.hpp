// The fuzzer's bytes read as a stream of choices; past the end every choice is 0, so a short input
// still drives a whole scenario to its end.
#pragma once

#include <cstddef>
#include <cstdint>

namespace peregrine::fuzz {

struct Input {
  const std::uint8_t* data;
  std::size_t size;
  std::size_t pos = 0;
  bool more() const { return pos < size; }
  std::uint8_t byte() { return pos < size ? data[pos++] : 0; }
  std::uint32_t u32() { return byte() | (byte() << 8) | (byte() << 16) | (std::uint32_t{byte()} << 24); }
};

}  // namespace peregrine::fuzz
