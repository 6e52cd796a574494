#include "sync/leveldb_env.hpp"

#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <filesystem>
#include <string_view>

#include <leveldb/env.h>

#include "util/bytes.hpp"
#include "util/file_io.hpp"

namespace peregrine::sync {
namespace {

class PreadFile final : public leveldb::RandomAccessFile {
public:
  PreadFile(std::string name, int fd) : name_(std::move(name)), fd_(fd) {}
  ~PreadFile() override { ::close(fd_); }

  // Safe from several threads at once, as LevelDB requires: pread keeps no file position.
  leveldb::Status Read(std::uint64_t offset, std::size_t n, leveldb::Slice* result, char* scratch) const override {
    std::size_t got = 0;
    while (got < n) {
      const ssize_t r = ::pread(fd_, scratch + got, n - got, static_cast<off_t>(offset + got));
      if (r < 0 && errno == EINTR) continue;
      if (r < 0) {
        *result = leveldb::Slice(scratch, 0);
        return leveldb::Status::IOError(name_, std::strerror(errno));
      }
      if (r == 0) break; // end of file: LevelDB checks the length it got
      got += static_cast<std::size_t>(r);
    }
    *result = leveldb::Slice(scratch, got);
    return leveldb::Status::OK();
  }

private:
  std::string name_;
  int fd_;
};

leveldb::Status io_error(const std::string& name, const std::error_code& error) {
  return leveldb::Status::IOError(name, error.message());
}

// LevelDB's writable files (tables, logs, manifests, CURRENT's temporary) through util/file_io, so
// that every write and fsync meets the fault plan. Buffered as LevelDB's own: its log appends a
// record's header and payload separately, and a system call for each would cost.
class SeamFile final : public leveldb::WritableFile {
public:
  // created: the file is new, so its name is not durable until its directory is synced. Only a
  // log's matters: a new table is named by the manifest, whose sync syncs the directory anyway.
  SeamFile(std::string name, int fd, bool created) : path_(std::move(name)), fd_(fd) {
    const std::string file = path_.filename().string();
    manifest_ = std::string_view(file).starts_with("MANIFEST");
    name_unsynced_ = created && std::string_view(file).ends_with(".log");
  }
  ~SeamFile() override {
    if (fd_ >= 0) (void)Close(); // LevelDB closes first; an error here has nobody to go to
  }

  leveldb::Status Append(const leveldb::Slice& data) override {
    const char* p = data.data();
    std::size_t n = data.size();
    const std::size_t fits = std::min(n, kBufferSize - used_);
    std::memcpy(buffer_ + used_, p, fits);
    used_ += fits;
    p += fits;
    n -= fits;
    if (n == 0) return leveldb::Status::OK();
    if (auto s = Flush(); !s.ok()) return s;
    if (n < kBufferSize) {
      std::memcpy(buffer_, p, n);
      used_ = n;
      return leveldb::Status::OK();
    }
    return write(p, n);
  }
  leveldb::Status Close() override {
    leveldb::Status status = Flush();
    if (fd_ >= 0 && ::close(fd_) != 0 && status.ok()) status = leveldb::Status::IOError(path_.string(), std::strerror(errno));
    fd_ = -1;
    return status;
  }
  leveldb::Status Flush() override {
    const std::size_t n = used_;
    used_ = 0;
    return n == 0 ? leveldb::Status::OK() : write(buffer_, n);
  }
  // As LevelDB's own, a manifest's sync first syncs the directory: it names files whose entries
  // must be durable. Unlike it, so does the first sync of a new log: LevelDB names a new log in
  // the manifest only after the next compaction, and writes fsynced into it meanwhile would be
  // lost with its name.
  leveldb::Status Sync() override {
    if (manifest_ || name_unsynced_) {
      if (auto d = util::sync_directory(path_); !d) return io_error(path_.parent_path().string(), d.error());
      name_unsynced_ = false;
    }
    if (auto s = Flush(); !s.ok()) return s;
    if (auto d = util::sync_data(fd_, path_); !d) return io_error(path_.string(), d.error());
    return leveldb::Status::OK();
  }

private:
  static constexpr std::size_t kBufferSize = 65536;
  leveldb::Status write(const char* p, std::size_t n) {
    auto w = util::write_all(fd_, path_, ByteSpan(reinterpret_cast<const std::uint8_t*>(p), n));
    return w ? leveldb::Status::OK() : io_error(path_.string(), w.error());
  }

  std::filesystem::path path_;
  int fd_;
  bool name_unsynced_ = false;
  bool manifest_ = false;
  std::size_t used_ = 0;
  char buffer_[kBufferSize];
};

class PreadEnv final : public leveldb::EnvWrapper {
public:
  PreadEnv() : EnvWrapper(leveldb::Env::Default()) {}
  leveldb::Status NewRandomAccessFile(const std::string& name, leveldb::RandomAccessFile** result) override {
    const int fd = ::open(name.c_str(), O_RDONLY | O_CLOEXEC);
    if (fd < 0) {
      *result = nullptr;
      return errno == ENOENT ? leveldb::Status::NotFound(name, std::strerror(errno))
                             : leveldb::Status::IOError(name, std::strerror(errno));
    }
    *result = new PreadFile(name, fd);
    return leveldb::Status::OK();
  }
  leveldb::Status NewWritableFile(const std::string& name, leveldb::WritableFile** result) override {
    return open_writable(name, O_WRONLY | O_CREAT | O_TRUNC, true, result);
  }
  leveldb::Status NewAppendableFile(const std::string& name, leveldb::WritableFile** result) override {
    return open_writable(name, O_WRONLY | O_CREAT | O_APPEND, false, result);
  }
  // LevelDB renames a synced temporary over CURRENT to switch manifests; its own environment leaves
  // the rename to the file system's good will. The directory is synced here so the switch is
  // durable before the old manifest is deleted.
  leveldb::Status RenameFile(const std::string& from, const std::string& to) override {
    if (auto r = util::rename_file(from, to); !r) return io_error(from, r.error());
    if (auto d = util::sync_directory(to); !d) return io_error(std::filesystem::path(to).parent_path().string(), d.error());
    return leveldb::Status::OK();
  }

private:
  static leveldb::Status open_writable(const std::string& name, int flags, bool created, leveldb::WritableFile** result) {
    auto fd = util::open_for_write(name, flags);
    if (!fd) {
      *result = nullptr;
      return io_error(name, fd.error());
    }
    *result = new SeamFile(name, *fd, created);
    return leveldb::Status::OK();
  }
};

} // namespace

leveldb::Env* pread_env() {
  static PreadEnv* env = new PreadEnv; // deliberately leaked: LevelDB's background thread may use it at exit
  return env;
}

} // namespace peregrine::sync
