#pragma once
// Transaction rules outside scripts: the context-free checks every transaction must pass
// (Core's CheckTransaction) and the checks against the coins it spends (CheckTxInputs).
#include <cstdint>
#include <expected>
#include <span>
#include <string_view>

#include "consensus/coin.hpp"
#include "wire/transaction.hpp"

namespace peregrine::consensus {

inline constexpr std::int64_t kCoin = 100'000'000;
inline constexpr std::int64_t kMaxMoney = 21'000'000 * kCoin;
inline constexpr std::size_t kMaxBlockWeight = 4'000'000;
inline constexpr std::size_t kWitnessScaleFactor = 4;
inline constexpr int kCoinbaseMaturity = 100;

inline bool money_range(std::int64_t value) { return value >= 0 && value <= kMaxMoney; }

enum class TxError : std::uint8_t {
  vin_empty,
  vout_empty,
  oversize,
  vout_negative,
  vout_toolarge,
  txouttotal_toolarge,
  inputs_duplicate,
  cb_length,
  prevout_null,
  inputs_missing, // fewer spent coins than inputs
  premature_spend_of_coinbase,
  inputvalues_outofrange,
  in_belowout,
  fee_outofrange,
};

// Bitcoin Core's reject reasons: "bad-txns-vin-empty", "bad-cb-length", ...
std::string_view to_string(TxError error);

std::expected<void, TxError> check_transaction(const wire::Transaction& tx);

// With the coins the inputs spend (one per input, in order) at a block of height spend_height:
// coinbase maturity, value ranges, inputs covering outputs. Returns the fee.
std::expected<std::int64_t, TxError>
check_tx_inputs(const wire::Transaction& tx, std::span<const Coin> coins, int spend_height);

} // namespace peregrine::consensus
