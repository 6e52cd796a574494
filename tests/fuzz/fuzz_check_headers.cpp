// Fuzzes `peregrine check-headers`'s core: a file of headers and a context CSV, on any network and
// start height, through every header rule. Input: byte 0 chooses the network, bytes 1-3 the start
// height (little-endian), bytes 4-5 the CSV's length; then the CSV, then the header bytes. The
// summary must be valid JSON and agree with itself.
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "consensus/network.hpp"
#include "node/check_headers_command.hpp"
#include "util/json.hpp"

using namespace peregrine;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size < 6) return 0;
  node::CheckHeadersInput input;
  input.network = consensus::kAllNetworks[data[0] % consensus::kAllNetworks.size()];
  input.start_height = data[1] | data[2] << 8 | data[3] << 16;
  input.adjusted_now = 2'000'000'000; // fixed, so a finding replays
  std::size_t csv_size = data[4] | data[5] << 8;
  if (csv_size > size - 6) csv_size = size - 6;
  input.context_csv = std::string_view(reinterpret_cast<const char*>(data + 6), csv_size);
  const ByteSpan headers(data + 6 + csv_size, size - 6 - csv_size);

  auto doc = node::check_headers(headers, input);
  if (!doc) {
    if (doc.error().message.empty()) __builtin_trap();
    return 0;
  }
  const std::string text = doc->dump();
  auto again = util::json::parse(text);
  if (!again || again->dump() != text) __builtin_trap();
  const auto count = doc->find("count")->as_uint64();
  const auto valid = doc->find("valid")->as_uint64();
  if (!count || !valid || *valid > *count || *count != headers.size() / 80) __builtin_trap();
  // A run that stopped early names where; one that did not, names nothing.
  if (doc->find("error")->is_null() != (*valid == *count)) __builtin_trap();
  return 0;
}
