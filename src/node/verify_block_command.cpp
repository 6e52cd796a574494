#include "node/verify_block_command.hpp"

#include <array>
#include <chrono>
#include <memory>
#include <ostream>
#include <thread>

#include <fmt/format.h>

#include "consensus/block_scripts.hpp"
#include "consensus/chainparams.hpp"
#include "consensus/coinbase.hpp"
#include "consensus/script/script_type.hpp"
#include "consensus/script_flags_for_block.hpp"
#include "consensus/sigops.hpp"
#include "consensus/spent_outputs.hpp"
#include "consensus/tx_check.hpp"
#include "node/commands.hpp"
#include "node/decode_command.hpp"
#include "util/file.hpp"
#include "util/json.hpp"
#include "util/thread_pool.hpp"
#include "wire/block.hpp"
#include "wire/codec.hpp"

namespace peregrine::node {
namespace {

namespace json = util::json;
using namespace consensus;

constexpr std::string_view kName = "peregrine verify-block";

int fail(const Context& ctx, std::string_view message) { return command_failed(ctx, kName, message); }

int usage(const Context& ctx, std::string_view message) {
  ctx.err << kName << ": " << message << "\nRun 'peregrine verify-block --help' for usage.\n";
  return kExitUsage;
}

std::size_t non_coinbase_inputs(const wire::Block& block) {
  std::size_t n = 0;
  for (std::size_t t = 1; t < block.txs.size(); ++t) n += block.txs[t].inputs.size();
  return n;
}

// The transaction rules the spent coins make checkable: context-free checks, amounts and
// maturity, the coinbase's claim and the sigop budget. The first violation, or null.
struct TxRules {
  json::Value first_error; // null when all passed
  std::int64_t fees = 0;
  std::int64_t sigop_cost = 0;
};

TxRules check_tx_rules(const wire::Block& block, std::span<const Coin> coins,
                       std::span<const wire::TxOut> spent, int height, ScriptFlags flags,
                       const ChainParams& params) {
  TxRules rules;
  auto record = [&](std::size_t tx, std::string_view reason) {
    if (!rules.first_error.is_null()) return;
    rules.first_error = json::Value::object();
    rules.first_error.set("tx_index", static_cast<std::uint64_t>(tx));
    rules.first_error.set("txid", wire::txid(block.txs[tx]).to_hex());
    rules.first_error.set("error", reason);
  };
  std::size_t k = 0;
  for (std::size_t t = 0; t < block.txs.size(); ++t) {
    const wire::Transaction& tx = block.txs[t];
    if (auto ok = check_transaction(tx); !ok) record(t, to_string(ok.error()));
    if (t == 0) {
      if (!tx.is_coinbase()) record(t, "bad-cb-missing");
      rules.sigop_cost += transaction_sigop_cost(tx, {}, flags);
      continue;
    }
    if (tx.is_coinbase()) record(t, "bad-cb-multiple");
    const std::size_t n = tx.inputs.size();
    auto fee = check_tx_inputs(tx, coins.subspan(k, n), height);
    if (fee) {
      rules.fees += *fee;
    } else {
      record(t, to_string(fee.error()));
    }
    rules.sigop_cost += transaction_sigop_cost(tx, spent.subspan(k, n), flags);
    k += n;
  }
  if (rules.sigop_cost > kMaxBlockSigopsCost) record(0, "bad-blk-sigops");
  std::int64_t claimed = 0;
  for (const auto& out : block.txs[0].outputs) claimed += out.value; // in range: checked above
  if (rules.first_error.is_null() &&
      claimed > block_subsidy(height, params.subsidy_halving_interval) + rules.fees)
    record(0, "bad-cb-amount");
  return rules;
}

} // namespace

std::vector<OptionSpec> verify_block_options() {
  return {
      {"spent", ArgKind::value, "FILE", "the outputs the block's inputs spend, as JSON (required)"},
      {"flags", ArgKind::value, "auto|LIST",
       "script flags: 'auto' (those of the block's height on --network) or names, e.g. "
       "P2SH,DERSIG"},
      {"threads", ArgKind::value, "N", "verification threads (default: one per core)"},
      {"height", ArgKind::value, "N",
       "the block's height (default: read from the coinbase, reliable from BIP34 on)"},
  };
}

int run_verify_block_command(const Context& ctx, const ParsedArgs& args) {
  auto spent_path = args.value("spent");
  if (!spent_path) return usage(ctx, "--spent FILE is required");
  const unsigned cores = std::max(1u, std::thread::hardware_concurrency());
  auto threads = parse_uint_option(args, "threads", cores, 1, 1024);
  if (!threads) return usage(ctx, threads.error().message);
  auto height_option = parse_uint_option(args, "height", 0, 0, 100'000'000);
  if (!height_option) return usage(ctx, height_option.error().message);
  const std::string flags_text = args.value("flags").value_or("auto");
  std::optional<ScriptFlags> given_flags;
  if (flags_text != "auto") {
    auto parsed = parse_script_flags(flags_text);
    if (!parsed) return usage(ctx, fmt::format("--flags: {}", parsed.error()));
    if (!is_valid_flag_combination(*parsed))
      return usage(ctx, "--flags: WITNESS needs P2SH, and CLEANSTACK needs both");
    given_flags = *parsed;
  }

  const std::string& block_path = args.positional().at(0);
  auto contents = util::read_file(block_path);
  if (!contents) return fail(ctx, contents.error());
  auto bytes = file_bytes(std::move(*contents));
  if (!bytes) return fail(ctx, fmt::format("{}: {}", block_path, bytes.error()));
  auto decoded = wire::from_bytes<wire::Block>(*bytes);
  if (!decoded)
    return fail(ctx, fmt::format("{}: not a block: {}", block_path, decoded.error().message()));
  const wire::Block& block = *decoded;
  if (block.txs.empty())
    return fail(ctx, fmt::format("{}: the block has no transactions", block_path));

  auto spent_text = util::read_text_file(*spent_path);
  if (!spent_text) return fail(ctx, spent_text.error());
  auto coins = parse_spent_outputs(*spent_text);
  if (!coins) return fail(ctx, fmt::format("{}: {}", *spent_path, coins.error()));
  const std::size_t inputs = non_coinbase_inputs(block);
  if (coins->size() != inputs) {
    return fail(ctx, fmt::format("{}: {} spent outputs for the block's {} non-coinbase inputs",
                                 *spent_path, coins->size(), inputs));
  }
  std::vector<wire::TxOut> spent;
  spent.reserve(coins->size());
  for (const auto& c : *coins) spent.push_back(c.output);

  const ChainParams& params = ctx.params();
  const Hash256 hash = wire::block_hash(block.header);
  int height = 0;
  std::string height_source = "--height";
  if (args.has("height")) {
    height = static_cast<int>(*height_option);
  } else if (auto h = coinbase_height(block.txs[0])) {
    height = *h;
    height_source = "coinbase";
  } else {
    return fail(ctx, "the coinbase states no height (a block before BIP34?): give --height");
  }
  ScriptFlags flags = 0;
  if (given_flags) {
    flags = *given_flags;
  } else {
    auto automatic = script_flags_for_block(params, height, hash);
    if (!automatic) return fail(ctx, automatic.error());
    flags = *automatic;
  }

  std::array<std::size_t, kScriptTypeCount> by_type{};
  for (const auto& out : spent)
    ++by_type[static_cast<std::size_t>(classify_script(out.script_pubkey))];

  std::unique_ptr<util::ThreadPool> pool;
  if (*threads > 1) pool = std::make_unique<util::ThreadPool>(*threads);
  const auto start = std::chrono::steady_clock::now();
  BlockScriptResult result = verify_block_scripts(block, spent, flags, pool.get());
  const auto elapsed = std::chrono::steady_clock::now() - start;
  TxRules rules = check_tx_rules(block, *coins, spent, height, flags, params);

  json::Value doc = json::Value::object();
  doc.set("block", hash.to_hex());
  doc.set("network", std::string(to_string(ctx.network)));
  doc.set("height", height);
  doc.set("height_source", height_source);
  doc.set("flags", format_script_flags(flags));
  doc.set("flags_source", given_flags ? "--flags" : "auto");
  doc.set("transactions", static_cast<std::uint64_t>(block.txs.size()));
  doc.set("inputs", static_cast<std::uint64_t>(result.inputs.size()));
  json::Value types = json::Value::object();
  for (std::size_t i = 0; i < kScriptTypeCount; ++i) {
    if (by_type[i] > 0)
      types.set(std::string(to_string(static_cast<ScriptType>(i))),
                static_cast<std::uint64_t>(by_type[i]));
  }
  doc.set("script_types", std::move(types));
  doc.set("valid", static_cast<std::uint64_t>(result.valid));
  doc.set("invalid", static_cast<std::uint64_t>(result.invalid));
  json::Value first = nullptr;
  if (result.first_failure) {
    const InputRef ref = result.inputs[*result.first_failure];
    first = json::Value::object();
    first.set("tx_index", static_cast<std::uint64_t>(ref.tx));
    first.set("input_index", static_cast<std::uint64_t>(ref.input));
    first.set("txid", wire::txid(block.txs[ref.tx]).to_hex());
    first.set("error", std::string(to_string(result.errors[*result.first_failure])));
  }
  doc.set("first_failure", std::move(first));
  doc.set("tx_rules_error", rules.first_error);
  doc.set("fees", rules.fees);
  doc.set("sigop_cost", rules.sigop_cost);
  doc.set("threads", static_cast<std::uint64_t>(*threads));
  doc.set("elapsed_ms", std::chrono::duration<double, std::milli>(elapsed).count());
  ctx.out << doc.dump_pretty() << "\n";
  return result.invalid == 0 && rules.first_error.is_null() ? kExitOk : kExitFailure;
}

} // namespace peregrine::node
