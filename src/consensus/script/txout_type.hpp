#pragma once
// Output scripts classified exactly as Bitcoin Core's Solver does, with its RPC names ("type" in
// scriptPubKey JSON) and the pieces each template carries. This differs from script_type.hpp,
// which groups scripts for statistics: here a v0 program of the wrong size is nonstandard, a
// P2PK key must have a valid length for its first byte, multisig counts may be pushes up to 20,
// and pay-to-anchor is its own type.
#include <cstdint>
#include <string_view>
#include <vector>

#include "util/bytes.hpp"

namespace peregrine::consensus {

enum class TxoutType : std::uint8_t {
  nonstandard,
  pubkey,
  pubkeyhash,
  scripthash,
  multisig,
  nulldata,
  witness_v0_keyhash,
  witness_v0_scripthash,
  witness_v1_taproot,
  witness_unknown,
  anchor,
};

// "nonstandard", "pubkey", ..., "witness_v1_taproot", "witness_unknown", "anchor".
std::string_view txout_type_name(TxoutType type);

struct SolvedScript {
  TxoutType type = TxoutType::nonstandard;
  // pubkey: the key; pubkeyhash/scripthash: the 20-byte hash; witness types: the program;
  // multisig: the keys. Views into the script passed to solve().
  std::vector<ByteSpan> data;
  int required_sigs = 0;   // multisig only
  int witness_version = 0; // witness types only
};

SolvedScript solve(ByteSpan script_pubkey);

// Core's CPubKey::ValidSize: 33 bytes starting 02/03, or 65 starting 04/06/07.
bool has_valid_pubkey_size(ByteSpan pubkey);

} // namespace peregrine::consensus
