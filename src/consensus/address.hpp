#pragma once
// The address Bitcoin Core shows for an output script (ExtractDestination + EncodeDestination):
// base58check for P2PKH and P2SH with the network's version bytes, bech32 for witness v0 and
// bech32m for v1 and later (taproot, anchors, unknown versions) with the network's hrp.
// Bare public keys, multisig, OP_RETURN and nonstandard scripts have none.
#include <optional>
#include <string>

#include "consensus/chainparams.hpp"
#include "util/bytes.hpp"

namespace peregrine::consensus {

std::optional<std::string> script_address(ByteSpan script_pubkey, const ChainParams& params);

// version byte + payload + the first 4 bytes of its SHA-256d, in base58.
std::string base58check_encode(std::uint8_t version, ByteSpan payload);

} // namespace peregrine::consensus
