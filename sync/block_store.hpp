#pragma once
// Blocks and their undo data in flat files, as Bitcoin Core's DATADIR/blocks/blk?????.dat and
// rev?????.dat.
//
// Records are Core's: a block record is network magic, LE uint32 length, the serialized block; an
// undo record is magic, length, the undo payload (sync/block_undo), then
// sha256d(block_hash || payload). Core passes the hash of the block's *parent* as block_hash; the
// caller chooses, and must pass the same hash to read_undo.
//
// Numbering: blk and rev files are numbered independently, each series moving to its next file
// when a record would take the current one past max_file_size (a record larger than that gets a
// file of its own). Core ties rev N to blk N because it writes undo data beside the block; here
// undo is written when a block connects, which is in chain order rather than arrival order, so
// each series stays append-only and --prune decides per file from the heights it holds. The files
// are Core's format record by record, not a Core datadir (that needs Core's block index too).
//
// On open each series continues at the end of its highest-numbered file. A record cut short by a
// crash stays there unreferenced: nothing points at it until sync() has made it durable and the
// caller has recorded its position.
//
// Threads: write_*, sync and disk_bytes from one thread at a time; read_* from any thread, also
// while writes go on (a read opens the file itself and touches no shared state).
#include <cstdint>
#include <expected>
#include <filesystem>
#include <map>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "consensus/chainparams.hpp"
#include "util/bytes.hpp"
#include "util/hash256.hpp"
#include "wire/framing.hpp"

namespace peregrine::sync {

struct BlockPos {            // where a record's payload starts
  std::uint32_t file = 0;    // blk/rev file number
  std::uint32_t offset = 0;  // byte offset of the payload (after the 8-byte magic+length prefix)
  bool operator==(const BlockPos&) const = default;
};

// Magic and length before each record's payload; the checksum after each undo payload.
inline constexpr std::uint32_t kRecordPrefixSize = 8;
inline constexpr std::uint32_t kUndoChecksumSize = 32;
inline constexpr std::uint32_t kDefaultMaxBlockFileSize = 128u << 20; // Core's MAX_BLOCKFILE_SIZE

// "blk00042.dat", "rev00042.dat": Core's names (at least five digits).
std::string block_file_name(std::uint32_t file);
std::string undo_file_name(std::uint32_t file);

class BlockStore {
public:
  // dir: DATADIR/blocks, created if missing. Files rotate at max_file_size.
  static std::expected<std::unique_ptr<BlockStore>, std::string>
  open(const std::filesystem::path& dir, const consensus::ChainParams& params,
       std::uint32_t max_file_size = kDefaultMaxBlockFileSize);
  ~BlockStore();
  BlockStore(const BlockStore&) = delete;
  BlockStore& operator=(const BlockStore&) = delete;

  // Appends a serialized block framed as Core's blk files. An empty block or one over
  // 4,000,000 bytes (no valid block is larger) is refused.
  std::expected<BlockPos, std::string> write_block(ByteSpan block);
  // Checks the frame: magic, a length within 1..4,000,000 that the file holds.
  std::expected<Bytes, std::string> read_block(BlockPos pos) const;

  // Appends an undo record with its checksum.
  std::expected<BlockPos, std::string> write_undo(ByteSpan undo, const Hash256& block_hash);
  // Checks the frame and the checksum against block_hash.
  std::expected<Bytes, std::string> read_undo(BlockPos pos, const Hash256& block_hash) const;

  // fsyncs the files written since the last call, and the directory when a file was created,
  // before the UTXO database may refer to them. A failure is sticky (after a failed fsync the
  // kernel may have dropped the pages, so a retry proves nothing): every later write and sync
  // returns the same error.
  std::expected<void, std::string> sync();

  // Bytes of every blk and rev file, for figures and --prune.
  std::uint64_t disk_bytes() const { return disk_bytes_; }

  // --prune: deletes a blk or rev file below the one being written (never that one). The caller
  // must first stop referring to its records durably. A file already gone is not an error.
  std::expected<void, std::string> remove_block_file(std::uint32_t file) { return remove(blocks_, file); }
  std::expected<void, std::string> remove_undo_file(std::uint32_t file) { return remove(undo_, file); }
  std::uint32_t current_block_file() const { return blocks_.file; }
  std::uint32_t current_undo_file() const { return undo_.file; }
  // The files on disk, by number, with their sizes.
  const std::map<std::uint32_t, std::uint64_t>& block_files() const { return blocks_.sizes; }
  const std::map<std::uint32_t, std::uint64_t>& undo_files() const { return undo_.sizes; }

  const std::filesystem::path& dir() const { return dir_; }

private:
  // One append-only file series (blk or rev).
  struct Series {
    const char* prefix = "";
    std::uint32_t file = 0;  // the file written next
    std::uint64_t size = 0;  // its size
    int fd = -1;             // open for appending once written to
    bool dirty = false;      // written since the last sync
    std::map<std::uint32_t, std::uint64_t> sizes; // every file of the series on disk
  };

  BlockStore(std::filesystem::path dir, std::string label, const wire::Magic& magic,
             std::uint32_t max_file_size);
  std::expected<BlockPos, std::string> append(Series& series, ByteSpan payload, const Hash256* checksum_key);
  std::expected<void, std::string> open_for_append(Series& series);
  std::expected<void, std::string> remove(Series& series, std::uint32_t file);
  std::expected<Bytes, std::string> read_record(const char* prefix, BlockPos pos,
                                                const Hash256* checksum_key) const;
  std::string where(const char* prefix, std::uint32_t file, std::uint64_t offset) const;

  std::filesystem::path dir_;
  std::string label_;  // the directory's own name, for messages: "blocks/blk00003.dat at 1234"
  wire::Magic magic_;
  std::uint32_t max_file_size_;
  Series blocks_;
  Series undo_;
  std::vector<std::pair<int, std::string>> retired_;  // files left by rotation (fd, name), closed once synced
  bool dir_dirty_ = false;        // a file was created since the last sync
  std::string failure_;           // a failed fsync: the store accepts nothing more
  std::uint64_t disk_bytes_ = 0;
};

} // namespace peregrine::sync
