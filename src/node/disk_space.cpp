#include "node/disk_space.hpp"

#include <sys/statvfs.h>

#include <cerrno>
#include <cstring>

#include <fmt/format.h>

namespace peregrine::node {
namespace {

double mib(std::uint64_t bytes) { return static_cast<double>(bytes) / (1 << 20); }

} // namespace

std::expected<std::uint64_t, std::string> free_disk_bytes(const std::filesystem::path& path) {
  struct statvfs st {};
  if (::statvfs(path.c_str(), &st) != 0)
    return std::unexpected(fmt::format("cannot read the free space of {}: {}", path.string(), std::strerror(errno)));
  return static_cast<std::uint64_t>(st.f_bavail) * st.f_frsize;
}

std::optional<std::string> disk_space_shortfall(const std::filesystem::path& path, std::uint64_t floor_bytes) {
  if (floor_bytes == 0) return std::nullopt;
  auto free = free_disk_bytes(path);
  if (!free || *free >= floor_bytes) return std::nullopt;
  return fmt::format("disk space is too low: {} has {:.1f} MiB free and the node needs at least {:.0f} MiB "
                     "(--mindiskspace); free some space or use another --datadir, then start again: the node "
                     "resumes where it stopped",
                     path.string(), mib(*free), mib(floor_bytes));
}

std::string explain_store_failure(std::string_view error, const std::filesystem::path& datadir, std::uint64_t floor_bytes) {
  const bool full = error.find(std::strerror(ENOSPC)) != std::string_view::npos;
  if (!full) return std::string(error);
  auto free = free_disk_bytes(datadir);
  const std::string needed = floor_bytes != 0 ? fmt::format("at least {:.0f} MiB (--mindiskspace)", mib(floor_bytes))
                                               : fmt::format("space (at least {} MiB, the default --mindiskspace)", kDefaultMinDiskSpaceMiB);
  return fmt::format("{}\nthe disk holding {} is full{}: free {} and start again; everything written so far is "
                     "kept and the node resumes where it stopped",
                     error, datadir.string(), free ? fmt::format(" ({:.1f} MiB free)", mib(*free)) : "", needed);
}

} // namespace peregrine::node
