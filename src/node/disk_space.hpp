#pragma once
// The free-space floor of `peregrine sync` (--mindiskspace): checked before the node starts and
// every second while it runs, so that it stops with room left to flush, rather than meeting a full
// disk in the middle of a write. Core refuses to start below 50 MB ("Disk space is too low!");
// our floor is higher by default because a flush of a large --dbcache writes hundreds of MiB.
#include <cstdint>
#include <expected>
#include <filesystem>
#include <optional>
#include <string>
#include <string_view>

namespace peregrine::node {

inline constexpr std::uint64_t kDefaultMinDiskSpaceMiB = 300;

// Bytes an unprivileged process may still write on the filesystem holding path.
std::expected<std::uint64_t, std::string> free_disk_bytes(const std::filesystem::path& path);

// The operator's message when path's filesystem has less than floor_bytes free; nullopt when there
// is enough (or when the figure cannot be read: the writes themselves will tell).
std::optional<std::string> disk_space_shortfall(const std::filesystem::path& path, std::uint64_t floor_bytes);

// A store's error as the operator should read it: when it is a full disk (ENOSPC), the datadir, its
// free space and what is needed are added, and that a restart resumes.
std::string explain_store_failure(std::string_view error, const std::filesystem::path& datadir, std::uint64_t floor_bytes);

} // namespace peregrine::node
