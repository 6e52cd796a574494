#include "sync/snapshot_dump.hpp"

#include <fcntl.h>
#include <unistd.h>

#include <fmt/format.h>

#include "util/file_io.hpp"
#include "wire/compact_size.hpp"
#include "wire/writer.hpp"

namespace peregrine::sync {
namespace {

namespace fs = std::filesystem;
constexpr std::size_t kWriteBytes = std::size_t{1} << 20;

// The file as it is written: buffered writes through the write seam, the first chunk kept until
// the coin count is known (it sits in the header), later chunks hashed as they go.
class DumpFile {
public:
  DumpFile(int fd, fs::path path) : fd_(fd), path_(std::move(path)) {}
  ~DumpFile() {
    if (fd_ >= 0) ::close(fd_);
  }

  std::expected<void, std::string> append(ByteSpan data) {
    total_ += data.size();
    const std::size_t to_head = std::min(data.size(), kSnapshotChunkBytes - std::min(head_.size(), kSnapshotChunkBytes));
    head_.insert(head_.end(), data.begin(), data.begin() + static_cast<std::ptrdiff_t>(to_head));
    rest_.write(data.subspan(to_head));
    buffer_.insert(buffer_.end(), data.begin(), data.end());
    if (buffer_.size() >= kWriteBytes) return flush();
    return {};
  }

  // Writes the count into the header, makes the file durable, and returns its chunk leaves.
  std::expected<std::vector<Hash256>, std::string> finish(std::size_t count_offset, std::uint64_t count) {
    if (auto f = flush(); !f) return std::unexpected(f.error());
    Bytes encoded;
    wire::Writer(encoded).u64_le(count);
    std::copy(encoded.begin(), encoded.end(), head_.begin() + static_cast<std::ptrdiff_t>(count_offset));
    if (::lseek(fd_, static_cast<off_t>(count_offset), SEEK_SET) < 0) return std::unexpected(failed("seek in", errno_code()));
    if (auto w = util::write_all(fd_, path_, encoded); !w) return std::unexpected(failed("write", w.error()));
    if (auto s = util::sync_file(fd_, path_); !s) return std::unexpected(failed("sync", s.error()));
    std::vector<Hash256> leaves{crypto::sha256d(head_)};
    for (const Hash256& leaf : rest_.finish()) leaves.push_back(leaf);
    return leaves;
  }

  std::uint64_t bytes() const { return total_; }

private:
  static std::error_code errno_code() { return {errno, std::generic_category()}; }
  std::string failed(std::string_view what, const std::error_code& e) const {
    return fmt::format("cannot {} snapshot {}: {}", what, path_.string(), e.message());
  }
  std::expected<void, std::string> flush() {
    if (auto w = util::write_all(fd_, path_, buffer_); !w) return std::unexpected(failed("write", w.error()));
    buffer_.clear();
    return {};
  }

  int fd_;
  fs::path path_;
  Bytes buffer_;
  Bytes head_;
  ChunkHasher rest_;
  std::uint64_t total_ = 0;
};

} // namespace

fs::path incomplete_snapshot_path(const fs::path& path) { return fs::path(path.string() + ".incomplete"); }

std::expected<SnapshotDump, std::string> dump_utxo_snapshot(const UtxoDb& db, const wire::Magic& network_magic,
                                                            std::uint16_t version, std::uint32_t base_height,
                                                            const fs::path& path) {
  std::error_code ec;
  if (fs::exists(path, ec))
    return std::unexpected(fmt::format("{} already exists (move it out of the way first)", path.string()));
  const fs::path temporary = incomplete_snapshot_path(path);
  fs::remove(temporary, ec); // a crashed dump's leftover
  auto fd = util::open_for_write(temporary, O_WRONLY | O_CREAT | O_EXCL);
  if (!fd) return std::unexpected(fmt::format("cannot create snapshot {}: {}", temporary.string(), fd.error().message()));
  DumpFile file(*fd, temporary);
  auto written = [&]() -> std::expected<SnapshotDump, std::string> {
    SnapshotDump dump;
    dump.header.version = version;
    dump.header.network_magic = network_magic;
    if (version >= kSnapshotVersionWithHeight) dump.header.base_height = base_height;
    dump.header.base_block = db.best_block();
    const Bytes header = encode_snapshot_header(dump.header); // the count patched in at the end
    if (auto a = file.append(header); !a) return std::unexpected(a.error());

    UtxoStatsAccumulator stats(false); // Core gives hash_serialized_3 only
    std::uint64_t count = 0;
    Hash256 txid;
    std::uint64_t in_group = 0;
    Bytes group;
    std::string error;
    auto emit_group = [&]() -> bool {
      if (in_group == 0) return true;
      Bytes head;
      wire::Writer w(head);
      w.hash(txid);
      wire::write_compact_size(w, in_group);
      auto a = file.append(head);
      if (a) a = file.append(group);
      if (!a) error = a.error();
      group.clear();
      in_group = 0;
      return !!a;
    };
    auto walked = db.for_each([&](const wire::OutPoint& outpoint, const consensus::Coin& coin) {
      if (!error.empty()) return;
      if (in_group > 0 && outpoint.txid != txid && !emit_group()) return;
      txid = outpoint.txid;
      write_snapshot_coin(group, outpoint.index, coin);
      ++in_group;
      ++count;
      stats.add(outpoint, coin);
    });
    if (!walked) return std::unexpected(walked.error());
    if (error.empty()) emit_group();
    if (!error.empty()) return std::unexpected(error);
    dump.header.coins_count = count;
    auto leaves = file.finish(header.size() - 8, count);
    if (!leaves) return std::unexpected(leaves.error());
    auto s = stats.finish();
    if (!s) return std::unexpected(s.error());
    dump.stats = *s;
    dump.stats.best_block = db.best_block();
    dump.stats.height = static_cast<int>(base_height);
    dump.bytes = file.bytes();
    dump.chunk_hashes = std::move(*leaves);
    dump.root = chunk_merkle_root(dump.chunk_hashes);
    return dump;
  }();
  if (!written) {
    fs::remove(temporary, ec);
    return written;
  }
  if (auto r = util::rename_file(temporary, path); !r) {
    fs::remove(temporary, ec);
    return std::unexpected(fmt::format("cannot rename {} to {}: {}", temporary.string(), path.string(), r.error().message()));
  }
  if (auto d = util::sync_directory(path); !d)
    return std::unexpected(fmt::format("cannot sync the directory of {}: {}", path.string(), d.error().message()));
  return written;
}

} // namespace peregrine::sync
