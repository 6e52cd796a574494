#include "sync/block_import.hpp"

#include <algorithm>
#include <vector>

#include <fmt/format.h>

#include "wire/blk_file.hpp"
#include "sync/ibd_profile.hpp"
#include "util/stopwatch.hpp"
#include "util/unix_time.hpp"
#include "wire/codec.hpp"

namespace peregrine::sync {

std::expected<ChainStores, std::string> ChainStores::open(const std::filesystem::path& datadir,
                                                          const consensus::ChainParams& params,
                                                          std::size_t dbcache_bytes, std::uint32_t block_file_size) {
  ChainStores s;
  auto headers = HeaderStore::open(datadir / "headers", params);
  if (!headers) return std::unexpected(headers.error());
  auto blocks = BlockStore::open(datadir / "blocks", params, block_file_size);
  if (!blocks) return std::unexpected(blocks.error());
  auto utxo = UtxoDb::open(datadir / "chainstate", params, utxo_db_tuning(utxo_db_cache_bytes(dbcache_bytes)));
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

std::expected<std::optional<Hash256>, std::string> BlockImporter::add_one(Bytes&& raw) {
  util::Stopwatch decoding;
  // A block stored already (a restarted import reads its files again) is known by its header
  // alone: the rest is not decoded.
  if (raw.size() >= wire::kBlockHeaderSize) {
    wire::Reader head(ByteSpan(raw).first(wire::kBlockHeaderSize));
    wire::BlockHeader header;
    read(head, header);
    if (const auto* known = tree_.find(wire::block_hash(header)); head.ok() && known && known->have_data()) {
      ++counts_.already_stored;
      times_.decode += decoding.elapsed();
      return std::nullopt;
    }
  }
  auto block = wire::from_bytes<wire::Block>(raw);
  if (!block) {
    ++counts_.undecodable;
    return std::nullopt;
  }
  const Hash256 hash = wire::block_hash(block->header);
  auto accepted = tree_.accept(block->header, util::unix_time());
  if (!accepted) {
    // Descendants of an invalid block are dropped, not reported: the chain thread reports the block
    // itself, and whether a child's header comes before or after that verdict is a matter of timing.
    if (accepted.error() == consensus::HeaderError::bad_prevblk || refused_.contains(block->header.prev_block)) {
      refused_.insert(hash);
    } else if (accepted.error() == consensus::HeaderError::prev_blk_not_found) {
      waiting_.emplace(block->header.prev_block, std::move(raw));
    } else {
      const HeaderEntry* parent = tree_.find(block->header.prev_block);
      invalid_headers_.push_back({parent ? parent->height + 1 : -1, hash, std::string(consensus::to_string(accepted.error()))});
    }
    return std::nullopt;
  }
  ReceivedBlock received;
  received.entry = accepted->entry;
  // Hashed here, off the chain thread. A block that does not match its header is the chain's to
  // reject (as invalid: a file has no sender to blame), so it goes on without what was found.
  if (!consensus::find_mutation(*block, received.entry->height, tree_.params(), &received.txids)) {
    received.witness_checked = true;
  } else {
    received.txids.clear();
  }
  received.block = std::make_shared<const wire::Block>(std::move(*block));
  received.raw = std::move(raw);
  const auto decode_time = decoding.restart();
  times_.decode += decode_time;
  if (profile_) profile_->block_decoded(hash, decode_time);
  chain_.submit(std::move(received));
  apply_invalidations();
  chain_.wait_for_room(max_queued_bytes_);
  times_.wait += decoding.elapsed();
  if (auto fatal = chain_.snapshot().fatal; !fatal.empty()) return std::unexpected(fatal);
  return hash;
}

bool BlockImporter::apply_invalidations() {
  auto failed = chain_.take_invalidations();
  for (const HeaderEntry* entry : failed) {
    auto changed = tree_.invalidate(*entry);
    (void)headers_.write(changed); // not fsynced anyway: a lost record only means checking it again
  }
  if (!failed.empty()) chain_.activate();
  return !failed.empty();
}

std::expected<void, std::string> BlockImporter::add(Bytes raw) {
  // Descendants that were waiting go through a work list, not recursion: a file in reverse order
  // would nest as deep as it is long.
  auto first = add_one(std::move(raw));
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
      auto added = add_one(std::move(child));
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
    const util::Stopwatch reading;
    auto record = reader->next();
    times_.read += reading.elapsed();
    if (!record) return std::unexpected(record.error());
    if (!*record) return {};
    ++counts_.read;
    if (auto a = add(reader->take_record()); !a) return a;
  }
  return {};
}

std::expected<void, std::string> BlockImporter::drain() {
  do {
    auto settled = chain_.call([](ChainState& chain) { return chain.wait_for_checks(); });
    if (!settled) return settled;
  } while (apply_invalidations());
  if (auto fatal = chain_.snapshot().fatal; !fatal.empty()) return std::unexpected(fatal);
  return {};
}

} // namespace peregrine::sync
