#include "util/file.hpp"

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <memory>

namespace peregrine::util {
namespace {

struct FileCloser {
  void operator()(std::FILE* f) const { std::fclose(f); }
};

template <class Container>
std::expected<Container, std::string> read_into(const std::filesystem::path& path,
                                                std::uintmax_t max_size) {
  std::unique_ptr<std::FILE, FileCloser> file(std::fopen(path.c_str(), "rb"));
  if (!file) return std::unexpected(path.string() + ": " + std::strerror(errno));
  Container out;
  // Read in chunks rather than trusting a size from stat: pipes and devices report none.
  constexpr std::size_t kChunk = 1 << 20;
  for (;;) {
    std::size_t old_size = out.size();
    if (old_size > max_size) {
      return std::unexpected(path.string() + ": larger than " + std::to_string(max_size) + " bytes");
    }
    out.resize(old_size + kChunk);
    std::size_t got = std::fread(out.data() + old_size, 1, kChunk, file.get());
    out.resize(old_size + got);
    if (got < kChunk) break;
  }
  if (std::ferror(file.get())) return std::unexpected(path.string() + ": read error");
  if (out.size() > max_size) {
    return std::unexpected(path.string() + ": larger than " + std::to_string(max_size) + " bytes");
  }
  return out;
}

} // namespace

std::expected<Bytes, std::string> read_file(const std::filesystem::path& path, std::uintmax_t max_size) {
  return read_into<Bytes>(path, max_size);
}

std::expected<std::string, std::string> read_text_file(const std::filesystem::path& path,
                                                       std::uintmax_t max_size) {
  return read_into<std::string>(path, max_size);
}

} // namespace peregrine::util
