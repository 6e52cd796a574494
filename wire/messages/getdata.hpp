#pragma once
// getdata: requests the objects of an inventory list.
#include <string_view>
#include <vector>

#include "wire/inventory.hpp"
#include "wire/reader.hpp"
#include "wire/writer.hpp"

namespace peregrine::wire {

struct GetDataMessage {
  static constexpr std::string_view kCommand = "getdata";
  std::vector<InvItem> items; // at most kMaxInvItems
  bool operator==(const GetDataMessage&) const = default;
};

inline void read(Reader& r, GetDataMessage& m) { read_inventory(r, m.items, "getdata.count"); }
inline void write(Writer& w, const GetDataMessage& m) { write_inventory(w, m.items); }

} // namespace peregrine::wire
