#pragma once
// The header tree on disk: one LevelDB record per header, keyed by height then hash so a reload
// reads parents before children, in one pass, with no revalidation. Records hold the 80-byte header
// with its status and block/undo positions; chain work and skip pointers are rebuilt in memory
// (additions, no hashing).
#include <cstddef>
#include <expected>
#include <filesystem>
#include <memory>
#include <mutex>
#include <span>
#include <string>

#include "sync/header_tree.hpp"

namespace leveldb {
class DB;
}

namespace peregrine::sync {

class HeaderStore {
public:
  // Opens or creates the store in `dir`; refuses one written for another network.
  static std::expected<std::unique_ptr<HeaderStore>, std::string> open(const std::filesystem::path& dir,
                                                                       const consensus::ChainParams& params);
  ~HeaderStore();
  HeaderStore(const HeaderStore&) = delete;
  HeaderStore& operator=(const HeaderStore&) = delete;

  // Writes these headers (new, or with a changed status) in one atomic batch. Not fsynced: headers
  // can be downloaded again, and LevelDB's log keeps a crash's leftovers a consistent prefix.
  // Any thread: entries are read and written under one lock, so when two threads write the same
  // header (the io thread its status, the chain thread its block position) the record written
  // last holds both changes.
  std::expected<void, std::string> write(std::span<const HeaderEntry* const> entries);
  // Makes every write so far durable (before the UTXO database names a block these records hold).
  std::expected<void, std::string> sync();

  struct LoadResult {
    std::size_t loaded = 0;
    std::size_t orphaned = 0; // records whose parent was missing (ignored)
  };
  // Re-enters every stored header into the tree, parents first.
  std::expected<LoadResult, std::string> load_into(HeaderTree& tree);

private:
  HeaderStore(std::unique_ptr<leveldb::DB> db, std::filesystem::path dir);
  std::unique_ptr<leveldb::DB> db_;
  std::filesystem::path dir_; // for the messages
  std::mutex write_mutex_;
};

} // namespace peregrine::sync
