#include "util/atomic_file.hpp"

#include <cerrno>
#include <cstring>
#include <utility>

#include <fcntl.h>
#include <unistd.h>

#include <fmt/format.h>

namespace peregrine::util {
namespace {

std::string failure(std::string_view step, const std::filesystem::path& path, int error) {
  return fmt::format("{}: {}: {}", path.string(), step, std::strerror(error));
}

class FileDescriptor {
public:
  explicit FileDescriptor(int fd) : fd_(fd) {}
  ~FileDescriptor() {
    if (fd_ >= 0) ::close(fd_);
  }
  FileDescriptor(const FileDescriptor&) = delete;
  FileDescriptor& operator=(const FileDescriptor&) = delete;
  int get() const { return fd_; }
  int close() { return ::close(std::exchange(fd_, -1)); }

private:
  int fd_;
};

bool write_all(int fd, ByteSpan data) {
  while (!data.empty()) {
    ssize_t n = ::write(fd, data.data(), data.size());
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return false;
    data = data.subspan(static_cast<std::size_t>(n));
  }
  return true;
}

// A rename is durable only once the directory entry is on disk.
std::expected<void, std::string> sync_directory(const std::filesystem::path& path) {
  std::filesystem::path dir = path.has_parent_path() ? path.parent_path() : ".";
  FileDescriptor fd(::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC));
  if (fd.get() < 0 || ::fsync(fd.get()) != 0) return std::unexpected(failure("fsync", dir, errno));
  return {};
}

} // namespace

std::filesystem::path temporary_path(const std::filesystem::path& path) {
  return std::filesystem::path(path.string() + ".tmp");
}

std::expected<void, std::string> write_file_atomically(const std::filesystem::path& path,
                                                       ByteSpan contents) {
  const std::filesystem::path temp = temporary_path(path);
  auto fail = [&](std::string_view step, const std::filesystem::path& where) {
    int error = errno;
    ::unlink(temp.c_str());
    return std::unexpected(failure(step, where, error));
  };
  {
    FileDescriptor fd(::open(temp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644));
    if (fd.get() < 0) return fail("open", temp);
    if (!write_all(fd.get(), contents)) return fail("write", temp);
    if (::fsync(fd.get()) != 0) return fail("fsync", temp);
    if (fd.close() != 0) return fail("close", temp);
  }
  if (::rename(temp.c_str(), path.c_str()) != 0) return fail("rename", path);
  return sync_directory(path);
}

std::expected<std::filesystem::path, std::string> move_aside(const std::filesystem::path& path,
                                                             std::string_view suffix) {
  std::filesystem::path aside(path.string() + std::string(suffix));
  if (::rename(path.c_str(), aside.c_str()) != 0) {
    return std::unexpected(failure("rename", path, errno));
  }
  if (auto synced = sync_directory(path); !synced) return std::unexpected(synced.error());
  return aside;
}

} // namespace peregrine::util
