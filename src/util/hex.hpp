#pragma once
// Hex encoding in byte order (no reversal; Hash256 handles Bitcoin's display order).
#include <optional>
#include <string>
#include <string_view>

#include "util/bytes.hpp"

namespace peregrine::util {

std::string to_hex(ByteSpan bytes);

// Lower- or upper-case hex of even length; nullopt on any other character or an odd length.
std::optional<Bytes> from_hex(std::string_view hex);

// True when every character is a hex digit or ASCII white space and there is at least one digit.
bool looks_like_hex(std::string_view text);

// from_hex after removing ASCII white space (hex dumps wrapped over several lines).
std::optional<Bytes> from_hex_ignoring_space(std::string_view text);

} // namespace peregrine::util
