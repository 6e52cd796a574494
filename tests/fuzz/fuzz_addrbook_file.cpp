// libFuzzer target for the peers file loader, a parser of bytes from disk that may be corrupt or
// crafted. The first input byte chooses the mode: odd means "append a correct checksum", so the
// fuzzer also reaches the checks behind it (counts, lengths, buckets, duplicates, placement).
// Whatever loads must satisfy every table invariant and survive encode -> decode unchanged.
#include <cstddef>
#include <cstdint>

#include "addrbook/peers_file.hpp"
#include "crypto/sha256.hpp"

using namespace peregrine;
using namespace peregrine::addrbook;

namespace {

constexpr wire::Magic kMagic = {0xf9, 0xbe, 0xb4, 0xd9};

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size == 0) return 0;
  Bytes file(data + 1, data + size);
  if (data[0] & 1) {
    Hash256 checksum = crypto::sha256d(file);
    file.insert(file.end(), checksum.bytes.begin(), checksum.bytes.end());
  }
  auto loaded = decode_peers_file(file, kMagic, Rng(1));
  if (!loaded) {
    if (loaded.error().message().empty()) __builtin_trap();
    return 0;
  }
  const AddrTables& tables = loaded->tables;
  if (!tables.check().empty()) __builtin_trap();
  if (tables.size() != tables.new_count() + tables.tried_count()) __builtin_trap();

  Bytes again = encode_peers_file(tables, kMagic);
  auto reloaded = decode_peers_file(again, kMagic, Rng(2));
  if (!reloaded || reloaded->dropped != 0) __builtin_trap();
  if (reloaded->tables.size() != tables.size() ||
      reloaded->tables.tried_count() != tables.tried_count() ||
      !(reloaded->tables.key() == tables.key())) {
    __builtin_trap();
  }
  for (EntryId id : tables.ids()) {
    if (!reloaded->tables.find(tables.info(id).service)) __builtin_trap();
  }
  return 0;
}
