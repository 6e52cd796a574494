#pragma once
// Whole-file reads with a size bound, so a wrong path (a device, a huge file) cannot exhaust memory.
#include <cstdint>
#include <expected>
#include <filesystem>
#include <string>

#include "util/bytes.hpp"

namespace peregrine::util {

inline constexpr std::uintmax_t kDefaultMaxFileSize = std::uintmax_t{1} << 30; // 1 GiB

// Error text names the path and the cause.
std::expected<Bytes, std::string> read_file(const std::filesystem::path& path,
                                            std::uintmax_t max_size = kDefaultMaxFileSize);
std::expected<std::string, std::string> read_text_file(const std::filesystem::path& path,
                                                       std::uintmax_t max_size = kDefaultMaxFileSize);

} // namespace peregrine::util
