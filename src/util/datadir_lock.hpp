#pragma once
// One process per datadir: an exclusive flock on DATADIR/.lock held while the object lives. The
// kernel drops it when the process dies, so a crash never leaves a stale lock behind. The file
// holds the owner's pid, for the message a second process gets.
#include <expected>
#include <filesystem>
#include <string>

namespace peregrine::util {

class DatadirLock {
public:
  // Creates the datadir if needed. Fails, naming the holder's pid, when another lock holds it.
  static std::expected<DatadirLock, std::string> acquire(const std::filesystem::path& datadir);
  ~DatadirLock();
  DatadirLock(DatadirLock&& other) noexcept;
  DatadirLock& operator=(DatadirLock&&) = delete;
  DatadirLock(const DatadirLock&) = delete;
  DatadirLock& operator=(const DatadirLock&) = delete;

private:
  explicit DatadirLock(int fd) : fd_(fd) {}
  int fd_ = -1;
};

} // namespace peregrine::util
