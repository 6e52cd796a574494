#pragma once
// The coins cache's storage: one fixed-size entry per outpoint holding the coin as the UTXO
// database's record (Core's compact Coin: VARINT height code, compressed amount and script), so a
// flush writes it byte for byte and a database read is stored as it came. Records up to
// kInlineRecord bytes (every standard script: P2PKH, P2SH, P2WPKH, P2WSH, P2TR, P2PK) live in the
// entry; longer ones get one allocation of their own.
//
// Entries sit in chunks that never move (a freed entry goes on a free list), and a robin-hood
// open-addressing index of 8-byte buckets (32 bits of the hash, entry number) finds them. That is
// about 84 bytes of entry and 10 to 20 of index per coin, against a node map's ~170 (node, bucket
// and a separate script allocation). memory_usage() counts what the allocator really handed out.
//
// Single-threaded. Entry pointers stay valid until the entry is erased or the table cleared.
#include <array>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <utility>
#include <vector>

#include "crypto/siphash.hpp"
#include "util/bytes.hpp"
#include "wire/transaction.hpp"

namespace peregrine::sync {

class CoinTable {
public:
  static constexpr std::size_t kInlineRecord = 46;

  struct Entry {
    static constexpr std::uint8_t kLive = 1;  // in use (else on the free list)
    static constexpr std::uint8_t kDirty = 2; // differs from the database
    static constexpr std::uint8_t kFresh = 4; // the database has no coin here
    static constexpr std::uint8_t kSpent = 8; // no coin: spent here, to be deleted on disk

    wire::OutPoint outpoint;
    std::uint8_t flags = 0;
    std::uint8_t size = 0; // record bytes when inline; kOutOfLine: a pointer and a length in `bytes`
    std::array<std::uint8_t, kInlineRecord> bytes;

    bool dirty() const { return flags & kDirty; }
    bool fresh() const { return flags & kFresh; }
    bool spent() const { return flags & kSpent; }
    ByteSpan record() const;
  };

  explicit CoinTable(const crypto::SipKey& key);
  ~CoinTable();
  CoinTable(const CoinTable&) = delete;
  CoinTable& operator=(const CoinTable&) = delete;

  Entry* find(const wire::OutPoint& outpoint);
  const Entry* find(const wire::OutPoint& outpoint) const;
  // The entry of outpoint, and whether it is new (then with no record and no flags but live).
  std::pair<Entry&, bool> try_emplace(const wire::OutPoint& outpoint);
  void erase(Entry& entry);
  // Replaces the entry's record (empty: none).
  void set_record(Entry& entry, ByteSpan record);
  void clear();

  // Every entry in use; visit may change the entry's flags and record, or erase it, but not insert.
  template <class Visit>
  void for_each(Visit&& visit) {
    for (std::uint32_t i = 0; i < used_; ++i)
      if (Entry& e = at(i); e.flags & Entry::kLive) visit(e);
  }
  template <class Visit>
  void for_each(Visit&& visit) const {
    for (std::uint32_t i = 0; i < used_; ++i)
      if (const Entry& e = at(i); e.flags & Entry::kLive) visit(e);
  }

  // Every entry in use with its number (stable until the entry is erased), for callers that keep a
  // compact list of entries; entry(number) finds it again.
  template <class Visit>
  void for_each_numbered(Visit&& visit) const {
    for (std::uint32_t i = 0; i < used_; ++i)
      if (const Entry& e = at(i); e.flags & Entry::kLive) visit(i, e);
  }
  Entry& entry(std::uint32_t number) { return at(number); }

  std::size_t size() const { return size_; }
  // Bytes allocated: entry chunks, the index, records out of line.
  std::size_t memory_usage() const;

  // Entry storage is allocated this many entries at a time.
  static constexpr std::uint32_t kChunkEntries = 1u << 14;

private:
  struct Bucket {
    std::uint32_t tag = 0;   // the hash's low 32 bits: its home bucket and a fingerprint
    std::uint32_t entry = 0; // entry number + 1; 0: empty
  };

  std::uint32_t tag_of(const wire::OutPoint& outpoint) const;
  std::size_t home(std::uint32_t tag) const { return tag & mask_; }
  // The bucket holding outpoint (whose tag is tag), or buckets_.size().
  std::size_t locate(const wire::OutPoint& outpoint, std::uint32_t tag) const;
  void place(Bucket bucket);
  void grow();
  Entry& at(std::uint32_t i) { return chunks_[i / kChunkEntries][i % kChunkEntries]; }
  const Entry& at(std::uint32_t i) const { return chunks_[i / kChunkEntries][i % kChunkEntries]; }
  void free_record(Entry& entry);

  crypto::SipKey key_;
  std::vector<Bucket> buckets_;
  std::size_t mask_ = 0;
  std::size_t size_ = 0;
  std::vector<std::unique_ptr<Entry[]>> chunks_;
  std::uint32_t used_ = 0;             // entries ever handed out from the chunks
  std::uint32_t free_ = 0;             // head of the free list, entry number + 1; 0: empty
  std::size_t chunk_bytes_ = 0;        // allocated for the chunks
  std::size_t out_of_line_bytes_ = 0;  // allocated for long records
};

} // namespace peregrine::sync
