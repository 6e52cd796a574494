#pragma once
// Writes blocks as Bitcoin Core stores them: records of network magic, little-endian length and
// block in blk00000.dat, blk00001.dat, ... in one directory, each file at most max_file_bytes
// (Core's 128 MiB by default), so `peregrine import DIR/blk*.dat` reads them back in order.
#include <cstdint>
#include <cstdio>
#include <expected>
#include <filesystem>
#include <memory>
#include <string>
#include <vector>

#include "util/bytes.hpp"
#include "wire/framing.hpp"

namespace peregrine::workload {

class BlkWriter {
public:
  // Creates the directory if needed; refuses one that already holds blk*.dat files, so two
  // chains are never mixed.
  static std::expected<BlkWriter, std::string> open(std::filesystem::path dir, const wire::Magic& magic,
                                                    std::uint64_t max_file_bytes);

  std::expected<void, std::string> write(ByteSpan block);
  // Flushes and closes the last file.
  std::expected<void, std::string> finish();

  std::uint64_t bytes_written() const { return total_; }
  const std::vector<std::filesystem::path>& files() const { return files_; }

private:
  BlkWriter(std::filesystem::path dir, const wire::Magic& magic, std::uint64_t max_file_bytes)
      : dir_(std::move(dir)), magic_(magic), max_file_bytes_(max_file_bytes) {}
  std::expected<void, std::string> start_file();

  std::filesystem::path dir_;
  wire::Magic magic_;
  std::uint64_t max_file_bytes_;
  std::unique_ptr<std::FILE, int (*)(std::FILE*)> file_{nullptr, &std::fclose};
  std::uint64_t file_bytes_ = 0;
  std::uint64_t total_ = 0;
  std::vector<std::filesystem::path> files_;
};

} // namespace peregrine::workload
