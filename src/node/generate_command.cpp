#include "node/generate_command.hpp"

#include <algorithm>
#include <ostream>
#include <thread>

#include <fmt/format.h>

#include "consensus/chainparams.hpp"
#include "node/commands.hpp"
#include "util/json.hpp"
#include "util/stopwatch.hpp"
#include "workload/blk_writer.hpp"
#include "workload/generator.hpp"

namespace peregrine::node {
namespace {

constexpr std::string_view kName = "peregrine generate";
constexpr double kProgressSeconds = 10;

double seconds_since(const util::Stopwatch& clock) {
  return std::chrono::duration<double>(clock.elapsed()).count();
}

// The options as generator parameters; the error is a wrong command line.
std::expected<workload::GeneratorParams, std::string> parse_params(const ParsedArgs& args) {
  using std::unexpected;
  workload::GeneratorParams p = workload::default_params();
  if (!args.has("blocks")) return unexpected("--blocks=N is required (the height of the tip)");
  auto blocks = parse_uint_option(args, "blocks", 0, 0, UINT32_MAX);
  auto seed = parse_uint_option(args, "seed", p.seed, 0, UINT64_MAX);
  auto weight = parse_uint_option(args, "block-weight", p.block_weight, 0, UINT32_MAX);
  auto window = parse_uint_option(args, "young-window", p.young_window, 0, UINT32_MAX);
  const unsigned cores = std::max(1u, std::thread::hardware_concurrency());
  auto threads = parse_uint_option(args, "threads", cores, 1, 256);
  for (const auto* r : {&blocks, &seed, &weight, &window, &threads})
    if (!*r) return unexpected(r->error().message);
  p.blocks = static_cast<std::uint32_t>(*blocks);
  p.seed = *seed;
  p.block_weight = static_cast<std::uint32_t>(*weight);
  p.young_window = *window;
  p.threads = static_cast<unsigned>(*threads);
  if (args.has("txs-per-block")) {
    auto txs = parse_uint_option(args, "txs-per-block", 0, 0, UINT32_MAX);
    if (!txs) return unexpected(txs.error().message);
    p.txs_per_block = static_cast<std::uint32_t>(*txs);
  }
  // The text-form options, each parsed by the generator's own parser when given.
  std::string error;
  auto text_option = [&](std::string_view name, auto& into, auto parse) {
    auto v = args.value(name);
    if (!v || !error.empty()) return;
    auto parsed = parse(*v, fmt::format("--{}", name));
    if (parsed) {
      into = *parsed;
    } else {
      error = parsed.error();
    }
  };
  text_option("inputs", p.inputs, workload::parse_counts);
  text_option("outputs", p.outputs, workload::parse_counts);
  text_option("young-share", p.young_share, workload::parse_share);
  text_option("scripts", p.scripts, [](std::string_view v, const std::string&) { return workload::parse_scripts(v); });
  if (!error.empty()) return unexpected(error);
  if (auto c = workload::check_params(p); !c) return unexpected(c.error());
  return p;
}

util::json::Value summary(const workload::GeneratorStats& s, const workload::BlkWriter& writer,
                          const workload::GeneratorParams& p, double seconds) {
  util::json::Value out = util::json::Value::object();
  out.set("network", "regtest");
  out.set("seed", p.seed);
  out.set("files", static_cast<std::uint64_t>(writer.files().size()));
  out.set("first_file", writer.files().empty() ? "" : writer.files().front().string());
  out.set("blocks", static_cast<std::uint64_t>(s.height));
  out.set("tip", s.tip.to_hex());
  out.set("transactions", s.transactions);
  out.set("inputs", s.inputs);
  out.set("outputs", s.outputs);
  out.set("young_inputs", s.young_inputs);
  out.set("young_share", s.inputs ? static_cast<double>(s.young_inputs) / static_cast<double>(s.inputs) : 0.0);
  out.set("signatures", s.signatures);
  out.set("coins_at_tip", s.coins);
  out.set("bytes", writer.bytes_written());
  out.set("max_block_weight", s.max_block_weight);
  out.set("generator_memory_bytes", s.memory_bytes);
  out.set("threads", static_cast<std::uint64_t>(p.threads));
  out.set("seconds", seconds);
  out.set("tx_per_second", seconds > 0 ? static_cast<double>(s.transactions) / seconds : 0.0);
  return out;
}

} // namespace

std::vector<OptionSpec> generate_options() {
  return {
      {"blocks", ArgKind::value, "N", "blocks after genesis: the tip's height (required)"},
      {"txs-per-block", ArgKind::value, "N", "transactions a block, coinbase not counted (default: as many as fit)"},
      {"block-weight", ArgKind::value, "W", "fill blocks up to this weight (default and most 4000000)"},
      {"inputs", ArgKind::value, "SPEC", "inputs a transaction: N, MIN-MAX or N:WEIGHT,... (default 1-2)"},
      {"outputs", ArgKind::value, "SPEC", "outputs a transaction, as --inputs (default 2-3)"},
      {"young-share", ArgKind::value, "X", "share of inputs spending one of the youngest coins (default 0.5)"},
      {"young-window", ArgKind::value, "N", "how many of the newest spendable coins are young (default 100000)"},
      {"scripts", ArgKind::value, "LIST",
       "output kinds: trivial, p2wpkh, p2tr, p2pkh, p2sh-p2wpkh, p2wsh-multisig, as a list with optional "
       ":WEIGHT (default trivial)"},
      {"seed", ArgKind::value, "N", "the seed: the same seed and options give the same chain (default 1)"},
      {"file-size", ArgKind::value, "MIB", "largest blk file in MiB (default 128, as Core; a larger block gets a file of its own)"},
      {"threads", ArgKind::value, "N", "threads building, signing and hashing (default: one per core)"},
  };
}

int run_generate_command(const Context& ctx, const ParsedArgs& args) {
  if (ctx.network_given && ctx.network != consensus::Network::regtest)
    return command_misused(ctx, kName, "writes regtest chains only: drop --network or give --network=regtest");
  auto params = parse_params(args);
  if (!params) return command_misused(ctx, kName, params.error());
  auto file_mib = parse_uint_option(args, "file-size", 128, 1, 4096);
  if (!file_mib) return command_misused(ctx, kName, file_mib.error().message);

  const auto& regtest = consensus::chain_params(consensus::Network::regtest);
  auto writer = workload::BlkWriter::open(args.positional().at(0), regtest.magic, *file_mib << 20);
  if (!writer) return command_failed(ctx, kName, writer.error());

  const util::Stopwatch clock;
  double next_report = kProgressSeconds;
  auto progress = [&](const workload::GeneratorStats& s) {
    const double t = seconds_since(clock);
    if (t < next_report) return;
    next_report = t + kProgressSeconds;
    ctx.err << fmt::format("generate: height {}/{}, {} transactions, {:.0f} tx/s, {} coins\n", s.height,
                           params->blocks, s.transactions, static_cast<double>(s.transactions) / t, s.coins);
  };
  auto stats = workload::generate_chain(*params, [&](ByteSpan block) { return writer->write(block); }, progress);
  if (stats) {
    if (auto f = writer->finish(); !f) stats = std::unexpected(f.error());
  }
  if (!stats) return command_failed(ctx, kName, stats.error());
  ctx.out << summary(*stats, *writer, *params, seconds_since(clock)).dump_pretty() << "\n";
  return kExitOk;
}

} // namespace peregrine::node
