#include "util/atomic_file.hpp"

#include <cerrno>
#include <cstring>
#include <utility>

#include <fcntl.h>
#include <unistd.h>

namespace peregrine::util {
namespace {

std::string failure(const std::filesystem::path& path, const char* step) {
  return path.string() + ": " + step + ": " + std::strerror(errno);
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
  int release() { return std::exchange(fd_, -1); }

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

} // namespace

std::expected<void, std::string> write_file_atomically(const std::filesystem::path& path,
                                                       ByteSpan contents) {
  std::filesystem::path dir = path.has_parent_path() ? path.parent_path() : ".";
  std::filesystem::path temp = path;
  temp += ".tmp";
  {
    FileDescriptor fd(::open(temp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644));
    if (fd.get() < 0) return std::unexpected(failure(temp, "open"));
    if (!write_all(fd.get(), contents)) return std::unexpected(failure(temp, "write"));
    if (::fsync(fd.get()) != 0) return std::unexpected(failure(temp, "fsync"));
    if (::close(fd.release()) != 0) return std::unexpected(failure(temp, "close"));
  }
  if (std::rename(temp.c_str(), path.c_str()) != 0) return std::unexpected(failure(path, "rename"));
  // The rename is durable only once the directory entry is on disk.
  FileDescriptor dir_fd(::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC));
  if (dir_fd.get() < 0 || ::fsync(dir_fd.get()) != 0) return std::unexpected(failure(dir, "fsync"));
  return {};
}

} // namespace peregrine::util
