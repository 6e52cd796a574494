#include "util/file_io.hpp"

#include <algorithm>
#include <cerrno>
#include <climits>
#include <optional>

#include <fcntl.h>
#include <unistd.h>

#include "util/fault_plan.hpp"

namespace peregrine::util {
namespace {

std::unexpected<std::error_code> error(int code) { return std::unexpected(std::error_code(code, std::generic_category())); }

// A fault of an error kind as the errno it stands for; crash and short kinds are the caller's.
std::optional<int> failure_of(FaultKind kind) {
  if (kind == FaultKind::enospc) return ENOSPC;
  if (kind == FaultKind::eio) return EIO;
  return std::nullopt;
}

// A fault for a call that either fails outright or crashes once done (open, sync, rename).
// Returns the errno to fail with, or sets crash.
std::optional<int> simple_fault(FaultOp op, const std::filesystem::path& path, bool& crash) {
  auto fault = fault_for(op, path);
  if (!fault) return std::nullopt;
  if (*fault == FaultKind::crash) {
    crash = true;
    return std::nullopt;
  }
  return failure_of(*fault).value_or(EIO);
}

} // namespace

std::expected<int, std::error_code> open_for_write(const std::filesystem::path& path, int flags, mode_t mode) {
  bool crash = false;
  if (auto e = simple_fault(FaultOp::open, path, crash)) return error(*e);
  int fd;
  do fd = ::open(path.c_str(), flags | O_CLOEXEC, mode);
  while (fd < 0 && errno == EINTR);
  if (fd < 0) return error(errno);
  if (crash) crash_now();
  return fd;
}

std::expected<void, std::error_code> write_all(int fd, const std::filesystem::path& path, ByteSpan data) {
  iovec one{const_cast<std::uint8_t*>(data.data()), data.size()};
  return write_all(fd, path, std::span<iovec>(&one, 1));
}

std::expected<void, std::error_code> write_all(int fd, const std::filesystem::path& path, std::span<iovec> parts) {
  // A short or partial fault lets the first half through, one buffer at a time; then a short one
  // fails the rest as a disk that just filled up would, a partial one lets it go on.
  bool crash = false;
  bool limited = false;
  bool fail_at_limit = false;
  std::size_t limit = 0;
  if (auto fault = fault_for(FaultOp::write, path)) {
    if (auto e = failure_of(*fault)) return error(*e);
    if (*fault == FaultKind::crash) {
      crash = true;
    } else {
      std::size_t total = 0;
      for (const iovec& part : parts) total += part.iov_len;
      limited = true;
      fail_at_limit = *fault == FaultKind::short_write;
      limit = total / 2;
    }
  }
  std::size_t i = 0;
  while (i < parts.size()) {
    if (parts[i].iov_len == 0) {
      ++i;
      continue;
    }
    if (limited && limit == 0) {
      if (fail_at_limit) return error(ENOSPC);
      limited = false;
    }
    const ssize_t n = limited ? ::write(fd, parts[i].iov_base, std::min(parts[i].iov_len, limit))
                              : ::writev(fd, parts.data() + i, static_cast<int>(std::min<std::size_t>(parts.size() - i, IOV_MAX)));
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) return error(errno);
    if (n == 0) return error(EIO); // no progress: never loop on it
    auto left = static_cast<std::size_t>(n);
    if (limited) limit -= left;
    while (i < parts.size() && left >= parts[i].iov_len) left -= parts[i++].iov_len;
    if (left > 0) {
      parts[i].iov_base = static_cast<std::uint8_t*>(parts[i].iov_base) + left;
      parts[i].iov_len -= left;
    }
  }
  if (crash) crash_now();
  return {};
}

std::expected<void, std::error_code> sync_data(int fd, const std::filesystem::path& path) {
  bool crash = false;
  if (auto e = simple_fault(FaultOp::sync, path, crash)) return error(*e);
  if (::fdatasync(fd) != 0) return error(errno); // not retried: after a failure the pages may be gone
  if (crash) crash_now();
  return {};
}

std::expected<void, std::error_code> sync_file(int fd, const std::filesystem::path& path) {
  bool crash = false;
  if (auto e = simple_fault(FaultOp::sync, path, crash)) return error(*e);
  if (::fsync(fd) != 0) return error(errno);
  if (crash) crash_now();
  return {};
}

std::expected<void, std::error_code> rename_file(const std::filesystem::path& from, const std::filesystem::path& to) {
  bool crash = false;
  if (auto e = simple_fault(FaultOp::rename, to, crash)) return error(*e);
  if (::rename(from.c_str(), to.c_str()) != 0) return error(errno);
  if (crash) crash_now();
  return {};
}

std::expected<void, std::error_code> sync_directory(const std::filesystem::path& entry) {
  bool crash = false;
  if (auto e = simple_fault(FaultOp::sync, entry, crash)) return error(*e);
  const std::filesystem::path dir = entry.has_parent_path() ? entry.parent_path() : std::filesystem::path(".");
  int fd;
  do fd = ::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  while (fd < 0 && errno == EINTR);
  if (fd < 0) return error(errno);
  const int synced = ::fsync(fd);
  const int sync_error = errno;
  ::close(fd);
  if (synced != 0) return error(sync_error);
  if (crash) crash_now();
  return {};
}

} // namespace peregrine::util
