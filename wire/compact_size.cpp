#include "wire/compact_size.hpp"

namespace peregrine::wire {

std::uint64_t read_compact_size(Reader& r, std::string_view field, std::uint64_t max) {
  std::size_t start = r.position();
  std::uint8_t first = r.u8(field);
  std::uint64_t n = first;
  std::uint64_t smallest = 0; // the least value that needs this encoding's width
  if (first == 0xfd) {
    n = r.u16_le(field);
    smallest = 0xfd;
  } else if (first == 0xfe) {
    n = r.u32_le(field);
    smallest = 0x10000;
  } else if (first == 0xff) {
    n = r.u64_le(field);
    smallest = 0x100000000;
  }
  if (!r.ok()) return 0;
  if (n < smallest) {
    r.fail_at(DecodeErrc::non_canonical_size, field, start);
    return 0;
  }
  if (n > max) {
    r.fail_at(DecodeErrc::size_too_large, field, start);
    return 0;
  }
  return n;
}

void write_compact_size(Writer& w, std::uint64_t n) {
  if (n < 0xfd) {
    w.u8(static_cast<std::uint8_t>(n));
  } else if (n <= 0xffff) {
    w.u8(0xfd);
    w.u16_le(static_cast<std::uint16_t>(n));
  } else if (n <= 0xffffffff) {
    w.u8(0xfe);
    w.u32_le(static_cast<std::uint32_t>(n));
  } else {
    w.u8(0xff);
    w.u64_le(n);
  }
}

std::uint64_t read_count(Reader& r, std::string_view field, std::uint64_t max_items) {
  std::size_t start = r.position();
  std::uint64_t count = read_compact_size(r, field);
  if (count > max_items) {
    r.fail_at(DecodeErrc::count_too_large, field, start);
    return 0;
  }
  return count;
}

Bytes read_var_bytes(Reader& r, std::string_view field, std::uint64_t max) {
  std::uint64_t n = read_compact_size(r, field, max);
  return r.bytes(static_cast<std::size_t>(n), field);
}

void write_var_bytes(Writer& w, ByteSpan bytes) {
  write_compact_size(w, bytes.size());
  w.bytes(bytes);
}

} // namespace peregrine::wire
