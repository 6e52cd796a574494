#include "sync/coin_table.hpp"

#include <malloc.h>

#include <cstring>
#include <utility>

namespace peregrine::sync {
namespace {

static_assert(sizeof(CoinTable::Entry) == 84, "entry layout: 36 outpoint + 2 + inline record");

constexpr std::uint8_t kOutOfLine = 0xff;
constexpr std::size_t kMinBuckets = 64;
// Grow at 80% full: robin hood keeps probe runs short up to there.
constexpr std::size_t kLoadPercent = 80;

// What the allocator holds for p: its usable size and glibc's chunk header.
std::size_t allocated(const void* p) { return p ? malloc_usable_size(const_cast<void*>(p)) + sizeof(std::size_t) : 0; }

struct OutOfLine {
  std::uint8_t* data;
  std::uint32_t size;
};

OutOfLine out_of_line(const CoinTable::Entry& e) {
  OutOfLine o;
  std::memcpy(&o.data, e.bytes.data(), sizeof o.data);
  std::memcpy(&o.size, e.bytes.data() + sizeof o.data, sizeof o.size);
  return o;
}

} // namespace

ByteSpan CoinTable::Entry::record() const {
  if (size != kOutOfLine) return {bytes.data(), size};
  OutOfLine o = out_of_line(*this);
  return {o.data, o.size};
}

CoinTable::CoinTable(const crypto::SipKey& key) : key_(key), buckets_(kMinBuckets), mask_(kMinBuckets - 1) {}

CoinTable::~CoinTable() { clear(); }

std::uint32_t CoinTable::tag_of(const wire::OutPoint& outpoint) const {
  return static_cast<std::uint32_t>(crypto::siphash24(key_, outpoint.txid, outpoint.index));
}

std::size_t CoinTable::locate(const wire::OutPoint& outpoint, std::uint32_t tag) const {
  // Robin hood: buckets on the way are at least as far from home as we are, so the first one
  // closer to its own home (or empty) ends the search.
  for (std::size_t pos = home(tag), distance = 0;; pos = (pos + 1) & mask_, ++distance) {
    const Bucket& b = buckets_[pos];
    if (b.entry == 0 || ((pos - home(b.tag)) & mask_) < distance) return buckets_.size();
    if (b.tag == tag && at(b.entry - 1).outpoint == outpoint) return pos;
  }
}

CoinTable::Entry* CoinTable::find(const wire::OutPoint& outpoint) {
  return const_cast<Entry*>(std::as_const(*this).find(outpoint));
}

const CoinTable::Entry* CoinTable::find(const wire::OutPoint& outpoint) const {
  const std::size_t pos = locate(outpoint, tag_of(outpoint));
  return pos == buckets_.size() ? nullptr : &at(buckets_[pos].entry - 1);
}

void CoinTable::place(Bucket bucket) {
  for (std::size_t pos = home(bucket.tag), distance = 0;; pos = (pos + 1) & mask_, ++distance) {
    Bucket& b = buckets_[pos];
    if (b.entry == 0) {
      b = bucket;
      return;
    }
    const std::size_t theirs = (pos - home(b.tag)) & mask_;
    if (theirs < distance) { // take from the richer: it goes on looking further along
      std::swap(b, bucket);
      distance = theirs;
    }
  }
}

void CoinTable::grow() {
  std::vector<Bucket> old(buckets_.size() * 2);
  old.swap(buckets_);
  mask_ = buckets_.size() - 1;
  for (const Bucket& b : old)
    if (b.entry != 0) place(b);
}

std::pair<CoinTable::Entry&, bool> CoinTable::try_emplace(const wire::OutPoint& outpoint) {
  const std::uint32_t tag = tag_of(outpoint);
  if (const std::size_t pos = locate(outpoint, tag); pos != buckets_.size())
    return {at(buckets_[pos].entry - 1), false};
  if ((size_ + 1) * 100 > buckets_.size() * kLoadPercent) grow();
  std::uint32_t number;
  if (free_ != 0) {
    number = free_ - 1;
    std::memcpy(&free_, at(number).bytes.data(), sizeof free_);
  } else {
    if (used_ % kChunkEntries == 0) {
      chunks_.push_back(std::make_unique<Entry[]>(kChunkEntries));
      chunk_bytes_ += allocated(chunks_.back().get());
    }
    number = used_++;
  }
  Entry& e = at(number);
  e.outpoint = outpoint;
  e.flags = Entry::kLive;
  e.size = 0;
  place(Bucket{tag, number + 1});
  ++size_;
  return {e, true};
}

void CoinTable::erase(Entry& entry) {
  std::size_t pos = locate(entry.outpoint, tag_of(entry.outpoint));
  const std::uint32_t number = buckets_[pos].entry - 1;
  // Backward shift: later buckets of the run move one closer to home, so no tombstones stay.
  for (std::size_t next = (pos + 1) & mask_;; pos = next, next = (next + 1) & mask_) {
    const Bucket& b = buckets_[next];
    if (b.entry == 0 || home(b.tag) == next) break;
    buckets_[pos] = b;
  }
  buckets_[pos] = Bucket{};
  free_record(entry);
  entry.flags = 0;
  std::memcpy(entry.bytes.data(), &free_, sizeof free_);
  free_ = number + 1;
  --size_;
}

void CoinTable::free_record(Entry& entry) {
  if (entry.size == kOutOfLine) {
    OutOfLine o = out_of_line(entry);
    out_of_line_bytes_ -= allocated(o.data);
    delete[] o.data;
  }
  entry.size = 0;
}

void CoinTable::set_record(Entry& entry, ByteSpan record) {
  free_record(entry);
  if (record.size() <= kInlineRecord) {
    if (!record.empty()) std::memcpy(entry.bytes.data(), record.data(), record.size());
    entry.size = static_cast<std::uint8_t>(record.size());
    return;
  }
  OutOfLine o{new std::uint8_t[record.size()], static_cast<std::uint32_t>(record.size())};
  std::memcpy(o.data, record.data(), record.size());
  out_of_line_bytes_ += allocated(o.data);
  std::memcpy(entry.bytes.data(), &o.data, sizeof o.data);
  std::memcpy(entry.bytes.data() + sizeof o.data, &o.size, sizeof o.size);
  entry.size = kOutOfLine;
}

void CoinTable::clear() {
  for_each([&](Entry& e) { free_record(e); });
  chunks_.clear();
  chunks_.shrink_to_fit();
  chunk_bytes_ = 0;
  std::vector<Bucket>(kMinBuckets).swap(buckets_);
  mask_ = kMinBuckets - 1;
  size_ = 0;
  used_ = 0;
  free_ = 0;
}

std::size_t CoinTable::memory_usage() const {
  return allocated(buckets_.data()) + allocated(chunks_.data()) + chunk_bytes_ + out_of_line_bytes_;
}

} // namespace peregrine::sync
