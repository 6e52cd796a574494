#include "workload/blk_writer.hpp"

#include <cerrno>
#include <cstring>

#include <fmt/format.h>

namespace peregrine::workload {

std::expected<BlkWriter, std::string> BlkWriter::open(std::filesystem::path dir, const wire::Magic& magic,
                                                      std::uint64_t max_file_bytes) {
  std::error_code ec;
  std::filesystem::create_directories(dir, ec);
  if (ec) return std::unexpected(fmt::format("cannot create {}: {}", dir.string(), ec.message()));
  for (const auto& entry : std::filesystem::directory_iterator(dir, ec)) {
    const std::string name = entry.path().filename().string();
    if (name.starts_with("blk") && name.ends_with(".dat"))
      return std::unexpected(fmt::format("{} already holds block files ({}); give an empty or new directory",
                                         dir.string(), name));
  }
  if (ec) return std::unexpected(fmt::format("cannot list {}: {}", dir.string(), ec.message()));
  return BlkWriter(std::move(dir), magic, max_file_bytes);
}

std::expected<void, std::string> BlkWriter::start_file() {
  if (auto f = finish(); !f) return f;
  const auto path = dir_ / fmt::format("blk{:05}.dat", files_.size());
  file_.reset(std::fopen(path.c_str(), "wb"));
  if (!file_) return std::unexpected(fmt::format("cannot create {}: {}", path.string(), std::strerror(errno)));
  // Large writes: blocks are megabytes and written once.
  std::setvbuf(file_.get(), nullptr, _IOFBF, 1 << 20);
  files_.push_back(path);
  file_bytes_ = 0;
  return {};
}

std::expected<void, std::string> BlkWriter::write(ByteSpan block) {
  const std::uint64_t record = 8 + block.size();
  if (!file_ || (file_bytes_ > 0 && file_bytes_ + record > max_file_bytes_)) {
    if (auto s = start_file(); !s) return s;
  }
  std::uint8_t head[8];
  std::memcpy(head, magic_.data(), 4);
  const auto size = static_cast<std::uint32_t>(block.size());
  std::memcpy(head + 4, &size, 4); // little-endian host
  if (std::fwrite(head, 1, 8, file_.get()) != 8 ||
      std::fwrite(block.data(), 1, block.size(), file_.get()) != block.size())
    return std::unexpected(fmt::format("cannot write {}: {}", files_.back().string(), std::strerror(errno)));
  file_bytes_ += record;
  total_ += record;
  return {};
}

std::expected<void, std::string> BlkWriter::finish() {
  if (!file_) return {};
  if (std::fclose(file_.release()) != 0) return std::unexpected(fmt::format("cannot write {}: {}", files_.back().string(), std::strerror(errno)));
  return {};
}

} // namespace peregrine::workload
