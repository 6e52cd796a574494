#include "util/log.hpp"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <mutex>

namespace peregrine::util {

std::string_view to_string(LogLevel level) {
  switch (level) {
  case LogLevel::debug: return "debug";
  case LogLevel::info: return "info";
  case LogLevel::warn: return "warn";
  case LogLevel::error: return "error";
  }
  return "?";
}

std::string format_log_line(LogLevel level, std::string_view category, std::string_view message) {
  auto now = std::chrono::system_clock::now();
  auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(now.time_since_epoch()).count();
  std::time_t seconds = static_cast<std::time_t>(ms / 1000);
  std::tm utc{};
  gmtime_r(&seconds, &utc);
  return fmt::format("{:04}-{:02}-{:02}T{:02}:{:02}:{:02}.{:03}Z {:<5} [{}] {}\n", utc.tm_year + 1900,
                     utc.tm_mon + 1, utc.tm_mday, utc.tm_hour, utc.tm_min, utc.tm_sec, ms % 1000,
                     to_string(level), category, message);
}

namespace {

void write_stderr(std::string_view line) {
  static std::mutex mutex;
  std::lock_guard lock(mutex);
  std::fwrite(line.data(), 1, line.size(), stderr);
}

std::expected<int, std::string> open_append(const std::filesystem::path& path) {
  const int fd = ::open(path.c_str(), O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0640);
  if (fd < 0) return std::unexpected(fmt::format("cannot open {}: {}", path.string(), std::strerror(errno)));
  return fd;
}

} // namespace

std::expected<std::shared_ptr<LogFile>, std::string> LogFile::open(std::filesystem::path path) {
  auto fd = open_append(path);
  if (!fd) return std::unexpected(fd.error());
  return std::shared_ptr<LogFile>(new LogFile(std::move(path), *fd));
}

LogFile::~LogFile() { ::close(fd_); }

void LogFile::write(std::string_view line) {
  std::lock_guard lock(mutex_);
  // A full disk or a short write loses this line, never the node: logging must not fail it.
  while (!line.empty()) {
    const ssize_t n = ::write(fd_, line.data(), line.size());
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return;
    line.remove_prefix(static_cast<std::size_t>(n));
  }
}

std::expected<void, std::string> LogFile::reopen() {
  auto fd = open_append(path_);
  if (!fd) return std::unexpected(fd.error());
  std::lock_guard lock(mutex_);
  ::close(fd_);
  fd_ = *fd;
  return {};
}

Logger::Sink Logger::stderr_sink() {
  return [](LogLevel level, std::string_view category, std::string_view message) {
    write_stderr(format_log_line(level, category, message));
  };
}

Logger::Sink Logger::stderr_and_file_sink(std::shared_ptr<LogFile> file) {
  return [file = std::move(file)](LogLevel level, std::string_view category, std::string_view message) {
    const std::string line = format_log_line(level, category, message);
    write_stderr(line);
    file->write(line);
  };
}

Logger::Sink Logger::null_sink() {
  return [](LogLevel, std::string_view, std::string_view) {};
}

void Logger::DebugCategories::set(std::string_view category, bool on) {
  std::lock_guard lock(mutex_);
  auto it = std::find(on_.begin(), on_.end(), category);
  if (on && it == on_.end()) on_.emplace_back(category);
  if (!on && it != on_.end()) on_.erase(it);
  any_.store(!on_.empty(), std::memory_order_release);
}

bool Logger::DebugCategories::on(std::string_view category) const {
  if (!any_.load(std::memory_order_acquire)) return false;
  std::lock_guard lock(mutex_);
  return std::find(on_.begin(), on_.end(), category) != on_.end();
}

} // namespace peregrine::util
