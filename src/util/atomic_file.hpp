#pragma once
// Crash-safe file replacement: write a temporary file beside the target, fsync it, rename it over
// the target, fsync the directory. A crash (kill -9, power loss) at any instant leaves either the
// complete old file or the complete new one; at worst a stray temporary, which the next write
// replaces.
#include <expected>
#include <filesystem>
#include <string>
#include <string_view>

#include "util/bytes.hpp"

namespace peregrine::util {

// The temporary file used while writing `path`: "<path>.tmp".
std::filesystem::path temporary_path(const std::filesystem::path& path);

// Error text names the path and the failing step. On failure the temporary file is removed.
std::expected<void, std::string> write_file_atomically(const std::filesystem::path& path,
                                                       ByteSpan contents);

// Renames a damaged file to "<path><suffix>" (replacing an earlier one), durably; returns the new
// name. Used to keep a corrupt state file for inspection while starting afresh.
std::expected<std::filesystem::path, std::string> move_aside(const std::filesystem::path& path,
                                                             std::string_view suffix);

} // namespace peregrine::util
