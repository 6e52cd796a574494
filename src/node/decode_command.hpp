#pragma once
// `peregrine decode FILE`: one JSON object per item found in a raw block, a blk*.dat file, a raw
// transaction or a stream of framed P2P messages, given as binary or hex.
#include <expected>
#include <optional>
#include <string>
#include <vector>

#include "consensus/network.hpp"
#include "node/cli.hpp"
#include "node/describe.hpp"
#include "util/bytes.hpp"

namespace peregrine::node {

struct Context;

// Decodes every item of the input. With a network, framed input must carry that network's magic;
// without one, any known network's magic is recognised.
std::vector<Description> decode_items(ByteSpan data, std::optional<consensus::Network> network);

// The bytes a file stands for: hex (white space allowed) is decoded, anything else is taken as
// binary. An error for hex with an odd number of digits.
std::expected<Bytes, std::string> file_bytes(Bytes contents);

std::vector<OptionSpec> decode_options();
int run_decode_command(const Context& ctx, const ParsedArgs& args);

} // namespace peregrine::node
