#pragma once
// Bitcoin Core's UTXO snapshot file (`dumptxoutset`), read and written.
//
//   version 2 (Core 28 to 31): magic "utxo\xff", u16 version, 4-byte network magic, base block hash,
//     u64 coin count (51 bytes); then, per txid, the txid, CompactSize(coins), and per coin
//     CompactSize(index) and the Coin (VARINT(height * 2 + coinbase), compressed output).
//   version 3 (the P2P UTXO set sharing draft): the same with a u32 base height after the network
//     magic (55 bytes). Core has not released it; the number is ours until it does (one place).
//   legacy (Core 26 and 27, read only): base block hash, u64 coin count, then per coin the outpoint
//     (txid, u32 index) and the Coin.
//
// Coins come in the coins database's key order (txid bytes as stored, then the index's VARINT),
// so a reader can insist on it: a coin out of order or repeated is an error, as are a count that
// lies, bytes after the last coin, a height above the base, an unspendable output and any field
// out of Core's range. Every error names the byte offset.
#include <array>
#include <cstdint>
#include <expected>
#include <istream>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "consensus/coin.hpp"
#include "sync/snapshot_root.hpp"
#include "util/bytes.hpp"
#include "util/hash256.hpp"
#include "wire/framing.hpp"
#include "wire/transaction.hpp"

namespace peregrine::sync {

inline constexpr std::array<std::uint8_t, 5> kSnapshotMagic = {'u', 't', 'x', 'o', 0xff};
inline constexpr std::uint16_t kSnapshotVersionCore = 2;       // what Core v31.0 writes
inline constexpr std::uint16_t kSnapshotVersionWithHeight = 3; // the draft's header with base_height
inline constexpr std::uint16_t kSnapshotVersionLegacy = 0;     // ours for Core 26/27's headerless files

struct SnapshotHeader {
  std::uint16_t version = kSnapshotVersionCore;
  wire::Magic network_magic{};         // zero in a legacy file
  std::optional<std::uint32_t> base_height; // version 3 only
  Hash256 base_block;
  std::uint64_t coins_count = 0;

  std::size_t size() const;
};

Bytes encode_snapshot_header(const SnapshotHeader& header);
// From the file's first bytes (at least 55 when the file has them). An error for unknown magic
// and version, or too few bytes.
std::expected<SnapshotHeader, std::string> decode_snapshot_header(ByteSpan first_bytes);

// The body of one txid's group, appended to out (coins in key order).
void write_snapshot_coin(Bytes& out, std::uint32_t index, const consensus::Coin& coin);

struct SnapshotCoin {
  wire::OutPoint outpoint;
  consensus::Coin coin;
};

// Reads a snapshot from a stream, checking everything above, and hashes the bytes it reads into
// the chunk leaves (so the root of a file is known once it is read through).
class SnapshotReader {
public:
  // expect_magic: the network the caller is on (a file of another network is an error).
  static std::expected<std::unique_ptr<SnapshotReader>, std::string> open(std::istream& in,
                                                                          const wire::Magic* expect_magic);

  const SnapshotHeader& header() const { return header_; }
  // A known base height (version 3's, or one the caller learnt from the base block) bounds every
  // coin's height.
  void set_base_height(std::uint32_t height) { max_height_ = height; }
  // The next coin; nullopt after the last (the count met and the stream at its end).
  std::expected<std::optional<SnapshotCoin>, std::string> next();
  std::uint64_t coins_read() const { return coins_read_; }
  std::uint64_t bytes_read() const { return offset_; }
  // The chunk leaves of everything read; call after next() returned nullopt.
  std::vector<Hash256> chunk_hashes() { return hasher_.finish(); }

private:
  explicit SnapshotReader(std::istream& in) : in_(&in) {}
  // At least n bytes buffered unless the stream ends first; the number buffered.
  std::size_t fill(std::size_t n);
  std::string error_at(std::uint64_t offset, std::string_view what) const;
  // One coin (and its txid's group header when a group starts) from the buffer.
  std::expected<SnapshotCoin, std::string> decode_one();

  std::istream* in_;
  Bytes buffer_;
  std::size_t pos_ = 0;     // in buffer_
  std::uint64_t offset_ = 0; // in the file, of buffer_[pos_]
  bool stream_ended_ = false;
  ChunkHasher hasher_;
  SnapshotHeader header_;
  std::optional<std::uint32_t> max_height_;
  std::uint64_t coins_read_ = 0;
  std::uint64_t left_in_group_ = 0;
  Hash256 group_txid_;
  bool have_previous_ = false;
  Bytes previous_key_; // txid and the index's VARINT, as the coins database orders them
};

} // namespace peregrine::sync
