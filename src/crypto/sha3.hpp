#pragma once
// SHA3-256 (FIPS 202) over OpenSSL: Tor v3 onion addresses carry a SHA3-256 checksum.
#include <array>
#include <cstdint>

#include "util/bytes.hpp"

namespace peregrine::crypto {

std::array<std::uint8_t, 32> sha3_256(ByteSpan data);

} // namespace peregrine::crypto
