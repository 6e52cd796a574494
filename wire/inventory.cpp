#include "wire/inventory.hpp"

#include "wire/compact_size.hpp"

namespace peregrine::wire {

namespace {
constexpr std::size_t kInvItemSize = 36;
}

void read_inventory(Reader& r, std::vector<InvItem>& items, std::string_view count_field) {
  std::uint64_t count = read_count(r, count_field, kMaxInvItems);
  items.clear();
  if (!r.ok()) return;
  items.reserve(r.reservable(count, kInvItemSize));
  for (std::uint64_t i = 0; i < count && r.ok(); ++i) {
    InvItem& item = items.emplace_back();
    item.type = static_cast<InvType>(r.u32_le("inventory.type"));
    item.hash = r.hash("inventory.hash");
  }
}

void write_inventory(Writer& w, const std::vector<InvItem>& items) {
  write_compact_size(w, items.size());
  for (const auto& item : items) {
    w.u32_le(static_cast<std::uint32_t>(item.type));
    w.hash(item.hash);
  }
}

} // namespace peregrine::wire
