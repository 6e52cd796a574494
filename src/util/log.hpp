#pragma once
// Leveled logging through an injectable sink: the node writes to stderr, tests capture lines.
#include <algorithm>
#include <atomic>
#include <cstdint>
#include <expected>
#include <filesystem>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include <fmt/format.h>

namespace peregrine::util {

enum class LogLevel : std::uint8_t { debug, info, warn, error };

std::string_view to_string(LogLevel level);

// "2026-11-21T09:00:00.123Z info  [peer] message\n"
std::string format_log_line(LogLevel level, std::string_view category, std::string_view message);

// An append-only log file (debug.log). Each line is one write(2) under a lock, so lines from
// several threads never interleave. reopen() starts a new file at the same path once logrotate
// has renamed the old one (it sends SIGHUP); lines written meanwhile go to the renamed file.
class LogFile {
public:
  static std::expected<std::shared_ptr<LogFile>, std::string> open(std::filesystem::path path);
  ~LogFile();
  LogFile(const LogFile&) = delete;
  LogFile& operator=(const LogFile&) = delete;

  void write(std::string_view line);
  // On failure the old file stays in use and the error is returned.
  std::expected<void, std::string> reopen();
  const std::filesystem::path& path() const { return path_; }

private:
  LogFile(std::filesystem::path path, int fd) : path_(std::move(path)), fd_(fd) {}
  std::filesystem::path path_;
  std::mutex mutex_;
  int fd_;
};

class Logger {
public:
  // Receives complete lines; must be safe to call from several threads if the logger is shared.
  using Sink = std::function<void(LogLevel, std::string_view category, std::string_view message)>;

  explicit Logger(Sink sink = stderr_sink(), LogLevel min_level = LogLevel::info)
      : sink_(std::move(sink)), min_level_(min_level) {}

  bool enabled(LogLevel level) const { return level >= min_level_; }
  void set_level(LogLevel level) { min_level_ = level; }

  // Debug lines of one category on or off at run time (the RPC `logging`), from any thread; copies
  // of a logger share the choice. Under the minimum level only these categories' debug lines pass.
  void set_debug(std::string_view category, bool on) { debug_->set(category, on); }
  bool debug_enabled(std::string_view category) const { return debug_->on(category); }

  template <class... Args>
  void log(LogLevel level, std::string_view category, fmt::format_string<Args...> format,
           Args&&... args) {
    if (!enabled(level) && !(level == LogLevel::debug && debug_->on(category))) return;
    sink_(level, category, fmt::format(format, std::forward<Args>(args)...));
  }
  template <class... Args>
  void debug(std::string_view category, fmt::format_string<Args...> f, Args&&... args) {
    log(LogLevel::debug, category, f, std::forward<Args>(args)...);
  }
  template <class... Args>
  void info(std::string_view category, fmt::format_string<Args...> f, Args&&... args) {
    log(LogLevel::info, category, f, std::forward<Args>(args)...);
  }
  template <class... Args>
  void warn(std::string_view category, fmt::format_string<Args...> f, Args&&... args) {
    log(LogLevel::warn, category, f, std::forward<Args>(args)...);
  }
  template <class... Args>
  void error(std::string_view category, fmt::format_string<Args...> f, Args&&... args) {
    log(LogLevel::error, category, f, std::forward<Args>(args)...);
  }

  // "2026-11-21T09:00:00.123Z info  [peer] message" on stderr, one write per line.
  static Sink stderr_sink();
  // Discards everything (for benchmarks).
  static Sink null_sink();
  // stderr as stderr_sink, and the same lines to the file.
  static Sink stderr_and_file_sink(std::shared_ptr<LogFile> file);

private:
  // The categories whose debug lines are on; `any` keeps the common case (none) to one load.
  class DebugCategories {
   public:
    void set(std::string_view category, bool on);
    bool on(std::string_view category) const;

   private:
    mutable std::mutex mutex_;
    std::vector<std::string> on_;
    std::atomic<bool> any_{false};
  };

  Sink sink_;
  LogLevel min_level_;
  std::shared_ptr<DebugCategories> debug_ = std::make_shared<DebugCategories>();
};

// The categories the node logs under (what `logging` lists and switches).
inline constexpr std::string_view kLogCategories[] = {"addrbook", "ban",     "blocksync", "chain",  "headers", "nat",
                                                      "peer",     "reindex", "rpc",       "seeder", "serve",   "sync"};

} // namespace peregrine::util
