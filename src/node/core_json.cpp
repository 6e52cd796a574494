#include "node/core_json.hpp"

#include <fmt/format.h>

#include "consensus/address.hpp"
#include "consensus/script/descriptor.hpp"
#include "consensus/script/rpc_asm.hpp"
#include "consensus/script/txout_type.hpp"
#include "util/hex.hpp"

namespace peregrine::node {
namespace {

namespace json = util::json;

constexpr std::int64_t kCoin = 100'000'000;
constexpr std::size_t kWitnessScaleFactor = 4;

json::Value vin_json(const wire::Transaction& tx, std::size_t i,
                     const consensus::ChainParams& params, const consensus::Coin* spent,
                     bool show_prevout) {
  const wire::TxIn& in = tx.inputs[i];
  json::Value o = json::Value::object();
  if (tx.is_coinbase()) {
    o.set("coinbase", util::to_hex(in.script_sig));
  } else {
    o.set("txid", in.prevout.txid.to_hex());
    o.set("vout", in.prevout.index);
    json::Value script_sig = json::Value::object();
    script_sig.set("asm", consensus::script_to_asm(in.script_sig, /*decode_sighash=*/true));
    script_sig.set("hex", util::to_hex(in.script_sig));
    o.set("scriptSig", std::move(script_sig));
  }
  if (!in.witness.empty()) {
    json::Value witness = json::Value::array();
    for (const Bytes& item : in.witness) witness.push_back(util::to_hex(item));
    o.set("txinwitness", std::move(witness));
  }
  if (spent && show_prevout) {
    json::Value prevout = json::Value::object();
    prevout.set("generated", spent->coinbase);
    prevout.set("height", spent->height);
    prevout.set("value", amount_json(spent->output.value));
    prevout.set("scriptPubKey", script_pubkey_json(spent->output.script_pubkey, params));
    o.set("prevout", std::move(prevout));
  }
  o.set("sequence", in.sequence);
  return o;
}

} // namespace

json::Value amount_json(std::int64_t satoshis) {
  // Quotient and remainder of the magnitude, computed without negating INT64_MIN.
  std::int64_t quotient = satoshis / kCoin;
  std::int64_t remainder = satoshis % kCoin;
  if (satoshis < 0) {
    quotient = -quotient;
    remainder = -remainder;
  }
  const std::string lexeme =
      fmt::format("{}{}.{:08}", satoshis < 0 ? "-" : "", quotient, remainder);
  // Always a valid JSON number: digits, a point and eight digits.
  return *json::Value::number_from_lexeme(lexeme);
}

json::Value script_pubkey_json(ByteSpan script, const consensus::ChainParams& params,
                               ScriptJsonOptions options) {
  json::Value o = json::Value::object();
  o.set("asm", consensus::script_to_asm(script));
  if (options.include_address) o.set("desc", consensus::infer_descriptor(script, params));
  if (options.include_hex) o.set("hex", util::to_hex(script));
  const consensus::SolvedScript solved = consensus::solve(script);
  if (options.include_address) {
    if (auto address = consensus::script_address(script, params)) o.set("address", *address);
  }
  o.set("type", consensus::txout_type_name(solved.type));
  return o;
}

json::Value tx_json(const wire::Transaction& tx, const consensus::ChainParams& params,
                    const TxJsonOptions& options) {
  const std::size_t weight = wire::weight(tx);
  json::Value o = json::Value::object();
  o.set("txid", wire::txid(tx).to_hex());
  o.set("hash", wire::wtxid(tx).to_hex());
  o.set("version", tx.version); // unsigned since Core 28
  o.set("size", wire::serialized_size(tx));
  o.set("vsize", (weight + kWitnessScaleFactor - 1) / kWitnessScaleFactor);
  o.set("weight", weight);
  o.set("locktime", tx.lock_time);

  // Core has undo data for every transaction but the coinbase.
  const bool have_spent =
      !tx.is_coinbase() && !options.spent_coins.empty() &&
      options.spent_coins.size() == tx.inputs.size();
  std::int64_t total_in = 0;
  std::int64_t total_out = 0;
  bool sums_fit = true;

  json::Value vin = json::Value::array();
  for (std::size_t i = 0; i < tx.inputs.size(); ++i) {
    const consensus::Coin* spent = have_spent ? &options.spent_coins[i] : nullptr;
    if (spent) sums_fit &= !__builtin_add_overflow(total_in, spent->output.value, &total_in);
    vin.push_back(vin_json(tx, i, params, spent, options.show_prevouts));
  }
  o.set("vin", std::move(vin));

  json::Value vout = json::Value::array();
  for (std::size_t i = 0; i < tx.outputs.size(); ++i) {
    const wire::TxOut& out = tx.outputs[i];
    json::Value v = json::Value::object();
    v.set("value", amount_json(out.value));
    v.set("n", i);
    v.set("scriptPubKey", script_pubkey_json(out.script_pubkey, params));
    vout.push_back(std::move(v));
    sums_fit &= !__builtin_add_overflow(total_out, out.value, &total_out);
  }
  o.set("vout", std::move(vout));

  std::int64_t fee = 0;
  // Amounts of a valid chain never overflow; bad undo data loses the fee, not the process.
  if (have_spent && sums_fit && !__builtin_sub_overflow(total_in, total_out, &fee)) {
    o.set("fee", amount_json(fee));
  }
  if (options.block_hash) o.set("blockhash", options.block_hash->to_hex());
  if (options.include_hex) o.set("hex", util::to_hex(wire::serialize(tx)));
  return o;
}

} // namespace peregrine::node
