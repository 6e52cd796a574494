#pragma once
// Importing blocks from blk*.dat-framed files (magic, little-endian length, block), as Core's
// -loadblock: the datadir's stores opened together, the files read one record at a time, and
// blocks whose parent has not been seen held until it arrives. Used by `peregrine import` and
// `peregrine bench import`.
#include <csignal>
#include <cstdint>
#include <cstdio>
#include <expected>
#include <filesystem>
#include <map>
#include <memory>
#include <optional>
#include <string>

#include "consensus/chainparams.hpp"
#include "sync/block_store.hpp"
#include "sync/chain_state.hpp"
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

  static std::expected<ChainStores, std::string> open(const std::filesystem::path& datadir,
                                                      const consensus::ChainParams& params);
};

// One record at a time, so memory stays at one block whatever the file's size. Core's zero padding
// after the last record ends the file; any other bad record is an error naming its offset.
class BlkFileReader {
public:
  static std::expected<BlkFileReader, std::string> open(const std::filesystem::path& path, const wire::Magic& magic);
  // The next record's block bytes (valid until the next call), or nullopt at the end.
  std::expected<std::optional<ByteSpan>, std::string> next();

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

// Feeds raw blocks to the chain state in file order, holding orphans until their parent comes.
class BlockImporter {
public:
  BlockImporter(ChainState& chain, const HeaderTree& tree) : chain_(chain), tree_(tree) {}

  // A block and any waiting descendants it unblocks. An error is the chain state's (disk, corrupt
  // store), not the block's: invalid blocks are in chain.invalid_blocks().
  std::expected<void, std::string> add(ByteSpan raw);
  // Every record of a file; stops early (returning ok) once *stop is set.
  std::expected<void, std::string> add_file(const std::filesystem::path& path, const volatile std::sig_atomic_t* stop = nullptr);

  const ImportCounts& counts() const { return counts_; }
  std::size_t waiting() const { return waiting_.size(); }

private:
  // One block; its hash when it was processed (so blocks waiting for it may follow). owned: the
  // caller's copy of raw, moved into the waiting list if the block must wait.
  std::expected<std::optional<Hash256>, std::string> add_one(ByteSpan raw, Bytes* owned);

  ChainState& chain_;
  const HeaderTree& tree_;
  ImportCounts counts_;
  std::multimap<Hash256, Bytes> waiting_; // by the parent's hash
};

} // namespace peregrine::sync
