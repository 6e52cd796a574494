#include "sync/block_import.hpp"

#include <algorithm>
#include <vector>

#include <fmt/format.h>

#include "wire/blk_file.hpp"
#include "wire/codec.hpp"

namespace peregrine::sync {

std::expected<ChainStores, std::string> ChainStores::open(const std::filesystem::path& datadir,
                                                          const consensus::ChainParams& params) {
  ChainStores s;
  auto headers = HeaderStore::open(datadir / "headers", params);
  if (!headers) return std::unexpected(headers.error());
  auto blocks = BlockStore::open(datadir / "blocks", params);
  if (!blocks) return std::unexpected(blocks.error());
  auto utxo = UtxoDb::open(datadir / "chainstate", params);
  if (!utxo) return std::unexpected(utxo.error());
  s.headers = std::move(*headers);
  s.blocks = std::move(*blocks);
  s.utxo = std::move(*utxo);
  return s;
}

std::expected<BlkFileReader, std::string> BlkFileReader::open(const std::filesystem::path& path,
                                                              const wire::Magic& magic) {
  std::FILE* file = std::fopen(path.c_str(), "rb");
  if (!file) return std::unexpected(fmt::format("cannot open {}", path.string()));
  return BlkFileReader(file, path, magic);
}

std::expected<std::optional<ByteSpan>, std::string> BlkFileReader::fail(std::string_view what) const {
  return std::unexpected(fmt::format("{}: the record at byte {}: {}", path_.string(), offset_, what));
}

std::expected<std::optional<ByteSpan>, std::string> BlkFileReader::next() {
  std::uint8_t head[8];
  const std::size_t got = std::fread(head, 1, sizeof head, file_.get());
  if (got == 0 && std::feof(file_.get())) return std::nullopt;
  if (std::all_of(head, head + got, [](std::uint8_t b) { return b == 0; })) {
    // Core preallocates its files: zeros to the end are padding, anything after them is not.
    for (int c; (c = std::fgetc(file_.get())) != EOF;)
      if (c != 0) return fail("non-zero bytes after zero padding");
    return std::nullopt;
  }
  if (got < sizeof head) return fail("cut short");
  if (!std::equal(magic_.begin(), magic_.end(), head)) return fail("wrong network magic");
  const std::uint32_t length = static_cast<std::uint32_t>(head[4]) | static_cast<std::uint32_t>(head[5]) << 8 |
                               static_cast<std::uint32_t>(head[6]) << 16 | static_cast<std::uint32_t>(head[7]) << 24;
  if (length == 0 || length > wire::kMaxBlockSerializedSize)
    return fail(fmt::format("a block length of {} bytes", length));
  block_.resize(length);
  if (std::fread(block_.data(), 1, length, file_.get()) != length) return fail("cut short");
  offset_ += sizeof head + length;
  return ByteSpan(block_);
}

std::expected<std::optional<Hash256>, std::string> BlockImporter::add_one(ByteSpan raw, Bytes* owned) {
  auto block = wire::from_bytes<wire::Block>(raw);
  if (!block) {
    ++counts_.undecodable;
    return std::nullopt;
  }
  const Hash256 hash = wire::block_hash(block->header);
  if (const auto* known = tree_.find(hash); known && known->have_data()) {
    ++counts_.already_stored;
    return std::nullopt;
  }
  const Hash256 parent = block->header.prev_block;
  consensus::HeaderError header_error{};
  if (auto r = chain_.process_block(std::make_shared<const wire::Block>(std::move(*block)), raw, &header_error); !r)
    return std::unexpected(r.error());
  if (header_error == consensus::HeaderError::prev_blk_not_found) {
    waiting_.emplace(parent, owned ? std::move(*owned) : Bytes(raw.begin(), raw.end()));
    return std::nullopt;
  }
  return hash;
}

std::expected<void, std::string> BlockImporter::add(ByteSpan raw) {
  // The file's block is used in place; only blocks that must wait are copied. Their descendants
  // go through a work list, not recursion: a file in reverse order would nest as deep as it is long.
  auto first = add_one(raw, nullptr);
  if (!first) return std::unexpected(first.error());
  std::vector<Hash256> unblocked;
  if (*first) unblocked.push_back(**first);
  while (!unblocked.empty()) {
    auto [begin, end] = waiting_.equal_range(unblocked.back());
    unblocked.pop_back();
    std::vector<Bytes> children;
    for (auto it = begin; it != end; ++it) children.push_back(std::move(it->second));
    waiting_.erase(begin, end);
    for (auto& child : children) {
      auto added = add_one(child, &child);
      if (!added) return std::unexpected(added.error());
      if (*added) unblocked.push_back(**added);
    }
  }
  return {};
}

std::expected<void, std::string> BlockImporter::add_file(const std::filesystem::path& path, const volatile std::sig_atomic_t* stop) {
  auto reader = BlkFileReader::open(path, tree_.params().magic);
  if (!reader) return std::unexpected(reader.error());
  while (!(stop && *stop)) {
    auto record = reader->next();
    if (!record) return std::unexpected(record.error());
    if (!*record) return {};
    ++counts_.read;
    if (auto a = add(**record); !a) return a;
  }
  return {};
}

} // namespace peregrine::sync
