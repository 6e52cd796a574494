#include "sync/block_store.hpp"

#include <algorithm>
#include <cerrno>
#include <charconv>
#include <cstring>
#include <limits>
#include <optional>
#include <string_view>
#include <utility>

#include <fcntl.h>
#include <sys/stat.h>
#include <sys/uio.h>
#include <unistd.h>

#include <fmt/format.h>

#include "crypto/sha256.hpp"
#include "util/file_io.hpp"
#include "wire/blk_file.hpp"

namespace peregrine::sync {
namespace {

constexpr std::string_view kBlockPrefix = "blk";
constexpr std::string_view kUndoPrefix = "rev";

std::string file_name(std::string_view prefix, std::uint32_t file) {
  return fmt::format("{}{:05}.dat", prefix, file);
}

// The number of a file named exactly as file_name would name it; nullopt for anything else.
std::optional<std::uint32_t> file_number(std::string_view name, std::string_view prefix) {
  if (!name.starts_with(prefix) || !name.ends_with(".dat")) return std::nullopt;
  const std::string_view digits = name.substr(prefix.size(), name.size() - prefix.size() - 4);
  std::uint32_t n = 0;
  auto [end, ec] = std::from_chars(digits.data(), digits.data() + digits.size(), n);
  if (ec != std::errc{} || end != digits.data() + digits.size()) return std::nullopt;
  if (file_name(prefix, n) != name) return std::nullopt; // "+1", extra zeros
  return n;
}

// sha256d(key || payload), the checksum after an undo payload.
Hash256 undo_checksum(const Hash256& key, ByteSpan payload) {
  crypto::Sha256 hasher;
  hasher.write(key.span()).write(payload);
  Hash256 out;
  out.bytes = crypto::sha256(hasher.finalize());
  return out;
}

// pread until `out` is full; false at the file's end (errno 0) or on an error (errno set).
bool read_all(int fd, std::span<std::uint8_t> out, std::uint64_t offset) {
  while (!out.empty()) {
    const ssize_t n = ::pread(fd, out.data(), out.size(), static_cast<off_t>(offset));
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) {
      if (n == 0) errno = 0;
      return false;
    }
    out = out.subspan(static_cast<std::size_t>(n));
    offset += static_cast<std::uint64_t>(n);
  }
  return true;
}

class Fd {
public:
  explicit Fd(int fd) : fd_(fd) {}
  ~Fd() {
    if (fd_ >= 0) ::close(fd_);
  }
  Fd(const Fd&) = delete;
  Fd& operator=(const Fd&) = delete;
  int get() const { return fd_; }

private:
  int fd_;
};

std::string error_text(int error) { return error ? std::strerror(error) : "unexpected end of file"; }

} // namespace

std::string block_file_name(std::uint32_t file) { return file_name(kBlockPrefix, file); }
std::string undo_file_name(std::uint32_t file) { return file_name(kUndoPrefix, file); }

BlockStore::BlockStore(std::filesystem::path dir, std::string label, const wire::Magic& magic,
                       std::uint32_t max_file_size)
    : dir_(std::move(dir)), label_(std::move(label)), magic_(magic), max_file_size_(max_file_size) {
  blocks_.prefix = kBlockPrefix.data();
  undo_.prefix = kUndoPrefix.data();
}

BlockStore::~BlockStore() {
  // Unsynced data stays in the page cache and reaches the disk without us; nothing refers to it.
  for (auto& [fd, name] : retired_) ::close(fd);
  for (Series* s : {&blocks_, &undo_})
    if (s->fd >= 0) ::close(s->fd);
}

std::expected<std::unique_ptr<BlockStore>, std::string>
BlockStore::open(const std::filesystem::path& dir, const consensus::ChainParams& params, std::uint32_t max_file_size) {
  std::error_code ec;
  std::filesystem::create_directories(dir, ec);
  if (ec || !std::filesystem::is_directory(dir, ec))
    return std::unexpected(fmt::format("block store {}: not a directory{}", dir.string(), ec ? ": " + ec.message() : ""));

  std::filesystem::path named = dir.lexically_normal();
  if (!named.has_filename()) named = named.parent_path(); // "blocks/" normalizes with a trailing slash
  std::unique_ptr<BlockStore> store(new BlockStore(dir, named.filename().string(), params.magic, max_file_size));

  // Each series continues in its highest-numbered file; every numbered file counts on disk.
  bool have_block_file = false;
  bool have_undo_file = false;
  for (std::filesystem::directory_iterator it(dir, ec), end; !ec && it != end; it.increment(ec)) {
    if (!it->is_regular_file(ec)) continue;
    const std::string name = it->path().filename().string();
    auto block_number = file_number(name, kBlockPrefix);
    auto undo_number = file_number(name, kUndoPrefix);
    if (!block_number && !undo_number) continue;
    const std::uintmax_t size = it->file_size(ec);
    if (ec) break;
    store->disk_bytes_ += size;
    auto note = [&](Series& s, bool& seen, std::uint32_t n) {
      s.sizes[n] = size;
      if (seen && n < s.file) return;
      seen = true;
      s.file = n;
      s.size = size;
    };
    if (block_number) note(store->blocks_, have_block_file, *block_number);
    if (undo_number) note(store->undo_, have_undo_file, *undo_number);
  }
  if (ec) return std::unexpected(fmt::format("block store {}: cannot list: {}", dir.string(), ec.message()));
  return store;
}

std::string BlockStore::where(const char* prefix, std::uint32_t file, std::uint64_t offset) const {
  return fmt::format("{}/{} at {}", label_, file_name(prefix, file), offset);
}

std::expected<void, std::string> BlockStore::open_for_append(Series& s) {
  const std::filesystem::path path = dir_ / file_name(s.prefix, s.file);
  auto opened = util::open_for_write(path, O_WRONLY | O_APPEND);
  if (!opened && opened.error() == std::errc::no_such_file_or_directory) {
    opened = util::open_for_write(path, O_WRONLY | O_APPEND | O_CREAT | O_EXCL);
    if (opened) dir_dirty_ = true; // the new name is durable only once the directory is synced
  }
  if (!opened) return std::unexpected(fmt::format("{}: cannot open: {}", path.string(), opened.error().message()));
  const int fd = *opened;
  struct stat st {};
  if (::fstat(fd, &st) != 0) {
    const int error = errno;
    ::close(fd);
    return std::unexpected(fmt::format("{}: cannot stat: {}", path.string(), std::strerror(error)));
  }
  s.fd = fd;
  s.size = static_cast<std::uint64_t>(st.st_size); // the file itself is the truth, not the listing
  return {};
}

std::expected<BlockPos, std::string> BlockStore::append(Series& s, ByteSpan payload, const Hash256* checksum_key) {
  if (!failure_.empty()) return std::unexpected(failure_);
  const std::uint64_t record = kRecordPrefixSize + payload.size() + (checksum_key ? kUndoChecksumSize : 0);
  if (s.fd < 0) {
    if (auto opened = open_for_append(s); !opened) return std::unexpected(opened.error());
  }
  if (s.size > 0 && s.size + record > max_file_size_) {
    // The full file is closed once sync() has made it durable.
    if (s.dirty) retired_.emplace_back(s.fd, file_name(s.prefix, s.file));
    else ::close(s.fd);
    s.fd = -1;
    s.dirty = false;
    ++s.file;
    if (auto opened = open_for_append(s); !opened) return std::unexpected(opened.error());
  }
  // Positions and lengths are 32-bit, as Core's.
  if (s.size + record > std::numeric_limits<std::uint32_t>::max())
    return std::unexpected(fmt::format("{}: a record of {} bytes does not fit", where(s.prefix, s.file, s.size), record));

  std::uint8_t prefix[kRecordPrefixSize];
  std::memcpy(prefix, magic_.data(), magic_.size());
  const auto length = static_cast<std::uint32_t>(payload.size());
  std::memcpy(prefix + 4, &length, 4); // little-endian host (asserted in wire/reader.hpp)
  Hash256 checksum;
  if (checksum_key) checksum = undo_checksum(*checksum_key, payload);
  iovec parts[3] = {
      {prefix, sizeof prefix},
      {const_cast<std::uint8_t*>(payload.data()), payload.size()},
      {checksum.bytes.data(), checksum_key ? kUndoChecksumSize : 0},
  };
  if (auto written = util::write_all(s.fd, dir_ / file_name(s.prefix, s.file), parts); !written) {
    const std::string error = written.error().message();
    // Leave no partial record behind if we can; if not, it is unreferenced garbage after our size.
    if (::ftruncate(s.fd, static_cast<off_t>(s.size)) != 0) {
      struct stat st {};
      if (::fstat(s.fd, &st) == 0) s.size = static_cast<std::uint64_t>(st.st_size);
    }
    return std::unexpected(fmt::format("{}: cannot write: {}", where(s.prefix, s.file, s.size), error));
  }
  const BlockPos pos{s.file, static_cast<std::uint32_t>(s.size + kRecordPrefixSize)};
  s.size += record;
  s.sizes[s.file] = s.size;
  s.dirty = true;
  disk_bytes_ += record;
  return pos;
}

std::expected<BlockPos, std::string> BlockStore::write_block(ByteSpan block) {
  if (block.empty() || block.size() > wire::kMaxBlockSerializedSize)
    return std::unexpected(fmt::format("refusing to store a block of {} bytes", block.size()));
  return append(blocks_, block, nullptr);
}

std::expected<BlockPos, std::string> BlockStore::write_undo(ByteSpan undo, const Hash256& block_hash) {
  if (undo.empty()) return std::unexpected(std::string("refusing to store empty undo data"));
  return append(undo_, undo, &block_hash);
}

std::expected<Bytes, std::string> BlockStore::read_block(BlockPos pos) const {
  return read_record(kBlockPrefix.data(), pos, nullptr);
}

std::expected<Bytes, std::string> BlockStore::read_undo(BlockPos pos, const Hash256& block_hash) const {
  return read_record(kUndoPrefix.data(), pos, &block_hash);
}

std::expected<Bytes, std::string> BlockStore::read_record(const char* prefix, BlockPos pos,
                                                          const Hash256* checksum_key) const {
  auto fail = [&](std::string_view what) {
    return std::unexpected(fmt::format("{}: {}", where(prefix, pos.file, pos.offset), what));
  };
  if (pos.offset < kRecordPrefixSize) return fail("not a record position (before the first payload)");
  const std::filesystem::path path = dir_ / file_name(prefix, pos.file);
  Fd fd(::open(path.c_str(), O_RDONLY | O_CLOEXEC));
  if (fd.get() < 0) return fail(fmt::format("cannot open: {}", std::strerror(errno)));
  struct stat st {};
  if (::fstat(fd.get(), &st) != 0) return fail(fmt::format("cannot stat: {}", std::strerror(errno)));
  const auto file_size = static_cast<std::uint64_t>(st.st_size);
  if (pos.offset > file_size) return fail(fmt::format("past the file end ({} bytes)", file_size));

  // Sizes are checked against the file before anything is allocated: a damaged length costs nothing.
  std::uint8_t header[kRecordPrefixSize];
  if (!read_all(fd.get(), header, pos.offset - kRecordPrefixSize))
    return fail(fmt::format("cannot read the record header: {}", error_text(errno)));
  if (std::memcmp(header, magic_.data(), magic_.size()) != 0) return fail("bad magic (not the start of a record)");
  std::uint32_t length = 0;
  std::memcpy(&length, header + 4, 4);
  if (length == 0 || (!checksum_key && length > wire::kMaxBlockSerializedSize))
    return fail(fmt::format("bad record length {}", length));
  const std::uint64_t tail = checksum_key ? kUndoChecksumSize : 0;
  if (pos.offset + length + tail > file_size)
    return fail(fmt::format("record of {} bytes runs past the file end ({} bytes)", length + tail, file_size));

  Bytes payload(length);
  if (!read_all(fd.get(), payload, pos.offset)) return fail(fmt::format("cannot read: {}", error_text(errno)));
  if (checksum_key) {
    Hash256 stored;
    if (!read_all(fd.get(), stored.bytes, pos.offset + length))
      return fail(fmt::format("cannot read the checksum: {}", error_text(errno)));
    if (stored != undo_checksum(*checksum_key, payload)) return fail("checksum mismatch");
  }
  return payload;
}

std::expected<void, std::string> BlockStore::sync() {
  if (!failure_.empty()) return std::unexpected(failure_);
  // fdatasync flushes the data and the size an append changed; timestamps can wait.
  auto flush = [&](int fd, const std::string& name) {
    auto synced = util::sync_data(fd, dir_ / name);
    if (synced) return true;
    failure_ = fmt::format("{}/{}: fsync failed: {}", label_, name, synced.error().message());
    return false;
  };
  while (!retired_.empty()) {
    auto& [fd, name] = retired_.back();
    if (!flush(fd, name)) return std::unexpected(failure_);
    ::close(fd);
    retired_.pop_back();
  }
  for (Series* s : {&blocks_, &undo_}) {
    if (!s->dirty) continue;
    if (!flush(s->fd, file_name(s->prefix, s->file))) return std::unexpected(failure_);
    s->dirty = false;
  }
  if (dir_dirty_) {
    // Names the block file being written for the fault plan: the new names are the blk and rev files'.
    if (auto synced = util::sync_directory(dir_ / file_name(blocks_.prefix, blocks_.file)); !synced) {
      failure_ = fmt::format("{}: directory fsync failed: {}", dir_.string(), synced.error().message());
      return std::unexpected(failure_);
    }
    dir_dirty_ = false;
  }
  return {};
}

std::expected<void, std::string> BlockStore::remove(Series& s, std::uint32_t file) {
  const std::string name = file_name(s.prefix, file);
  if (file >= s.file) return std::unexpected(fmt::format("{}/{}: still being written, not removable", label_, name));
  auto known = s.sizes.find(file);
  if (known == s.sizes.end()) return {}; // never there, or removed already
  std::error_code ec;
  std::filesystem::remove(dir_ / name, ec);
  if (ec) return std::unexpected(fmt::format("{}/{}: cannot remove: {}", label_, name, ec.message()));
  disk_bytes_ -= std::min(disk_bytes_, known->second);
  s.sizes.erase(known);
  dir_dirty_ = true;
  return {};
}

} // namespace peregrine::sync
