#include "workload/transaction_builder.hpp"

#include <algorithm>

#include "consensus/script/script_pattern.hpp"
#include "consensus/script/sighash.hpp"
#include "workload/output_script.hpp"

namespace peregrine::workload {
namespace {

using namespace consensus;

Bytes to_bytes(ByteSpan s) { return Bytes(s.begin(), s.end()); }

} // namespace

unsigned sign_inputs(wire::Transaction& tx, std::span<const PoolCoin> coins, std::span<const wire::TxOut> spent,
                     const Signer& signer) {
  // One set of midstates for all inputs; none of the sighashes reads scriptSigs or witnesses
  // (legacy's blanks the other inputs' scriptSigs), so inputs are signed in any order.
  const bool segwit = std::any_of(coins.begin(), coins.end(), [](const PoolCoin& c) { return spend_has_witness(c.kind()); });
  const bool taproot = std::any_of(coins.begin(), coins.end(), [](const PoolCoin& c) { return c.kind() == ScriptKind::p2tr; });
  TxDigests digests;
  Bip143Hashes bip143{};
  if (segwit) {
    digests = compute_tx_digests(tx, taproot ? spent : std::span<const wire::TxOut>{});
    bip143 = bip143_hashes(digests);
  }
  unsigned signatures = 0;
  for (std::size_t i = 0; i < coins.size(); ++i) {
    const PoolCoin& coin = coins[i];
    wire::TxIn& in = tx.inputs[i];
    in.script_sig.clear();
    in.witness.clear();
    const std::uint32_t tx_index = coin.tx, vout = coin.vout();
    signatures += signatures_per_spend(coin.kind());
    switch (coin.kind()) {
    case ScriptKind::trivial: break;
    case ScriptKind::p2pkh: {
      const Secret secret = signer.secret(tx_index, vout);
      const Hash256 sighash = legacy_sighash(tx, i, spent[i].script_pubkey, kSighashAll);
      encode_push(signer.sign_ecdsa(secret, sighash, kSighashAll), in.script_sig);
      encode_push(signer.public_key(secret), in.script_sig);
      break;
    }
    case ScriptKind::p2wpkh:
    case ScriptKind::p2sh_p2wpkh: {
      const Secret secret = signer.secret(tx_index, vout);
      const CompressedKey key = signer.public_key(secret);
      const Hash256 sighash = segwit_v0_sighash(tx, i, p2pkh_script(key), coin.value, kSighashAll, bip143);
      in.witness = {signer.sign_ecdsa(secret, sighash, kSighashAll), to_bytes(key)};
      if (coin.kind() == ScriptKind::p2sh_p2wpkh) encode_push(p2wpkh_program(key), in.script_sig);
      break;
    }
    case ScriptKind::p2wsh_multisig: {
      Bytes script = multisig_script(signer, tx_index, vout);
      const Hash256 sighash = segwit_v0_sighash(tx, i, script, coin.value, kSighashAll, bip143);
      // CHECKMULTISIG's extra pop (BIP147: it must be empty), then signatures in key order.
      in.witness = {Bytes{}, signer.sign_ecdsa(signer.secret(tx_index, vout, 0), sighash, kSighashAll),
                    signer.sign_ecdsa(signer.secret(tx_index, vout, 1), sighash, kSighashAll), std::move(script)};
      break;
    }
    case ScriptKind::p2tr: {
      const auto sighash =
          taproot_sighash(tx, i, spent, kSighashDefault, SigVersion::taproot, ExecutionData{}, digests);
      in.witness = {to_bytes(signer.sign_taproot(signer.secret(tx_index, vout), *sighash))};
      break;
    }
    }
  }
  return signatures;
}

unsigned build_transaction(wire::Transaction& tx, std::uint32_t tx_index, std::span<const PoolCoin> coins,
                           std::span<const PlannedOutput> outputs, std::span<const Hash256> txids,
                           const Signer& signer) {
  tx.version = 2;
  tx.lock_time = 0;
  // resize, not clear: the elements kept hold on to their scripts' buffers for the next transaction.
  tx.inputs.resize(coins.size());
  for (std::size_t i = 0; i < coins.size(); ++i) {
    wire::TxIn& in = tx.inputs[i];
    in.prevout = {txids[coins[i].tx], coins[i].vout()};
    in.sequence = 0xffffffff;
    in.script_sig.clear();
    in.witness.clear();
  }
  tx.outputs.resize(outputs.size());
  for (std::size_t o = 0; o < outputs.size(); ++o) {
    tx.outputs[o].value = outputs[o].value;
    tx.outputs[o].script_pubkey.clear();
    append_script_pubkey(signer, outputs[o].kind, tx_index, static_cast<std::uint32_t>(o), tx.outputs[o].script_pubkey);
  }
  const bool needs_signing =
      std::any_of(coins.begin(), coins.end(), [](const PoolCoin& c) { return c.kind() != ScriptKind::trivial; });
  if (!needs_signing) return 0;
  // Taproot commits to every spent output, so then all of them are rebuilt; otherwise only the
  // legacy sighash of P2PKH reads a spent script (deriving keys is most of the cost here).
  const bool taproot = std::any_of(coins.begin(), coins.end(), [](const PoolCoin& c) { return c.kind() == ScriptKind::p2tr; });
  thread_local std::vector<wire::TxOut> spent;
  spent.resize(coins.size());
  for (std::size_t i = 0; i < coins.size(); ++i) {
    spent[i].value = coins[i].value;
    spent[i].script_pubkey.clear();
    if (taproot || coins[i].kind() == ScriptKind::p2pkh)
      append_script_pubkey(signer, coins[i].kind(), coins[i].tx, coins[i].vout(), spent[i].script_pubkey);
  }
  return sign_inputs(tx, coins, spent, signer);
}

} // namespace peregrine::workload
