#pragma once
// inv: announces transactions and blocks by hash.
#include <string_view>
#include <vector>

#include "wire/inventory.hpp"
#include "wire/reader.hpp"
#include "wire/writer.hpp"

namespace peregrine::wire {

struct InvMessage {
  static constexpr std::string_view kCommand = "inv";
  std::vector<InvItem> items; // at most kMaxInvItems
  bool operator==(const InvMessage&) const = default;
};

inline void read(Reader& r, InvMessage& m) { read_inventory(r, m.items, "inv.count"); }
inline void write(Writer& w, const InvMessage& m) { write_inventory(w, m.items); }

} // namespace peregrine::wire
