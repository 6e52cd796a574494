#pragma once
// Output descriptors (BIP380-386) as Bitcoin Core infers them for a bare scriptPubKey with no
// wallet knowledge (InferDescriptor with an empty signing provider): the "desc" field of RPC
// script JSON.
#include <optional>
#include <string>
#include <string_view>

#include "consensus/chainparams.hpp"
#include "util/bytes.hpp"

namespace peregrine::consensus {

// The 8-character BIP380 checksum of a descriptor; nullopt when it has a character outside the
// descriptor character set.
std::optional<std::string> descriptor_checksum(std::string_view descriptor);

// "pk(KEY)" for P2PK with a compressed or uncompressed (not hybrid) key; "multi(k,KEY,...)" for
// bare multisig whose keys all are; "rawtr(XONLY)" for P2TR whose key is on the curve;
// "addr(ADDRESS)" for any other script with an address; "raw(HEX)" otherwise. Each with
// "#checksum" appended.
std::string infer_descriptor(ByteSpan script_pubkey, const ChainParams& params);

} // namespace peregrine::consensus
