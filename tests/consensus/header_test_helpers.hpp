#pragma once
// Shared by the header-rule tests: real headers from the shared data, an ancestry backed by a map,
// and a nonce grinder for networks whose proof-of-work limit makes a valid header cheap.
#include <doctest/doctest.h>

#include <chrono>
#include <cstdint>
#include <map>
#include <vector>

#include "consensus/chainparams.hpp"
#include "consensus/pow.hpp"
#include "test_data.hpp"
#include "wire/blk_file.hpp"
#include "wire/block.hpp"
#include "wire/codec.hpp"

namespace peregrine::test {

inline std::int64_t now_seconds() {
  return std::chrono::duration_cast<std::chrono::seconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

// Raw 80-byte headers, concatenated.
inline std::vector<wire::BlockHeader> decode_headers(ByteSpan raw) {
  REQUIRE(raw.size() % wire::kBlockHeaderSize == 0);
  std::vector<wire::BlockHeader> out;
  for (std::size_t at = 0; at < raw.size(); at += wire::kBlockHeaderSize) {
    auto h = wire::from_bytes<wire::BlockHeader>(raw.subspan(at, wire::kBlockHeaderSize));
    REQUIRE(h.has_value());
    out.push_back(*h);
  }
  return out;
}

// The header of every block in a blk*.dat-framed file, as raw 80-byte headers.
inline Bytes blk_file_headers(const char* relative, const wire::Magic& magic) {
  const Bytes file = load_shared(relative);
  wire::Reader r(file);
  Bytes out;
  while (!r.at_end()) {
    auto record = wire::read_blk_record(r, magic);
    REQUIRE_MESSAGE(record.has_value(), relative);
    out.insert(out.end(), record->block.begin(), record->block.begin() + wire::kBlockHeaderSize);
  }
  return out;
}

inline Bytes serialize_headers(const std::vector<wire::BlockHeader>& headers) {
  Bytes out;
  for (const auto& h : headers) {
    const auto raw = wire::serialize(h);
    out.insert(out.end(), raw.begin(), raw.end());
  }
  return out;
}

// Any subset of a chain, by height.
class MapAncestry final : public consensus::HeaderAncestry {
public:
  std::optional<Entry> at(int height) const override {
    auto it = entries.find(height);
    if (it == entries.end()) return std::nullopt;
    return it->second;
  }
  void add(int height, const wire::BlockHeader& h) { entries[height] = {h.time, h.bits}; }
  void add(int height, std::uint32_t time, std::uint32_t bits) { entries[height] = {time, bits}; }

  std::map<int, Entry> entries;
};

// A chain from genesis, one entry per height.
class VectorAncestry final : public consensus::HeaderAncestry {
public:
  std::optional<Entry> at(int height) const override {
    if (height < 0 || static_cast<std::size_t>(height) >= entries.size()) return std::nullopt;
    return entries[static_cast<std::size_t>(height)];
  }
  void push(const wire::BlockHeader& h) { entries.push_back({h.time, h.bits}); }

  std::vector<Entry> entries;
};

// Bumps the nonce until the header meets its own bits (a few tries under regtest's limit).
inline void grind(wire::BlockHeader& header, const consensus::ChainParams& params) {
  for (int tries = 0; tries < 1'000'000; ++tries) {
    if (consensus::check_proof_of_work(wire::block_hash(header), header.bits, params)) return;
    ++header.nonce;
  }
  FAIL("no nonce found");
}

} // namespace peregrine::test
