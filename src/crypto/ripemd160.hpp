#pragma once
// RIPEMD-160 over OpenSSL's libcrypto (default provider).
#include <array>
#include <cstdint>

#include "util/bytes.hpp"

namespace peregrine::crypto {

using Ripemd160Digest = std::array<std::uint8_t, 20>;

Ripemd160Digest ripemd160(ByteSpan data);

} // namespace peregrine::crypto
