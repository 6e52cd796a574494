#pragma once
// Base58 as Bitcoin writes it (the alphabet without 0, O, I and l; each leading zero byte a '1').
// The checksummed form (base58check) needs SHA-256d and lives with the addresses.
#include <string>

#include "util/bytes.hpp"

namespace peregrine::util {

std::string base58_encode(ByteSpan data);

} // namespace peregrine::util
