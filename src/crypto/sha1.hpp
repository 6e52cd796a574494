#pragma once
// SHA-1 over OpenSSL's libcrypto: only Script's OP_SHA1 needs it.
#include <array>
#include <cstdint>

#include "util/bytes.hpp"

namespace peregrine::crypto {

using Sha1Digest = std::array<std::uint8_t, 20>;

Sha1Digest sha1(ByteSpan data);

} // namespace peregrine::crypto
