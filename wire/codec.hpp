#pragma once
// Whole-buffer encode/decode for any wire type T with `read(Reader&, T&)` and
// `write(Writer&, const T&)` overloads in namespace peregrine::wire.
#include <expected>

#include "util/bytes.hpp"
#include "wire/reader.hpp"
#include "wire/writer.hpp"

namespace peregrine::wire {

// Decodes exactly one T from the whole input: trailing bytes are an error.
template <class T>
std::expected<T, DecodeError> from_bytes(ByteSpan bytes) {
  Reader r(bytes);
  T value{};
  read(r, value);
  if (auto err = r.finish()) return std::unexpected(*err);
  return value;
}

template <class T>
Bytes to_bytes(const T& value) {
  Bytes out;
  Writer w(out);
  write(w, value);
  return out;
}

} // namespace peregrine::wire
