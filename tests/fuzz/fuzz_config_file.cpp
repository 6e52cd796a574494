// libFuzzer target for peregrine.conf (bitcoin.conf syntax): any text is parsed or refused with a
// message naming the line, never a crash, and whatever parses merges into sync's options the same
// way (every network's section), refused names and bad values as errors.
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "consensus/network.hpp"
#include "node/config_file.hpp"
#include "node/sync_command.hpp"

using namespace peregrine;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  std::string_view text(reinterpret_cast<const char*>(data), size);
  auto file = node::parse_config_text(text, "fuzz.conf");
  if (!file) {
    if (file.error().message.find("fuzz.conf") == std::string::npos) __builtin_trap();
    return 0;
  }
  (void)node::config_network(*file);
  static const std::vector<node::OptionSpec> options = node::sync_options();
  for (auto network : consensus::kAllNetworks) {
    node::ParsedArgs args;
    std::vector<std::string> warnings;
    (void)node::merge_config(args, *file, network, options, options, warnings);
  }
  return 0;
}
