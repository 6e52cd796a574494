#pragma once
// Crash-safe file replacement: write a temporary file, fsync it, rename it over the target, fsync
// the directory. A crash at any instant leaves either the old file or the new one, never a mix.
#include <expected>
#include <filesystem>
#include <string>

#include "util/bytes.hpp"

namespace peregrine::util {

// Error text names the path and the failing step.
std::expected<void, std::string> write_file_atomically(const std::filesystem::path& path,
                                                       ByteSpan contents);

} // namespace peregrine::util
