#pragma once
// Transactions, scripts and amounts as JSON in exactly Bitcoin Core's RPC format (core_write.cpp:
// ValueFromAmount, ScriptToUniv, TxToUniv), for getblock (verbosity 2 and 3), gettxout,
// getblockstats and anything else that shows Core's transaction JSON. Field order is Core's.
#include <cstdint>
#include <optional>
#include <span>

#include "consensus/chainparams.hpp"
#include "consensus/coin.hpp"
#include "util/bytes.hpp"
#include "util/hash256.hpp"
#include "util/json.hpp"
#include "wire/transaction.hpp"

namespace peregrine::node {

// Satoshis as BTC with exactly 8 decimals, a JSON number: 5000000000 -> 50.00000000,
// 10000 -> 0.00010000, -1 -> -0.00000001.
util::json::Value amount_json(std::int64_t satoshis);

struct ScriptJsonOptions {
  bool include_hex = true;
  // Core's include_address: adds "desc" and, when the script has one, "address" (never for
  // bare public keys). Core passes true for every output and prevout.
  bool include_address = true;
};

// {asm, desc?, hex?, address?, type}: Core's ScriptToUniv.
util::json::Value script_pubkey_json(ByteSpan script, const consensus::ChainParams& params,
                                     ScriptJsonOptions options = {});

struct TxJsonOptions {
  // The coins the inputs spend, in input order (undo data). When given for a non-coinbase
  // transaction (one per input; otherwise they are ignored) the result has "fee".
  std::span<const consensus::Coin> spent_coins;
  // Verbosity 3: each input also gets "prevout" {generated, height, value, scriptPubKey}.
  bool show_prevouts = false;
  // getrawtransaction's "blockhash" (getblock leaves it out).
  std::optional<Hash256> block_hash;
  // "hex", the whole transaction with witnesses; getblock always includes it.
  bool include_hex = true;
};

// Core's TxToUniv: txid, hash, version, size, vsize, weight, locktime, vin, vout, fee?,
// blockhash?, hex?.
util::json::Value tx_json(const wire::Transaction& tx, const consensus::ChainParams& params,
                          const TxJsonOptions& options = {});

} // namespace peregrine::node
