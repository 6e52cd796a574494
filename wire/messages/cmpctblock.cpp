#include "wire/messages/cmpctblock.hpp"

#include "wire/compact_size.hpp"

namespace peregrine::wire {

namespace {
constexpr std::size_t kShortIdSize = 6;
}

std::uint16_t read_compact_index(Reader& r, std::uint64_t& next, std::string_view field) {
  std::size_t at = r.position();
  std::uint64_t index = next + read_compact_size(r, field); // both at most 2^25 + 2^16: no wrap
  if (r.ok() && index > kMaxCompactIndex) {
    r.fail_at(DecodeErrc::bad_value, field, at);
    return 0;
  }
  next = index + 1;
  return static_cast<std::uint16_t>(index);
}

void write_compact_index(Writer& w, std::uint16_t index, std::uint64_t& next) {
  write_compact_size(w, index - next); // indexes must be strictly increasing
  next = std::uint64_t{index} + 1;
}

void read(Reader& r, CmpctBlockMessage& m) {
  read(r, m.header);
  m.nonce = r.u64_le("cmpctblock.nonce");

  std::size_t count_at = r.position();
  std::uint64_t short_count = read_compact_size(r, "cmpctblock.short_id_count");
  if (short_count > kMaxCompactIndex) {
    r.fail_at(DecodeErrc::bad_value, "cmpctblock.short_id_count", count_at);
  }
  m.short_ids.clear();
  m.short_ids.reserve(r.reservable(short_count, kShortIdSize));
  for (std::uint64_t i = 0; i < short_count && r.ok(); ++i) {
    auto b = r.array<kShortIdSize>("cmpctblock.short_id");
    std::uint64_t id = 0;
    for (std::size_t k = kShortIdSize; k-- > 0;) id = id << 8 | b[k];
    m.short_ids.push_back(id);
  }

  count_at = r.position();
  std::uint64_t prefilled_count = read_compact_size(r, "cmpctblock.prefilled_count");
  // Checked on the counts, before reading: Core checks the same sum after reading everything.
  if (short_count + prefilled_count > kMaxCompactIndex) {
    r.fail_at(DecodeErrc::bad_value, "cmpctblock.prefilled_count", count_at);
  }
  m.prefilled.clear();
  m.prefilled.reserve(r.reservable(prefilled_count, 1 + kMinTxSize));
  std::uint64_t next = 0;
  for (std::uint64_t i = 0; i < prefilled_count && r.ok(); ++i) {
    PrefilledTransaction& p = m.prefilled.emplace_back();
    p.index = read_compact_index(r, next, "cmpctblock.prefilled_index");
    read(r, p.tx);
  }
}

void write(Writer& w, const CmpctBlockMessage& m) {
  write(w, m.header);
  w.u64_le(m.nonce);
  write_compact_size(w, m.short_ids.size());
  for (std::uint64_t id : m.short_ids) {
    w.u32_le(static_cast<std::uint32_t>(id));
    w.u16_le(static_cast<std::uint16_t>(id >> 32));
  }
  write_compact_size(w, m.prefilled.size());
  std::uint64_t next = 0;
  for (const auto& p : m.prefilled) {
    write_compact_index(w, p.index, next);
    write(w, p.tx, TxEncoding::with_witness);
  }
}

} // namespace peregrine::wire
