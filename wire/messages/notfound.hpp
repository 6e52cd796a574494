#pragma once
// notfound: the requested objects the peer does not have.
#include <string_view>
#include <vector>

#include "wire/inventory.hpp"
#include "wire/reader.hpp"
#include "wire/writer.hpp"

namespace peregrine::wire {

struct NotFoundMessage {
  static constexpr std::string_view kCommand = "notfound";
  std::vector<InvItem> items; // at most kMaxInvItems
  bool operator==(const NotFoundMessage&) const = default;
};

inline void read(Reader& r, NotFoundMessage& m) { read_inventory(r, m.items, "notfound.count"); }
inline void write(Writer& w, const NotFoundMessage& m) { write_inventory(w, m.items); }

} // namespace peregrine::wire
