#pragma once
// Inventory vectors: the (type, hash) lists of inv, getdata and notfound.
#include <cstdint>
#include <string_view>
#include <vector>

#include "util/hash256.hpp"
#include "wire/reader.hpp"
#include "wire/writer.hpp"

namespace peregrine::wire {

inline constexpr std::size_t kMaxInvItems = 50'000; // MAX_INV_SZ
inline constexpr std::uint32_t kInvWitnessFlag = 1u << 30;

// Any 32-bit value may arrive: unknown types are kept as received, so this enum is open.
enum class InvType : std::uint32_t {
  error = 0,
  tx = 1,
  block = 2,
  filtered_block = 3,
  cmpct_block = 4,  // BIP152
  wtx = 5,          // BIP339: hash is a wtxid
  witness_tx = tx | kInvWitnessFlag,
  witness_block = block | kInvWitnessFlag,
  filtered_witness_block = filtered_block | kInvWitnessFlag,
};

struct InvItem {
  InvType type = InvType::error;
  Hash256 hash;
  bool operator==(const InvItem&) const = default;
};

// The CompactSize count (at most kMaxInvItems, else count_too_large named count_field, checked
// before any item is read) and the items.
void read_inventory(Reader& r, std::vector<InvItem>& items, std::string_view count_field);
void write_inventory(Writer& w, const std::vector<InvItem>& items);

} // namespace peregrine::wire
