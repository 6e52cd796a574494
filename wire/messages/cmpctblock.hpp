#pragma once
// cmpctblock (BIP152): a block header, a salt nonce, 6-byte short transaction ids and the
// transactions the sender expects us to lack (at least the coinbase).
#include <cstdint>
#include <string_view>
#include <vector>

#include "wire/block.hpp"
#include "wire/reader.hpp"
#include "wire/transaction.hpp"
#include "wire/writer.hpp"

namespace peregrine::wire {

// Transaction positions in compact block messages are 16-bit, so a block described by one holds at
// most this many transactions (Core: "indexes overflowed 16 bits").
inline constexpr std::uint64_t kMaxCompactIndex = 0xffff;
inline constexpr std::uint64_t kShortIdMask = 0xffff'ffff'ffff; // short ids are 48 bits

struct PrefilledTransaction {
  std::uint16_t index = 0; // absolute position in the block
  Transaction tx;
  bool operator==(const PrefilledTransaction&) const = default;
};

struct CmpctBlockMessage {
  static constexpr std::string_view kCommand = "cmpctblock";
  BlockHeader header;
  std::uint64_t nonce = 0;
  std::vector<std::uint64_t> short_ids;         // low 48 bits used
  std::vector<PrefilledTransaction> prefilled;  // strictly increasing indexes
  // Transactions in the block: short ids plus prefilled ones.
  std::size_t block_tx_count() const { return short_ids.size() + prefilled.size(); }
  bool operator==(const CmpctBlockMessage&) const = default;
};

// Prefilled indexes are differentially encoded on the wire (each the gap after the previous one)
// and stored absolute. An index above kMaxCompactIndex, or more than kMaxCompactIndex
// transactions in all, is bad_value.
void read(Reader& r, CmpctBlockMessage& m);
void write(Writer& w, const CmpctBlockMessage& m);

// Reads one differentially encoded index: next is the least index allowed (previous + 1) and is
// advanced. Shared with getblocktxn.
std::uint16_t read_compact_index(Reader& r, std::uint64_t& next, std::string_view field);
void write_compact_index(Writer& w, std::uint16_t index, std::uint64_t& next);

} // namespace peregrine::wire
