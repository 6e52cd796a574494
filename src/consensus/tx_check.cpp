#include "consensus/tx_check.hpp"

#include <algorithm>
#include <array>
#include <vector>

namespace peregrine::consensus {

std::string_view to_string(TxError error) {
  static constexpr std::array<std::string_view, 14> kNames = {
      "bad-txns-vin-empty",
      "bad-txns-vout-empty",
      "bad-txns-oversize",
      "bad-txns-vout-negative",
      "bad-txns-vout-toolarge",
      "bad-txns-txouttotal-toolarge",
      "bad-txns-inputs-duplicate",
      "bad-cb-length",
      "bad-txns-prevout-null",
      "bad-txns-inputs-missingorspent",
      "bad-txns-premature-spend-of-coinbase",
      "bad-txns-inputvalues-outofrange",
      "bad-txns-in-belowout",
      "bad-txns-fee-outofrange",
  };
  auto i = static_cast<std::size_t>(error);
  return i < kNames.size() ? kNames[i] : "bad-txns-unknown";
}

std::expected<void, TxError> check_transaction(const wire::Transaction& tx) {
  if (tx.inputs.empty()) return std::unexpected(TxError::vin_empty);
  if (tx.outputs.empty()) return std::unexpected(TxError::vout_empty);
  if (wire::serialized_size(tx, wire::TxEncoding::without_witness) * kWitnessScaleFactor >
      kMaxBlockWeight)
    return std::unexpected(TxError::oversize);
  std::int64_t total = 0;
  for (const auto& out : tx.outputs) {
    if (out.value < 0) return std::unexpected(TxError::vout_negative);
    if (out.value > kMaxMoney) return std::unexpected(TxError::vout_toolarge);
    total += out.value; // both below 2^51: no overflow
    if (!money_range(total)) return std::unexpected(TxError::txouttotal_toolarge);
  }
  // Duplicate inputs would spend one coin twice (CVE-2018-17144).
  std::vector<const wire::OutPoint*> prevouts;
  prevouts.reserve(tx.inputs.size());
  for (const auto& in : tx.inputs) prevouts.push_back(&in.prevout);
  std::sort(prevouts.begin(), prevouts.end(), [](auto* a, auto* b) { return *a < *b; });
  for (std::size_t i = 1; i < prevouts.size(); ++i)
    if (*prevouts[i - 1] == *prevouts[i]) return std::unexpected(TxError::inputs_duplicate);
  if (tx.is_coinbase()) {
    const std::size_t size = tx.inputs[0].script_sig.size();
    if (size < 2 || size > 100) return std::unexpected(TxError::cb_length);
  } else {
    for (const auto& in : tx.inputs)
      if (in.prevout.is_null()) return std::unexpected(TxError::prevout_null);
  }
  return {};
}

std::expected<std::int64_t, TxError>
check_tx_inputs(const wire::Transaction& tx, std::span<const Coin> coins, int spend_height) {
  if (coins.size() < tx.inputs.size()) return std::unexpected(TxError::inputs_missing);
  std::int64_t value_in = 0;
  for (std::size_t i = 0; i < tx.inputs.size(); ++i) {
    const Coin& coin = coins[i];
    if (coin.coinbase && spend_height - coin.height < kCoinbaseMaturity)
      return std::unexpected(TxError::premature_spend_of_coinbase);
    if (!money_range(coin.output.value)) return std::unexpected(TxError::inputvalues_outofrange);
    value_in += coin.output.value;
    if (!money_range(value_in)) return std::unexpected(TxError::inputvalues_outofrange);
  }
  std::int64_t value_out = 0;
  for (const auto& out : tx.outputs) {
    // check_transaction has vetted these; repeated so no caller can make this overflow.
    if (!money_range(out.value)) return std::unexpected(TxError::vout_toolarge);
    value_out += out.value;
    if (!money_range(value_out)) return std::unexpected(TxError::txouttotal_toolarge);
  }
  if (value_in < value_out) return std::unexpected(TxError::in_belowout);
  const std::int64_t fee = value_in - value_out;
  if (!money_range(fee)) return std::unexpected(TxError::fee_outofrange);
  return fee;
}

} // namespace peregrine::consensus
