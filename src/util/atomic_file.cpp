#include "util/atomic_file.hpp"

#include <cerrno>
#include <cstring>
#include <utility>

#include <fcntl.h>
#include <unistd.h>

#include <fmt/format.h>

#include "util/file_io.hpp"

namespace peregrine::util {
namespace {

std::string failure(std::string_view step, const std::filesystem::path& path, const std::error_code& error) {
  return fmt::format("{}: {}: {}", path.string(), step, error.message());
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

} // namespace

std::filesystem::path temporary_path(const std::filesystem::path& path) {
  return std::filesystem::path(path.string() + ".tmp");
}

std::expected<void, std::string> write_file_atomically(const std::filesystem::path& path,
                                                       ByteSpan contents) {
  const std::filesystem::path temp = temporary_path(path);
  auto fail = [&](std::string_view step, const std::filesystem::path& where, std::error_code error) {
    ::unlink(temp.c_str());
    return std::unexpected(failure(step, where, error));
  };
  {
    auto opened = open_for_write(temp, O_WRONLY | O_CREAT | O_TRUNC);
    if (!opened) return fail("open", temp, opened.error());
    FileDescriptor fd(*opened);
    if (auto w = write_all(fd.get(), temp, contents); !w) return fail("write", temp, w.error());
    if (auto s = sync_file(fd.get(), temp); !s) return fail("fsync", temp, s.error());
    if (fd.close() != 0) return fail("close", temp, std::error_code(errno, std::generic_category()));
  }
  if (auto r = rename_file(temp, path); !r) return fail("rename", path, r.error());
  // A rename is durable only once the directory entry is on disk.
  if (auto d = sync_directory(path); !d) return std::unexpected(failure("fsync of its directory", path, d.error()));
  return {};
}

std::expected<std::filesystem::path, std::string> move_aside(const std::filesystem::path& path,
                                                             std::string_view suffix) {
  std::filesystem::path aside(path.string() + std::string(suffix));
  if (auto r = rename_file(path, aside); !r) return std::unexpected(failure("rename", path, r.error()));
  if (auto d = sync_directory(aside); !d) return std::unexpected(failure("fsync of its directory", aside, d.error()));
  return aside;
}

} // namespace peregrine::util
