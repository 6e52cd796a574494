#pragma once
// Every header we accepted, as a tree rooted at genesis: height, cumulative chain work and status
// per header, the best (most-work valid) header, and the best header chain by height. Headers enter
// only through accept(), which runs every header rule; the store reloads through restore(), which
// trusts what this tree validated before.
//
// Threads: every method may be called from any thread. The io thread adds headers while the chain
// thread reads the best chain and records where it stored blocks; a reader-writer lock guards the
// map and the best chain, and entries never move or go away, so a pointer stays good after the
// lock is released. One rule keeps sequences of calls consistent: only the thread that accepts
// headers (the io thread, or import's reader) changes the tree's shape (accept, restore,
// invalidate); others only read it and set entries' data fields.
#include <atomic>
#include <cstdint>
#include <mutex>
#include <shared_mutex>
#include <deque>
#include <expected>
#include <optional>
#include <unordered_map>
#include <vector>

#include "consensus/arith_uint256.hpp"
#include "consensus/chainparams.hpp"
#include "consensus/header_rules.hpp"
#include "wire/block.hpp"

namespace peregrine::sync {

enum HeaderStatus : std::uint8_t {
  kHeaderValid = 0,
  kHeaderFailed = 1, // broke a rule itself, or descends from a header or block that did (`failure`)
};

// Where a block's bytes and its undo data are in the block store's files.
struct DataPos {
  std::uint32_t file = 0;
  std::uint32_t offset = 0;
  bool operator==(const DataPos&) const = default;
};

enum DataFlags : std::uint8_t {
  kHaveData = 1, // the block is in the block store at data_pos
  kHaveUndo = 2, // it was connected once and its undo data is at undo_pos
  // In memory only: the file holding the block (its undo data) was fsynced since the record was
  // written. The header store records a position only then, as Core writes its block index only
  // after the block files' fsync: after a power cut no record may name bytes the disk lost.
  kDataDurable = 4,
  kUndoDurable = 8,
};

// One accepted header. The header's fields are kept without prev_block, which the parent's hash
// gives: 48 bytes of header instead of 80, per header of a chain of a million.
//
// Threads: everything but the status and the block data bookkeeping is fixed once the tree has
// handed the entry out, so any thread may read it without a lock. The status and the data fields
// change later (the chain thread stores blocks and undo data while the io thread reads them), so
// they are atomics: a position is published before the flag that says it is there.
struct HeaderEntry {
  const Hash256* hash = nullptr; // the tree's key
  HeaderEntry* prev = nullptr;
  HeaderEntry* skip = nullptr; // an ancestor further back, for O(log² n) ancestor walks
  consensus::ArithU256 chain_work;
  Hash256 merkle_root;
  std::int32_t version = 0;
  std::uint32_t time = 0;
  std::uint32_t bits = 0;
  std::uint32_t nonce = 0;
  std::int32_t height = 0;
  std::uint32_t sequence = 0; // arrival order: among equal work, the first seen is best

  HeaderStatus status() const { return status_.load(std::memory_order_acquire); }
  // Why it failed (when it did): its own rule, or an ancestor's (bad_prevblk / invalid_block).
  consensus::HeaderError failure() const { return failure_.load(std::memory_order_acquire); }
  std::uint8_t data_flags() const { return data_flags_.load(std::memory_order_acquire); }
  DataPos data_pos() const { return unpack(data_pos_.load(std::memory_order_relaxed)); }
  DataPos undo_pos() const { return unpack(undo_pos_.load(std::memory_order_relaxed)); }

  bool valid() const { return status() == kHeaderValid; }
  bool have_data() const { return (data_flags() & kHaveData) != 0; }
  bool have_undo() const { return (data_flags() & kHaveUndo) != 0; }
  // kHaveData and kHaveUndo where the bytes are durable: what the header store may record.
  std::uint8_t durable_flags() const {
    const std::uint8_t f = data_flags();
    return static_cast<std::uint8_t>(((f & kHaveData) && (f & kDataDurable) ? kHaveData : 0) |
                                     ((f & kHaveUndo) && (f & kUndoDurable) ? kHaveUndo : 0));
  }
  wire::BlockHeader header() const;
  const HeaderEntry* ancestor(int height) const;

private:
  friend class HeaderTree;
  static DataPos unpack(std::uint64_t v) { return {static_cast<std::uint32_t>(v >> 32), static_cast<std::uint32_t>(v)}; }
  static std::uint64_t pack(DataPos p) { return std::uint64_t{p.file} << 32 | p.offset; }

  std::atomic<HeaderStatus> status_{kHeaderValid};
  std::atomic<consensus::HeaderError> failure_{};
  std::atomic<std::uint8_t> data_flags_{0}; // DataFlags
  std::atomic<std::uint64_t> data_pos_{0};
  std::atomic<std::uint64_t> undo_pos_{0};
};

class HeaderTree {
public:
  explicit HeaderTree(const consensus::ChainParams& params);
  HeaderTree(const HeaderTree&) = delete;
  HeaderTree& operator=(const HeaderTree&) = delete;

  struct Accepted {
    const HeaderEntry* entry;
    bool is_new; // false: we had it already
  };
  // Validates a header against its parent's chain and stores it. A header that fails a contextual
  // rule is kept as failed (it had valid proof of work, so it cost its sender real work), so
  // asking again is cheap and its descendants are refused; a header failing proof of work, with an
  // unknown or invalid parent, or from the future is not stored.
  std::expected<Accepted, consensus::HeaderError> accept(const wire::BlockHeader& header,
                                                         std::int64_t now);

  // Re-enters a header validated in an earlier run (the store's reload): its parent must be here.
  // Returns nullptr when the parent is missing (the record is then ignored).
  const HeaderEntry* restore(const wire::BlockHeader& header, const Hash256& hash,
                             HeaderStatus status, consensus::HeaderError failure);

  // Block data bookkeeping (the chain state records where it stored a block and its undo data).
  void set_data_pos(const HeaderEntry& entry, DataPos pos);
  void set_undo_pos(const HeaderEntry& entry, DataPos pos);
  void restore_data(const HeaderEntry& entry, std::uint8_t flags, DataPos data, DataPos undo);
  // The block store was fsynced: the entry's block and undo data, where it has them, are durable.
  void mark_durable(const HeaderEntry& entry);
  // --prune deleted the file holding its block (kHaveData) or undo data (kHaveUndo).
  void clear_data(const HeaderEntry& entry, std::uint8_t flags);
  template <class Fn> void for_each(Fn&& fn) const {
    std::shared_lock lock(mutex_);
    for (const auto& [hash, entry] : entries_) fn(entry);
  }
  // A block broke a rule: it and every descendant become failed, and the best header moves to
  // the most-work valid one left. Returns the entries changed (to persist).
  std::vector<const HeaderEntry*> invalidate(const HeaderEntry& entry);
  // The operator takes back an invalidation (RPC reconsiderblock, Core's ResetBlockFailureFlags):
  // the entry, its ancestors and its descendants that failed as invalid blocks or for descending
  // from one become valid again, unless their parent stays failed; a header that broke a header
  // rule itself stays failed (nothing would check it again). The best header is chosen again.
  // Returns the entries changed (to persist; the chain must forget their failures too).
  std::vector<const HeaderEntry*> reconsider(const HeaderEntry& entry);
  // RPC preciousblock: among headers of equal work, this one wins (until restart, as in Core).
  // Returns whether the best header changed.
  bool prefer(const HeaderEntry& entry);
  // Median time past of the 11 headers ending at `entry` (BIP113's clock for its child).
  std::int64_t median_time_past(const HeaderEntry& entry) const;

  const HeaderEntry* find(const Hash256& hash) const;
  const HeaderEntry& genesis() const { return *genesis_; }
  const HeaderEntry& best() const;
  int best_height() const { return best().height; }
  // The header at this height on the best chain, or nullptr.
  const HeaderEntry* at_height(int height) const;
  bool on_best_chain(const HeaderEntry& entry) const;
  std::size_t size() const;

  // Hashes from `from` back to genesis: the last ten one by one, then doubling steps (the
  // getheaders locator). From the best header when from is null.
  std::vector<Hash256> locator(const HeaderEntry* from = nullptr) const;
  // The last header of `locator` on our best chain (genesis when none is).
  const HeaderEntry& find_fork(const std::vector<Hash256>& locator) const;

  // The work a chain of headers must reach before we store it (anti-DoS): the minimum chain work,
  // or the best header's work less 144 blocks' worth, whichever is higher (as Bitcoin Core).
  consensus::ArithU256 storage_work_threshold() const;
  // Work of a header with these bits (cached: bits change once per 2,016 headers at most).
  consensus::ArithU256 proof(std::uint32_t bits) const;

  const consensus::ChainParams& params() const { return params_; }

private:
  friend class EntryAncestry;
  // The same, for callers already holding the lock.
  const HeaderEntry& best_locked() const { return *best_chain_.back(); }
  const HeaderEntry* at_height_locked(int height) const;
  bool on_best_chain_locked(const HeaderEntry& entry) const { return at_height_locked(entry.height) == &entry; }
  const HeaderEntry* find_locked(const Hash256& hash) const;
  std::int64_t median_time_past_locked(const HeaderEntry& entry) const;
  HeaderEntry& insert(const wire::BlockHeader& header, const Hash256& hash, HeaderEntry& parent);
  void consider_best(HeaderEntry& entry);
  // The most-work valid header (the precious one, then the first seen, among equals) by a full
  // scan, and the best chain rebuilt to it: after invalidations, which are rare.
  void reselect_best_locked();

  mutable std::shared_mutex mutex_;

  const consensus::ChainParams& params_;
  std::unordered_map<Hash256, HeaderEntry> entries_;
  std::vector<HeaderEntry*> best_chain_; // by height, genesis to the best header
  const HeaderEntry* genesis_ = nullptr;
  int last_checkpoint_height_ = 0;       // the highest checkpoint we have the header of
  std::uint32_t next_sequence_ = 0;
  const HeaderEntry* precious_ = nullptr; // preciousblock's choice
  mutable std::mutex proof_mutex_; // the cache below is shared by readers
  mutable std::uint32_t cached_bits_ = 0;
  mutable consensus::ArithU256 cached_proof_;
};

} // namespace peregrine::sync
