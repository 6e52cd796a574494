#include "util/log.hpp"

#include <chrono>
#include <cstdio>
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

Logger::Sink Logger::stderr_sink() {
  return [](LogLevel level, std::string_view category, std::string_view message) {
    static std::mutex mutex;
    auto now = std::chrono::system_clock::now();
    auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(now.time_since_epoch()).count();
    std::time_t seconds = static_cast<std::time_t>(ms / 1000);
    std::tm utc{};
    gmtime_r(&seconds, &utc);
    std::string line = fmt::format("{:04}-{:02}-{:02}T{:02}:{:02}:{:02}.{:03}Z {:<5} [{}] {}\n",
                                   utc.tm_year + 1900, utc.tm_mon + 1, utc.tm_mday, utc.tm_hour,
                                   utc.tm_min, utc.tm_sec, ms % 1000, to_string(level), category,
                                   message);
    std::lock_guard lock(mutex);
    std::fwrite(line.data(), 1, line.size(), stderr);
  };
}

Logger::Sink Logger::null_sink() {
  return [](LogLevel, std::string_view, std::string_view) {};
}

} // namespace peregrine::util
