#include "util/datadir_lock.hpp"

#include <cerrno>
#include <cstring>
#include <utility>

#include <fcntl.h>
#include <sys/file.h>
#include <unistd.h>

#include <fmt/format.h>

namespace peregrine::util {

std::expected<DatadirLock, std::string> DatadirLock::acquire(const std::filesystem::path& datadir) {
  std::error_code ec;
  std::filesystem::create_directories(datadir, ec);
  if (ec) return std::unexpected(fmt::format("cannot create the datadir {}: {}", datadir.string(), ec.message()));
  const std::filesystem::path path = datadir / ".lock";
  const int fd = ::open(path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0644);
  if (fd < 0) return std::unexpected(fmt::format("cannot open {}: {}", path.string(), std::strerror(errno)));
  if (::flock(fd, LOCK_EX | LOCK_NB) != 0) {
    const int error = errno;
    char pid[32] = {};
    const ssize_t n = ::pread(fd, pid, sizeof pid - 1, 0);
    ::close(fd);
    if (error == EWOULDBLOCK)
      return std::unexpected(fmt::format("the datadir {} is in use by another peregrine process (pid {})",
                                         datadir.string(), n > 0 ? std::string(pid, static_cast<std::size_t>(n)) : "?"));
    return std::unexpected(fmt::format("cannot lock {}: {}", path.string(), std::strerror(error)));
  }
  const std::string me = std::to_string(::getpid());
  // The pid is for messages only: failing to record it is not an error.
  [[maybe_unused]] const bool recorded =
      ::ftruncate(fd, 0) == 0 && ::pwrite(fd, me.data(), me.size(), 0) == static_cast<ssize_t>(me.size());
  return DatadirLock(fd);
}

DatadirLock::DatadirLock(DatadirLock&& other) noexcept : fd_(std::exchange(other.fd_, -1)) {}

DatadirLock::~DatadirLock() {
  if (fd_ >= 0) ::close(fd_); // closing drops the flock
}

} // namespace peregrine::util
