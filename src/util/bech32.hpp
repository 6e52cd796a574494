#pragma once
// Bech32 (BIP173) and Bech32m (BIP350) encoding, and segwit addresses built on them: witness
// version 0 uses bech32, versions 1 to 16 bech32m.
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "util/bytes.hpp"

namespace peregrine::util {

enum class Bech32Variant { bech32, bech32m };

// hrp (lowercase ASCII 33..126) + '1' + the 5-bit values + 6 checksum characters, lowercase.
// The values must each be below 32.
std::string bech32_encode(std::string_view hrp, const std::vector<std::uint8_t>& values,
                          Bech32Variant variant);

// Regroups 8-bit bytes into 5-bit values, the last one padded with zero bits.
std::vector<std::uint8_t> bytes_to_5bit(ByteSpan bytes);

// The address of a witness program; nullopt when the version is over 16 or the program's size
// is outside BIP141's 2..40 bytes (or not 20/32 for version 0).
std::optional<std::string> segwit_address(std::string_view hrp, int version, ByteSpan program);

} // namespace peregrine::util
