#pragma once
// Bitcoin's HASH160: RIPEMD-160 of SHA-256, the hash behind P2PKH, P2SH and P2WPKH.
#include "crypto/ripemd160.hpp"
#include "util/bytes.hpp"

namespace peregrine::crypto {

Ripemd160Digest hash160(ByteSpan data);

} // namespace peregrine::crypto
