#pragma once
// The byte types every module speaks.
#include <cstdint>
#include <span>
#include <vector>

namespace peregrine {

using Bytes = std::vector<std::uint8_t>;
using ByteSpan = std::span<const std::uint8_t>;

} // namespace peregrine
