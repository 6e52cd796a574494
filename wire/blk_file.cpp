#include "wire/blk_file.hpp"

namespace peregrine::wire {

std::expected<BlkRecord, DecodeError> read_blk_record(Reader& r, const Magic& magic) {
  BlkRecord record;
  record.offset = r.position();
  if (r.array<4>("blk.magic") != magic && r.ok()) {
    r.fail_at(DecodeErrc::bad_magic, "blk.magic", record.offset);
  }
  std::size_t length_at = r.position();
  std::uint32_t length = r.u32_le("blk.length");
  if (r.ok() && (length == 0 || length > kMaxBlockSerializedSize)) {
    r.fail_at(DecodeErrc::size_too_large, "blk.length", length_at);
  }
  record.block = r.take(length, "blk.block");
  if (!r.ok()) return std::unexpected(*r.error());
  return record;
}

} // namespace peregrine::wire
