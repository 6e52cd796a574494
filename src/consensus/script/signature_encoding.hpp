#pragma once
// The encoding rules for ECDSA signatures and public keys that the flags switch on: BIP66 strict
// DER (DERSIG), low S (LOW_S, BIP146), defined hash types and key formats (STRICTENC), compressed
// keys in segwit (WITNESS_PUBKEYTYPE).
#include <expected>

#include "consensus/script/execution_data.hpp"
#include "consensus/script/script_error.hpp"
#include "consensus/script/script_flags.hpp"
#include "consensus/script/sighash.hpp"
#include "util/bytes.hpp"

namespace peregrine::consensus {

// BIP66: 0x30 len 0x02 rlen R 0x02 slen S hashtype, minimal non-negative integers, 9..73 bytes.
bool is_strict_der_signature(ByteSpan sig_with_hashtype);

// The hash type (sans ANYONECANPAY) is ALL, NONE or SINGLE.
bool is_defined_hashtype_signature(ByteSpan sig_with_hashtype);

// The checks CHECKSIG applies to a signature before verifying it; an empty signature passes
// (it is the canonical way to fail a signature check).
std::expected<void, ScriptError> check_signature_encoding(ByteSpan sig_with_hashtype,
                                                          ScriptFlags flags);

// 33 bytes starting 02/03 or 65 starting 04.
bool is_compressed_or_uncompressed_pubkey(ByteSpan pubkey);
bool is_compressed_pubkey(ByteSpan pubkey);

std::expected<void, ScriptError> check_pubkey_encoding(ByteSpan pubkey, ScriptFlags flags,
                                                       SigVersion sigversion);

} // namespace peregrine::consensus
