#include "sync/snapshot_format.hpp"

#include <algorithm>
#include <cstring>

#include <fmt/format.h>

#include "util/hex.hpp"
#include "wire/compact_size.hpp"
#include "wire/reader.hpp"
#include "wire/writer.hpp"

namespace peregrine::sync {
namespace {

// The largest coin record: a 5-byte VARINT code, a 10-byte amount, a 5-byte script size and a
// 10,000-byte script; with a group's txid and count and the index in front. Decoding waits for
// this much in the buffer (or the end of the stream), so a record never straddles a refill.
constexpr std::size_t kMaxRecordBytes = 32 + 9 + 9 + 5 + 10 + 5 + 10'000;
constexpr std::size_t kReadBytes = std::size_t{1} << 20;
constexpr std::size_t kLegacyHeaderBytes = 32 + 8;

Bytes coin_key(const Hash256& txid, std::uint32_t index) {
  Bytes key(txid.bytes.begin(), txid.bytes.end());
  std::uint8_t varint[10];
  const std::size_t n = consensus::encode_varint(index, varint);
  key.insert(key.end(), varint, varint + n);
  return key;
}

} // namespace

std::size_t SnapshotHeader::size() const {
  if (version == kSnapshotVersionLegacy) return kLegacyHeaderBytes;
  return kSnapshotMagic.size() + 2 + 4 + (version >= kSnapshotVersionWithHeight ? 4 : 0) + 32 + 8;
}

Bytes encode_snapshot_header(const SnapshotHeader& header) {
  Bytes out;
  wire::Writer w(out);
  if (header.version != kSnapshotVersionLegacy) {
    w.bytes(kSnapshotMagic);
    w.u16_le(header.version);
    w.bytes(header.network_magic);
    if (header.version >= kSnapshotVersionWithHeight) w.u32_le(header.base_height.value_or(0));
  }
  w.hash(header.base_block);
  w.u64_le(header.coins_count);
  return out;
}

std::expected<SnapshotHeader, std::string> decode_snapshot_header(ByteSpan bytes) {
  SnapshotHeader h;
  wire::Reader r(bytes);
  const bool has_magic = bytes.size() >= kSnapshotMagic.size() &&
                         std::equal(kSnapshotMagic.begin(), kSnapshotMagic.end(), bytes.begin());
  if (!has_magic) {
    // Core 26/27 wrote no magic: the base hash comes first. Anything else is not a snapshot.
    h.version = kSnapshotVersionLegacy;
  } else {
    r.take(kSnapshotMagic.size(), "magic");
    h.version = r.u16_le("version");
    if (r.ok() && h.version != kSnapshotVersionCore && h.version != kSnapshotVersionWithHeight)
      return std::unexpected(fmt::format("snapshot format version {} is not supported (2 and 3 are)", h.version));
    h.network_magic = r.array<4>("network magic");
    if (h.version >= kSnapshotVersionWithHeight) h.base_height = r.u32_le("base height");
  }
  h.base_block = r.hash("base block hash");
  h.coins_count = r.u64_le("coin count");
  if (!r.ok())
    return std::unexpected(fmt::format("the snapshot's header is cut short ({} bytes; a {} header has {})",
                                       bytes.size(), has_magic ? "version " + std::to_string(h.version) : "legacy",
                                       h.size()));
  return h;
}

void write_snapshot_coin(Bytes& out, std::uint32_t index, const consensus::Coin& coin) {
  wire::Writer w(out);
  wire::write_compact_size(w, index);
  consensus::write(w, coin);
}

std::expected<std::unique_ptr<SnapshotReader>, std::string>
SnapshotReader::open(std::istream& in, const wire::Magic* expect_magic) {
  std::unique_ptr<SnapshotReader> reader(new SnapshotReader(in));
  const std::size_t have = reader->fill(kMaxRecordBytes);
  auto header = decode_snapshot_header(ByteSpan(reader->buffer_).subspan(reader->pos_, have));
  if (!header) return std::unexpected(header.error());
  // A legacy file has nothing to recognise it by: a plausible count is all we can ask.
  if (header->version == kSnapshotVersionLegacy && header->coins_count > (std::uint64_t{1} << 40))
    return std::unexpected("not a UTXO snapshot: no \"utxo\\xff\" magic, and not a plausible headerless (Core 26/27) file");
  if (expect_magic && header->version != kSnapshotVersionLegacy && header->network_magic != *expect_magic)
    return std::unexpected(fmt::format("the snapshot is for another network (message start {}, this network's is {})",
                                       util::to_hex(header->network_magic), util::to_hex(*expect_magic)));
  reader->header_ = *header;
  if (header->base_height) reader->max_height_ = *header->base_height;
  reader->pos_ += header->size();
  reader->offset_ += header->size();
  return reader;
}

std::size_t SnapshotReader::fill(std::size_t n) {
  if (buffer_.size() - pos_ >= n || stream_ended_) return buffer_.size() - pos_;
  buffer_.erase(buffer_.begin(), buffer_.begin() + static_cast<std::ptrdiff_t>(pos_));
  pos_ = 0;
  while (buffer_.size() < n && !stream_ended_) {
    const std::size_t old = buffer_.size();
    buffer_.resize(old + std::max(n - old, kReadBytes));
    in_->read(reinterpret_cast<char*>(buffer_.data() + old), static_cast<std::streamsize>(buffer_.size() - old));
    const auto got = static_cast<std::size_t>(in_->gcount());
    buffer_.resize(old + got);
    hasher_.write(ByteSpan(buffer_).subspan(old, got));
    if (got == 0 || !*in_) stream_ended_ = true;
  }
  return buffer_.size();
}

std::string SnapshotReader::error_at(std::uint64_t offset, std::string_view what) const {
  return fmt::format("bad snapshot at byte {} (coin {} of {}): {}", offset, coins_read_ + 1, header_.coins_count, what);
}

std::expected<std::optional<SnapshotCoin>, std::string> SnapshotReader::next() {
  const std::size_t have = fill(kMaxRecordBytes);
  if (coins_read_ == header_.coins_count) {
    if (have > 0 || left_in_group_ > 0)
      return std::unexpected(fmt::format("bad snapshot: {} coins read as its header says, but {} at byte {}",
                                         header_.coins_count,
                                         left_in_group_ > 0 ? "its last txid promised more"
                                                            : fmt::format("{} more bytes follow", have),
                                         offset_));
    return std::optional<SnapshotCoin>{};
  }
  if (have == 0)
    return std::unexpected(fmt::format("bad snapshot: it ends at byte {} after {} of the {} coins its header counts",
                                       offset_, coins_read_, header_.coins_count));
  auto coin = decode_one();
  if (!coin) return std::unexpected(coin.error());
  ++coins_read_;
  return std::optional<SnapshotCoin>{std::move(*coin)};
}

std::expected<SnapshotCoin, std::string> SnapshotReader::decode_one() {
  wire::Reader r(ByteSpan(buffer_).subspan(pos_));
  SnapshotCoin out;
  if (header_.version == kSnapshotVersionLegacy) {
    out.outpoint.txid = r.hash("txid");
    out.outpoint.index = r.u32_le("output index");
  } else {
    if (left_in_group_ == 0) {
      group_txid_ = r.hash("txid");
      left_in_group_ = wire::read_compact_size(r, "coins of the txid");
      if (r.ok() && left_in_group_ == 0) return std::unexpected(error_at(offset_, "a txid with no coins"));
      if (r.ok() && left_in_group_ > header_.coins_count - coins_read_)
        return std::unexpected(error_at(offset_, fmt::format("a txid with {} coins where only {} are left to the count",
                                                             left_in_group_, header_.coins_count - coins_read_)));
    }
    out.outpoint.txid = group_txid_;
    const std::uint64_t index = wire::read_compact_size(r, "output index");
    if (r.ok() && index >= 0xffffffff) return std::unexpected(error_at(offset_, "an output index out of range"));
    out.outpoint.index = static_cast<std::uint32_t>(index);
  }
  consensus::read(r, out.coin);
  if (!r.ok())
    return std::unexpected(error_at(offset_ + r.error()->offset,
                                    fmt::format("{}: {}", wire::to_string(r.error()->code), r.error()->field)));
  const std::uint64_t start = offset_;
  pos_ += r.position();
  offset_ += r.position();
  if (header_.version != kSnapshotVersionLegacy) --left_in_group_;

  Bytes key = coin_key(out.outpoint.txid, out.outpoint.index);
  if (have_previous_ && !(previous_key_ < key))
    return std::unexpected(error_at(start, fmt::format("coin {}:{} {} the one before it", out.outpoint.txid.to_hex(),
                                                       out.outpoint.index,
                                                       previous_key_ == key ? "repeats" : "is out of order after")));
  previous_key_ = std::move(key);
  have_previous_ = true;
  if (consensus::is_unspendable(out.coin.output.script_pubkey))
    return std::unexpected(error_at(start, "an unspendable output (no UTXO set holds one)"));
  if (max_height_ && static_cast<std::uint64_t>(out.coin.height) > *max_height_)
    return std::unexpected(error_at(start, fmt::format("a coin of height {} above the base block's {}", out.coin.height,
                                                       *max_height_)));
  return out;
}

} // namespace peregrine::sync
