#pragma once
// The script flags a block is validated with, as Bitcoin Core chooses them: P2SH, WITNESS and
// TAPROOT for every block (they were never violated, bar the two listed exceptions, so applying
// them from genesis changes nothing), plus each buried deployment from its activation height:
// DERSIG (BIP66), CHECKLOCKTIMEVERIFY (BIP65), CHECKSEQUENCEVERIFY (BIP112) and NULLDUMMY
// (BIP147, with segwit). A block in the network's script_flag_exceptions gets the listed flags
// in place of the first three.
#include <expected>
#include <string>

#include "consensus/chainparams.hpp"
#include "consensus/script/script_flags.hpp"
#include "util/hash256.hpp"

namespace peregrine::consensus {

// The error names an exception flag the parameters spell wrongly.
std::expected<ScriptFlags, std::string>
script_flags_for_block(const ChainParams& params, int height, const Hash256& block_hash);

} // namespace peregrine::consensus
