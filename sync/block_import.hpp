#pragma once
// Importing blocks from blk*.dat-framed files (magic, little-endian length, block), as Core's
// -loadblock: the datadir's stores opened together, the files read one record at a time, and
// blocks whose parent has not been seen held until it arrives. Used by `peregrine import` and
// `peregrine bench import`.
#include <chrono>
#include <csignal>
#include <cstdint>
#include <cstdio>
#include <expected>
#include <filesystem>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <unordered_set>

#include "consensus/chainparams.hpp"
#include "sync/block_store.hpp"
#include "sync/chain_worker.hpp"
#include "sync/header_store.hpp"
#include "sync/header_tree.hpp"
#include "sync/utxo_db.hpp"
#include "util/bytes.hpp"
#include "wire/framing.hpp"

namespace peregrine::sync {

// A datadir's stores, opened together and closed in reverse order.
struct ChainStores {
  std::unique_ptr<HeaderStore> headers;
  std::unique_ptr<BlockStore> blocks;
  std::unique_ptr<UtxoDb> utxo;

  // dbcache_bytes: --dbcache, of which the UTXO database gets its share (utxo_db_cache_bytes).
  static std::expected<ChainStores, std::string> open(const std::filesystem::path& datadir,
                                                      const consensus::ChainParams& params,
                                                      std::size_t dbcache_bytes = std::size_t{450} << 20,
                                                      std::uint32_t block_file_size = kDefaultMaxBlockFileSize);
};

// One record at a time, so memory stays at one block whatever the file's size. Core's zero padding
// after the last record ends the file; any other bad record is an error naming its offset.
class BlkFileReader {
public:
  static std::expected<BlkFileReader, std::string> open(const std::filesystem::path& path, const wire::Magic& magic);
  // The next record's block bytes (valid until the next call), or nullopt at the end.
  std::expected<std::optional<ByteSpan>, std::string> next();
  // The record next() returned, moved out (next() then reads into a new buffer).
  Bytes take_record() { return std::move(block_); }

private:
  BlkFileReader(std::FILE* file, std::filesystem::path path, const wire::Magic& magic)
      : file_(file, &std::fclose), path_(std::move(path)), magic_(magic) {}
  std::expected<std::optional<ByteSpan>, std::string> fail(std::string_view what) const;

  std::unique_ptr<std::FILE, int (*)(std::FILE*)> file_;
  std::filesystem::path path_;
  wire::Magic magic_;
  std::uint64_t offset_ = 0; // of the record being read
  Bytes block_;
};

struct ImportCounts {
  std::uint64_t read = 0;
  std::uint64_t already_stored = 0;
  std::uint64_t undecodable = 0;
};

// The reader thread's wall time, for the bottleneck report.
struct ImportTimes {
  std::chrono::nanoseconds read{0};   // reading records from the files
  std::chrono::nanoseconds decode{0}; // decoding, header checks, hashing
  std::chrono::nanoseconds wait{0};   // waiting for room in the chain's queue
};

class IbdProfile;

// Feeds raw blocks to the chain thread in file order, holding orphans until their parent comes.
// This thread decodes each block, accepts its header into the tree (whose shape it owns) and
// hashes its transactions, so the chain thread only stores and connects; a queue bounded in bytes
// keeps the two in step.
class BlockImporter {
public:
  BlockImporter(ChainWorker& chain, HeaderTree& tree, HeaderStore& headers,
                std::size_t max_queued_bytes = std::size_t{32} << 20)
      : chain_(chain), tree_(tree), headers_(headers), max_queued_bytes_(max_queued_bytes) {}

  // A block and any waiting descendants it unblocks. An error is the chain's (disk, corrupt
  // store), not the block's: invalid blocks are in invalid_headers() and the chain's snapshot.
  std::expected<void, std::string> add(Bytes raw);
  // Every record of a file; stops early (returning ok) once *stop is set.
  std::expected<void, std::string> add_file(const std::filesystem::path& path, const volatile std::sig_atomic_t* stop = nullptr);
  // Waits until the chain has connected what it can of the blocks handed over, invalidating in the
  // tree what it found invalid (so it may go on along another branch).
  std::expected<void, std::string> drain();

  const ImportCounts& counts() const { return counts_; }
  const ImportTimes& times() const { return times_; }
  // Where each block's decoding time goes (--trace); optional, must outlive this.
  void set_profile(IbdProfile* profile) { profile_ = profile; }
  std::size_t waiting() const { return waiting_.size(); }
  // Blocks whose header broke a rule of its own (the chain never saw them).
  const std::vector<InvalidBlock>& invalid_headers() const { return invalid_headers_; }

private:
  // One block; its hash when it went to the chain (so blocks waiting for it may follow).
  std::expected<std::optional<Hash256>, std::string> add_one(Bytes&& raw);
  // Applies the chain's invalid blocks to the tree; true when there were any.
  bool apply_invalidations();

  ChainWorker& chain_;
  HeaderTree& tree_;
  HeaderStore& headers_;
  std::size_t max_queued_bytes_;
  ImportCounts counts_;
  ImportTimes times_;
  IbdProfile* profile_ = nullptr;
  std::multimap<Hash256, Bytes> waiting_; // by the parent's hash
  std::vector<InvalidBlock> invalid_headers_;
  std::unordered_set<Hash256> refused_; // descendants of invalid blocks
};

} // namespace peregrine::sync
