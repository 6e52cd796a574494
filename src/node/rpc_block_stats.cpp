#include "node/rpc_block_stats.hpp"

#include <algorithm>
#include <array>
#include <limits>
#include <set>

#include <fmt/format.h>

#include "consensus/coinbase.hpp"
#include "node/rpc_chain_view.hpp"
#include "node/rpc_params.hpp"

namespace peregrine::node {
namespace {

using namespace rpc;

// Core's PER_UTXO_OVERHEAD: an outpoint (36 bytes), the height and coinbase flag (4 + 1).
constexpr std::int64_t kPerUtxoOverhead = 41;
constexpr std::int64_t kMaxMoney = 21'000'000LL * 100'000'000LL;

std::int64_t output_size(const wire::TxOut& out) {
  const std::size_t script = out.script_pubkey.size();
  const std::size_t prefix = script < 253 ? 1 : script <= 0xffff ? 3 : 5;
  return static_cast<std::int64_t>(8 + prefix + script) + kPerUtxoOverhead;
}

// Outputs no one can spend never enter the UTXO set: OP_RETURN first, or a script over 10,000
// bytes (Core's IsUnspendable).
bool unspendable(const wire::TxOut& out) {
  return (!out.script_pubkey.empty() && out.script_pubkey[0] == 0x6a) || out.script_pubkey.size() > 10'000;
}

// The median, averaging the middle two of an even count, as Core's CalculateTruncatedMedian.
std::int64_t truncated_median(std::vector<std::int64_t> values) {
  if (values.empty()) return 0;
  std::sort(values.begin(), values.end());
  const std::size_t n = values.size();
  return n % 2 == 0 ? (values[n / 2 - 1] + values[n / 2]) / 2 : values[n / 2];
}

// Fee rates at the 10th, 25th, 50th, 75th and 90th percentile of weight, as Core.
std::array<std::int64_t, 5> percentiles_by_weight(std::vector<std::pair<std::int64_t, std::int64_t>> rates,
                                                  std::int64_t total_weight) {
  std::array<std::int64_t, 5> out{};
  if (rates.empty() || total_weight == 0) return out;
  std::sort(rates.begin(), rates.end());
  const std::array<double, 5> bounds = {total_weight / 10.0, total_weight / 4.0, total_weight / 2.0,
                                        total_weight * 3.0 / 4.0, total_weight * 9.0 / 10.0};
  std::int64_t cumulative = 0;
  std::size_t next = 0;
  for (const auto& [rate, weight] : rates) {
    cumulative += weight;
    while (next < bounds.size() && cumulative >= bounds[next]) out[next++] = rate;
  }
  for (; next < bounds.size(); ++next) out[next] = rates.back().first;
  return out;
}

// The two historical blocks whose coinbases repeat earlier ones (BIP30's exceptions).
bool bip30_repeat(const consensus::ChainParams& params, const sync::HeaderEntry& e) {
  if (params.network != consensus::Network::main) return false;
  static const auto a = *Hash256::from_hex("00000000000a4d0a398161ffc163c503763b1f4360639393e0e4c8e300e0caec");
  static const auto b = *Hash256::from_hex("00000000000743f190a18c5577a3c2d2a1f610ae9601ac046a38084ccb7cd721");
  return (e.height == 91842 && *e.hash == a) || (e.height == 91880 && *e.hash == b);
}

std::expected<const sync::HeaderEntry*, RpcError> block_for(const SyncNode& node, const Args& args) {
  const json::Value* target = arg(args, 0);
  if (!target) return std::unexpected(RpcError{rpc_code::misc_error, "Missing required argument hash_or_height"});
  const auto& tip = node.chain.tip();
  if (target->is_number()) {
    auto height = target->as_int64();
    if (!height || *height < 0)
      return std::unexpected(invalid_parameter(fmt::format("Target block height {} is negative", target->dump())));
    if (*height > tip.height)
      return std::unexpected(invalid_parameter(fmt::format("Target block height {} after current tip {}", *height, tip.height)));
    return tip.ancestor(static_cast<int>(*height));
  }
  auto e = find_block(node, args, 0, "hash_or_height");
  if (!e) return e;
  if (tip.ancestor((*e)->height) != *e) return std::unexpected(invalid_parameter("Block is not in main chain"));
  return e;
}

} // namespace

RpcResult getblockstats(const SyncNode& node, const Args& args) {
  auto entry = block_for(node, args);
  if (!entry) return std::unexpected(entry.error());
  const sync::HeaderEntry& e = **entry;
  std::set<std::string, std::less<>> selected;
  if (const json::Value* stats = arg(args, 1)) {
    const auto* names = stats->as_array();
    if (!names) return std::unexpected(type_error(*stats, "array"));
    for (const auto& name : *names) {
      if (!name.as_string()) return std::unexpected(type_error(name, "string"));
      selected.insert(*name.as_string());
    }
  }
  auto stored = read_stored_block(node, e);
  if (!stored) return std::unexpected(stored.error());
  auto undo = read_stored_undo(node, e);
  if (!undo) return std::unexpected(undo.error());
  const auto& txs = stored->block.txs;
  if (e.prev && undo->txs.size() + 1 != txs.size())
    return std::unexpected(RpcError{rpc_code::misc_error, "Undo data does not match the block"});

  std::int64_t ins = 0, outs = 0, total_out = 0, total_size = 0, total_weight = 0, totalfee = 0;
  std::int64_t swtxs = 0, swtotal_size = 0, swtotal_weight = 0, utxos = 0, utxo_size_inc = 0, utxo_size_inc_actual = 0;
  std::int64_t maxfee = 0, maxfeerate = 0, maxtxsize = 0;
  std::int64_t minfee = kMaxMoney, minfeerate = kMaxMoney, mintxsize = std::numeric_limits<std::int64_t>::max();
  std::vector<std::int64_t> fees, sizes;
  std::vector<std::pair<std::int64_t, std::int64_t>> rates; // fee rate (sat/vB), weight
  const bool repeat = bip30_repeat(node.params, e);
  for (std::size_t i = 0; i < txs.size(); ++i) {
    const auto& tx = txs[i];
    const bool coinbase = i == 0;
    outs += static_cast<std::int64_t>(tx.outputs.size());
    std::int64_t tx_out = 0;
    for (const auto& out : tx.outputs) {
      tx_out += out.value;
      utxo_size_inc += output_size(out);
      // Genesis and the repeated coinbases never changed the UTXO set; nor do unspendable outputs.
      if (e.height == 0 || (repeat && coinbase) || unspendable(out)) continue;
      ++utxos;
      utxo_size_inc_actual += output_size(out);
    }
    if (coinbase) continue;
    ins += static_cast<std::int64_t>(tx.inputs.size());
    total_out += tx_out;
    const auto size = static_cast<std::int64_t>(wire::serialized_size(tx));
    const auto weight = static_cast<std::int64_t>(wire::weight(tx));
    sizes.push_back(size);
    maxtxsize = std::max(maxtxsize, size);
    mintxsize = std::min(mintxsize, size);
    total_size += size;
    total_weight += weight;
    if (tx.has_witness()) {
      ++swtxs;
      swtotal_size += size;
      swtotal_weight += weight;
    }
    std::int64_t tx_in = 0;
    for (const auto& coin : undo->txs[i - 1]) {
      tx_in += coin.output.value;
      utxo_size_inc -= output_size(coin.output);
      utxo_size_inc_actual -= output_size(coin.output);
    }
    const std::int64_t fee = tx_in - tx_out;
    fees.push_back(fee);
    maxfee = std::max(maxfee, fee);
    minfee = std::min(minfee, fee);
    totalfee += fee;
    const std::int64_t rate = weight ? fee * 4 / weight : 0;
    rates.emplace_back(rate, weight);
    maxfeerate = std::max(maxfeerate, rate);
    minfeerate = std::min(minfeerate, rate);
  }
  const auto non_coinbase = static_cast<std::int64_t>(txs.size()) - 1;
  json::Value percentiles = json::Value::array();
  for (std::int64_t p : percentiles_by_weight(std::move(rates), total_weight)) percentiles.push_back(p);

  json::Value all = json::Value::object();
  all.set("avgfee", non_coinbase > 0 ? totalfee / non_coinbase : 0);
  all.set("avgfeerate", total_weight ? totalfee * 4 / total_weight : 0);
  all.set("avgtxsize", non_coinbase > 0 ? total_size / non_coinbase : 0);
  all.set("blockhash", e.hash->to_hex());
  all.set("feerate_percentiles", std::move(percentiles));
  all.set("height", static_cast<std::int64_t>(e.height));
  all.set("ins", ins);
  all.set("maxfee", maxfee);
  all.set("maxfeerate", maxfeerate);
  all.set("maxtxsize", maxtxsize);
  all.set("medianfee", truncated_median(fees));
  all.set("mediantime", node.tree.median_time_past(e));
  all.set("mediantxsize", truncated_median(sizes));
  all.set("minfee", minfee == kMaxMoney ? 0 : minfee);
  all.set("minfeerate", minfeerate == kMaxMoney ? 0 : minfeerate);
  all.set("mintxsize", sizes.empty() ? 0 : mintxsize);
  all.set("outs", outs);
  all.set("subsidy", consensus::block_subsidy(e.height, node.params.subsidy_halving_interval));
  all.set("swtotal_size", swtotal_size);
  all.set("swtotal_weight", swtotal_weight);
  all.set("swtxs", swtxs);
  all.set("time", static_cast<std::int64_t>(e.time));
  all.set("total_out", total_out);
  all.set("total_size", total_size);
  all.set("total_weight", total_weight);
  all.set("totalfee", totalfee);
  all.set("txs", static_cast<std::int64_t>(txs.size()));
  all.set("utxo_increase", outs - ins);
  all.set("utxo_size_inc", utxo_size_inc);
  all.set("utxo_increase_actual", utxos - ins);
  all.set("utxo_size_inc_actual", utxo_size_inc_actual);
  if (selected.empty()) return all;

  json::Value out = json::Value::object();
  for (const auto& name : selected) {
    const json::Value* v = all.find(name);
    if (!v) return std::unexpected(invalid_parameter(fmt::format("Invalid selected statistic '{}'", name)));
    out.set(name, *v);
  }
  return out;
}

} // namespace peregrine::node
