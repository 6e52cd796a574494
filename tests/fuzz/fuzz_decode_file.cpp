// Fuzzes `peregrine decode`'s input handling: format detection (framed messages or blk records
// under any network's magic, raw block, raw transaction) and the JSON description of each item.
// Hex input is decoded first, as the command does. Every item must describe as valid JSON that is
// stable: dumping what it parses back to gives the same text. (Not equality of values: bytes that
// are not UTF-8, e.g. in a user agent, are written as U+FFFD by design.)
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>

#include "consensus/network.hpp"
#include "node/decode_command.hpp"
#include "util/json.hpp"

using namespace peregrine;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size == 0) return 0;
  // The first byte chooses --network (or none), the rest is the file.
  std::optional<consensus::Network> network;
  if (data[0] < consensus::kAllNetworks.size()) network = consensus::kAllNetworks[data[0]];
  auto file = node::file_bytes(Bytes(data + 1, data + size));
  if (!file) return 0;
  for (const auto& item : node::decode_items(*file, network)) {
    std::string text = item.json.dump();
    auto again = util::json::parse(text);
    if (!again || again->dump() != text) __builtin_trap();
  }
  return 0;
}
