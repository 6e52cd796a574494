#include "workload/params.hpp"

#include <algorithm>
#include <charconv>

#include <fmt/format.h>

#include "consensus/sigops.hpp"
#include "consensus/tx_check.hpp"
#include "wire/compact_size.hpp"

namespace peregrine::workload {
namespace {

constexpr std::uint32_t kMaxCount = 100'000; // past any block's room; the weight check says why
constexpr std::uint64_t kMaxWeight = 1'000'000;

// Splits "a,b,c" into its items, each "VALUE" or "VALUE:WEIGHT".
std::vector<std::pair<std::string_view, std::string_view>> split_items(std::string_view text) {
  std::vector<std::pair<std::string_view, std::string_view>> items;
  while (true) {
    const std::size_t comma = text.find(',');
    std::string_view item = text.substr(0, comma);
    const std::size_t colon = item.find(':');
    items.emplace_back(item.substr(0, colon), colon == std::string_view::npos ? "" : item.substr(colon + 1));
    if (comma == std::string_view::npos) return items;
    text.remove_prefix(comma + 1);
  }
}

template <class T>
std::optional<T> parse_number(std::string_view text) {
  T value{};
  const char* end = text.data() + text.size();
  auto [ptr, ec] = std::from_chars(text.data(), end, value);
  if (ec != std::errc() || ptr != end || text.empty()) return std::nullopt;
  return value;
}

std::expected<std::uint64_t, std::string> parse_weight(std::string_view text, std::string_view option) {
  if (text.empty()) return 1;
  auto w = parse_number<std::uint64_t>(text);
  if (!w || *w == 0 || *w > kMaxWeight)
    return std::unexpected(fmt::format("{}: weight '{}' is not a whole number from 1 to {}", option, text, kMaxWeight));
  return *w;
}

std::size_t max_over_kinds(const KindChoice& kinds, std::size_t (*cost)(ScriptKind)) {
  std::size_t worst = 0;
  for (const auto& e : kinds.entries()) worst = std::max(worst, cost(e.value));
  return worst;
}

std::int64_t max_over_kinds(const KindChoice& kinds, std::int64_t (*cost)(ScriptKind)) {
  std::int64_t worst = 0;
  for (const auto& e : kinds.entries()) worst = std::max(worst, cost(e.value));
  return worst;
}

bool any_witness(const KindChoice& kinds) {
  return std::any_of(kinds.entries().begin(), kinds.entries().end(),
                     [](const auto& e) { return spend_has_witness(e.value); });
}

} // namespace

std::uint32_t min_value(const CountChoice& c) {
  std::uint32_t m = UINT32_MAX;
  for (const auto& e : c.entries()) m = std::min(m, e.value);
  return c.empty() ? 0 : m;
}

std::uint32_t max_value(const CountChoice& c) {
  std::uint32_t m = 0;
  for (const auto& e : c.entries()) m = std::max(m, e.value);
  return m;
}

double mean_value(const CountChoice& c) {
  double sum = 0, weights = 0;
  for (const auto& e : c.entries()) {
    sum += static_cast<double>(e.value) * static_cast<double>(e.weight);
    weights += static_cast<double>(e.weight);
  }
  return weights > 0 ? sum / weights : 0;
}

std::expected<CountChoice, std::string> parse_counts(std::string_view text, std::string_view option) {
  CountChoice choice;
  for (const auto& [value, weight_text] : split_items(text)) {
    auto weight = parse_weight(weight_text, option);
    if (!weight) return std::unexpected(weight.error());
    const std::size_t dash = value.find('-');
    auto low = parse_number<std::uint32_t>(value.substr(0, dash));
    auto high = dash == std::string_view::npos ? low : parse_number<std::uint32_t>(value.substr(dash + 1));
    if (!low || !high || *low > *high || *high > kMaxCount)
      return std::unexpected(fmt::format("{}: '{}' is not a count or range MIN-MAX of counts up to {} "
                                         "(forms: N, MIN-MAX, N:WEIGHT,N:WEIGHT,...)",
                                         option, value, kMaxCount));
    for (std::uint32_t v = *low; v <= *high; ++v) choice.add(v, *weight);
  }
  return choice;
}

std::expected<KindChoice, std::string> parse_scripts(std::string_view text) {
  KindChoice choice;
  for (const auto& [name, weight_text] : split_items(text)) {
    auto weight = parse_weight(weight_text, "--scripts");
    if (!weight) return std::unexpected(weight.error());
    auto kind = parse_script_kind(name);
    if (!kind)
      return std::unexpected(fmt::format("--scripts: unknown script kind '{}' (kinds: trivial, p2wpkh, p2tr, "
                                         "p2pkh, p2sh-p2wpkh, p2wsh-multisig; weights as KIND:W)",
                                         name));
    choice.add(*kind, *weight);
  }
  return choice;
}

std::expected<double, std::string> parse_share(std::string_view text, std::string_view option) {
  auto share = parse_number<double>(text);
  if (!share || !(*share >= 0.0 && *share <= 1.0))
    return std::unexpected(fmt::format("{}: '{}' is not a share between 0 and 1", option, text));
  return *share;
}

GeneratorParams default_params() {
  GeneratorParams p;
  p.inputs = *parse_counts("1-2", "--inputs");
  p.outputs = *parse_counts("2-3", "--outputs");
  p.scripts = *parse_scripts("trivial");
  return p;
}

std::size_t max_tx_weight(const GeneratorParams& p, std::uint32_t inputs, std::uint32_t outputs) {
  const std::size_t base = 4 + wire::compact_size_length(inputs) + wire::compact_size_length(outputs) + 4;
  // In a transaction with witnesses, marker and flag, and an empty stack for each input without one.
  const std::size_t witness = any_witness(p.scripts) ? 2 + inputs : 0;
  return 4 * base + witness + inputs * max_over_kinds(p.scripts, max_input_weight) +
         outputs * max_over_kinds(p.scripts, output_weight);
}

std::int64_t max_tx_sigop_cost(const GeneratorParams& p, std::uint32_t inputs, std::uint32_t outputs) {
  return inputs * max_over_kinds(p.scripts, input_sigop_cost) + outputs * max_over_kinds(p.scripts, output_sigop_cost);
}

std::size_t block_reserved_weight(const GeneratorParams& p) {
  // Header and transaction count (CompactSize, at most 5 bytes); the coinbase's version, one input
  // (outpoint, scriptSig of a BIP34 height push of up to 5 bytes and a seed push of 9, sequence),
  // output count, witness commitment output (47 bytes), lock time; its paying output; and its
  // witness (marker, flag, one 32-byte item).
  const std::size_t header = 80 + 5;
  const std::size_t coinbase = 4 + 1 + (36 + 1 + 14 + 4) + 1 + 47 + 4;
  return 4 * (header + coinbase) + max_over_kinds(p.scripts, output_weight) + 2 + 1 + 1 + 32;
}

std::int64_t block_reserved_sigop_cost(const GeneratorParams& p) {
  return max_over_kinds(p.scripts, output_sigop_cost);
}

std::expected<void, std::string> check_params(const GeneratorParams& p) {
  using R = std::expected<void, std::string>;
  if (p.blocks == 0) return R(std::unexpect, "--blocks must be at least 1: the chain needs a block after genesis");
  if (p.blocks > kMaxBlocks)
    return R(std::unexpect, fmt::format("--blocks={} is more than {}: at 10 minutes a block from the regtest "
                                        "genesis the timestamps would pass today",
                                        p.blocks, kMaxBlocks));
  if (p.block_weight > kMaxBlockWeight)
    return R(std::unexpect, fmt::format("--block-weight={} is over the consensus limit of {}", p.block_weight,
                                        kMaxBlockWeight));
  if (!(p.young_share >= 0.0 && p.young_share <= 1.0))
    return R(std::unexpect, fmt::format("--young-share={} is not between 0 and 1", p.young_share));
  if (p.young_share > 0 && p.young_window == 0)
    return R(std::unexpect, "--young-window must be at least 1 when --young-share is above 0");
  if (p.scripts.empty()) return R(std::unexpect, "--scripts: no script kind given");
  if (p.inputs.empty() || min_value(p.inputs) == 0)
    return R(std::unexpect, "--inputs: every transaction needs at least one input");
  if (p.outputs.empty() || min_value(p.outputs) == 0)
    return R(std::unexpect, "--outputs: every transaction needs at least one output");
  if (p.threads == 0) return R(std::unexpect, "--threads must be at least 1");

  const std::uint32_t in = max_value(p.inputs), out = max_value(p.outputs);
  const std::size_t reserved = block_reserved_weight(p);
  const std::size_t room = p.block_weight > reserved ? p.block_weight - reserved : 0;
  if (max_tx_weight(p, in, out) > room)
    return R(std::unexpect,
             fmt::format("a transaction of {} inputs and {} outputs with these scripts can weigh {}, more than the "
                         "{} a block of --block-weight={} has after its header and coinbase",
                         in, out, max_tx_weight(p, in, out), room, p.block_weight));
  const std::int64_t sigop_room = consensus::kMaxBlockSigopsCost - block_reserved_sigop_cost(p);
  if (max_tx_sigop_cost(p, in, out) > sigop_room)
    return R(std::unexpect, fmt::format("a transaction of {} inputs and {} outputs with these scripts can cost {} "
                                        "sigops, more than a block's {} after its coinbase",
                                        in, out, max_tx_sigop_cost(p, in, out), sigop_room));

  // Coins come from coinbases, one a block, spendable 100 blocks on: the first transaction needs
  // min(inputs) of them, so it cannot come before height 100 + min(inputs).
  const std::uint32_t first_tx_height = consensus::kCoinbaseMaturity + min_value(p.inputs);
  if (p.txs_per_block != 0u && p.blocks < first_tx_height)
    return R(std::unexpect,
             fmt::format("no transaction can be made in {} blocks: one with {} input(s) needs as many mature "
                         "coinbase outputs, and those exist from height {} (coinbases mature after 100 blocks); "
                         "ask for --blocks={} or more, or --txs-per-block=0 for coinbases only",
                         p.blocks, min_value(p.inputs), first_tx_height, first_tx_height));
  return {};
}

} // namespace peregrine::workload
