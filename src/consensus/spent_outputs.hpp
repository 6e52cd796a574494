#pragma once
// The spent-outputs document that goes with a raw block (../shared/data/blocks/*.spent.json):
// for each non-coinbase input in block order, the coin it spends:
//   [{"txout": {"value": 27986602, "script_pubkey": "76a9..."}, "is_coinbase": false,
//     "creation_height": 367868, "creation_time": 1438395847}, ...]
// Parsed strictly: every field present once with its type, nothing else, hex that is hex.
#include <expected>
#include <string>
#include <string_view>
#include <vector>

#include "consensus/tx_check.hpp"

namespace peregrine::consensus {

// The error names the entry and field, e.g. "entry 12: txout.script_pubkey is not hex".
std::expected<std::vector<Coin>, std::string> parse_spent_outputs(std::string_view json_text);

} // namespace peregrine::consensus
