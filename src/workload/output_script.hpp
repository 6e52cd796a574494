#pragma once
// The scripts of a generated coin, rebuilt from its kind and identity (transaction number and
// output index) whenever they are needed: when the output is created and when it is spent.
#include <cstdint>

#include "util/bytes.hpp"
#include "workload/script_kind.hpp"
#include "workload/signer.hpp"

namespace peregrine::workload {

// Appends the scriptPubKey of output (tx, vout) of this kind to out.
void append_script_pubkey(const Signer& signer, ScriptKind kind, std::uint32_t tx, std::uint32_t vout, Bytes& out);
Bytes script_pubkey(const Signer& signer, ScriptKind kind, std::uint32_t tx, std::uint32_t vout);

// OP_DUP OP_HASH160 <HASH160(key)> OP_EQUALVERIFY OP_CHECKSIG: P2PKH's script, and the script code
// BIP143 signs for P2WPKH.
Bytes p2pkh_script(const CompressedKey& key);
// OP_0 <HASH160(key)>: the P2WPKH program, also the redeem script of P2SH-P2WPKH.
Bytes p2wpkh_program(const CompressedKey& key);
// OP_2 <key0> <key1> <key2> OP_3 OP_CHECKMULTISIG with the three keys of output (tx, vout).
Bytes multisig_script(const Signer& signer, std::uint32_t tx, std::uint32_t vout);

} // namespace peregrine::workload
