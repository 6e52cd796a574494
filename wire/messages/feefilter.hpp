#pragma once
// feefilter (BIP133): the minimum fee rate of transactions the peer wants announced.
#include <cstdint>
#include <string_view>

#include "wire/reader.hpp"
#include "wire/writer.hpp"

namespace peregrine::wire {

struct FeeFilterMessage {
  static constexpr std::string_view kCommand = "feefilter";
  std::int64_t fee_rate = 0; // satoshis per 1,000 virtual bytes
  bool operator==(const FeeFilterMessage&) const = default;
};

inline void read(Reader& r, FeeFilterMessage& m) { m.fee_rate = r.i64_le("feefilter.fee_rate"); }
inline void write(Writer& w, const FeeFilterMessage& m) { w.i64_le(m.fee_rate); }

} // namespace peregrine::wire
