#include "bench/verify_bench.hpp"

#include <memory>
#include <ostream>
#include <vector>

#include <fmt/format.h>

#include "bench/timer.hpp"
#include "consensus/block_scripts.hpp"
#include "consensus/chainparams.hpp"
#include "consensus/coinbase.hpp"
#include "consensus/script/ecc.hpp"
#include "consensus/script/precomputed_tx.hpp"
#include "consensus/script/verify_script.hpp"
#include "consensus/script_flags_for_block.hpp"
#include "consensus/spent_outputs.hpp"
#include "util/file.hpp"
#include "util/json.hpp"
#include "util/thread_pool.hpp"
#include "wire/block.hpp"
#include "wire/codec.hpp"

namespace peregrine::bench {
namespace {

using namespace consensus;

// One ECDSA check as libsecp256k1 sees it: everything parsed, the message hashed.
struct RawCheck {
  secp256k1_pubkey key;
  secp256k1_ecdsa_signature sig;
  std::array<std::uint8_t, 32> message;
};

// Records every ECDSA check that verifies, in the form the raw baseline replays.
class RecordingChecker : public TransactionChecker {
public:
  RecordingChecker(const PrecomputedTx& tx, std::size_t input, std::vector<RawCheck>& out)
      : TransactionChecker(tx, input), out_(out) {}

  bool check_ecdsa(ByteSpan sig, ByteSpan pubkey, ByteSpan script_code,
                   SigVersion sigversion) const override {
    if (!TransactionChecker::check_ecdsa(sig, pubkey, script_code, sigversion)) return false;
    RawCheck check;
    if (!parse_pubkey(pubkey, check.key) || !parse_der_lax(sig.first(sig.size() - 1), check.sig))
      return true;
    secp256k1_ecdsa_signature_normalize(secp256k1_verify_context(), &check.sig, &check.sig);
    check.message = ecdsa_sighash(sig.back(), script_code, sigversion).bytes;
    out_.push_back(check);
    return true;
  }

private:
  std::vector<RawCheck>& out_;
};

std::vector<RawCheck> record_checks(const wire::Block& block, std::span<const wire::TxOut> spent,
                                    ScriptFlags flags) {
  std::vector<RawCheck> checks;
  std::size_t k = 0;
  for (std::size_t t = 1; t < block.txs.size(); ++t) {
    const wire::Transaction& tx = block.txs[t];
    PrecomputedTx ptx(tx, spent.subspan(k, tx.inputs.size()));
    for (std::size_t i = 0; i < tx.inputs.size(); ++i) {
      RecordingChecker checker(ptx, i, checks);
      (void)verify_script(tx.inputs[i].script_sig, spent[k + i].script_pubkey, tx.inputs[i].witness,
                          flags, checker);
    }
    k += tx.inputs.size();
  }
  return checks;
}

} // namespace

std::filesystem::path default_verify_block() {
  return std::filesystem::path(PEREGRINE_DEFAULT_SHARED_DATA) / "blocks/mainnet_367891.raw";
}
std::filesystem::path default_verify_spent() {
  return std::filesystem::path(PEREGRINE_DEFAULT_SHARED_DATA) / "blocks/mainnet_367891.spent.json";
}

bool run_verify_bench(std::ostream& out, std::ostream& err, const std::filesystem::path& block_file,
                      const std::filesystem::path& spent_file, unsigned threads, double seconds,
                      bool json) {
  const char* name = "peregrine bench verify";
  auto raw = util::read_file(block_file);
  if (!raw) {
    err << name << ": " << raw.error() << "\n";
    return false;
  }
  auto block = wire::from_bytes<wire::Block>(*raw);
  if (!block || block->txs.empty()) {
    err << name << ": " << block_file.string() << ": not a block\n";
    return false;
  }
  auto text = util::read_text_file(spent_file);
  if (!text) {
    err << name << ": " << text.error() << "\n";
    return false;
  }
  auto coins = parse_spent_outputs(*text);
  if (!coins) {
    err << name << ": " << spent_file.string() << ": " << coins.error() << "\n";
    return false;
  }
  std::vector<wire::TxOut> spent;
  for (const auto& c : *coins) spent.push_back(c.output);
  const int height = coinbase_height(block->txs[0]).value_or(0);
  auto flags =
      script_flags_for_block(chain_params(Network::main), height, wire::block_hash(block->header));
  if (!flags) {
    err << name << ": " << flags.error() << "\n";
    return false;
  }
  // The benchmark is only meaningful on a block that verifies.
  BlockScriptResult check = verify_block_scripts(*block, spent, *flags, nullptr);
  if (check.invalid > 0 || check.inputs.size() != spent.size()) {
    err << name << ": the block does not verify against " << spent_file.string() << "\n";
    return false;
  }
  const std::vector<RawCheck> checks = record_checks(*block, spent, *flags);
  const double inputs = static_cast<double>(check.inputs.size());
  const double sigs = static_cast<double>(checks.size());

  const secp256k1_context* ctx = secp256k1_verify_context();
  Timing raw_timing = measure(
      [&] {
        int ok = 0;
        for (const RawCheck& c : checks)
          ok += secp256k1_ecdsa_verify(ctx, &c.sig, c.message.data(), &c.key);
        keep(ok);
      },
      seconds);
  Timing one =
      measure([&] { keep(verify_block_scripts(*block, spent, *flags, nullptr).valid); }, seconds);
  util::ThreadPool pool(threads);
  Timing many =
      measure([&] { keep(verify_block_scripts(*block, spent, *flags, &pool).valid); }, seconds);

  const double raw_rate = sigs / (raw_timing.median_ns / 1e9);
  const double one_inputs = inputs / (one.median_ns / 1e9),
               many_inputs = inputs / (many.median_ns / 1e9);
  const double one_sigs = sigs / (one.median_ns / 1e9), many_sigs = sigs / (many.median_ns / 1e9);
  const double n = static_cast<double>(threads);

  if (json) {
    namespace js = util::json;
    js::Value doc = js::Value::object();
    doc.set("benchmark", "verify");
    doc.set("block", block_file.string());
    doc.set("inputs", static_cast<std::uint64_t>(check.inputs.size()));
    doc.set("ecdsa_checks", static_cast<std::uint64_t>(checks.size()));
    doc.set("threads", threads);
    doc.set("raw_ecdsa_verify_per_s", raw_rate);
    doc.set("inputs_per_s_1_thread", one_inputs);
    doc.set("inputs_per_s_n_threads", many_inputs);
    doc.set("ratio_inputs", many_inputs / (raw_rate * n));
    doc.set("ecdsa_checks_per_s_1_thread", one_sigs);
    doc.set("ecdsa_checks_per_s_n_threads", many_sigs);
    doc.set("ratio_ecdsa_checks_1_thread", one_sigs / raw_rate);
    doc.set("ratio_ecdsa_checks", many_sigs / (raw_rate * n));
    doc.set("block_ms_1_thread", one.median_ns / 1e6);
    doc.set("block_ms_n_threads", many.median_ns / 1e6);
    out << doc.dump() << "\n";
    return true;
  }
  out << fmt::format("bench verify: {} ({} inputs, {} ECDSA checks), flags {}, {} s per phase\n",
                     block_file.filename().string(), check.inputs.size(), checks.size(),
                     format_script_flags(*flags), seconds);
  out << fmt::format("{:<34} {:>12} {:>12} {:>12} {:>14} {:>14}\n", "phase", "median ms", "min ms",
                     "max ms", "inputs/s", "ECDSA/s");
  auto row = [&](const std::string& what, const Timing& t, double per_block_inputs,
                 double per_block_sigs) {
    out << fmt::format("{:<34} {:>12.2f} {:>12.2f} {:>12.2f} {:>14.0f} {:>14.0f}\n", what,
                       t.median_ns / 1e6, t.min_ns / 1e6, t.max_ns / 1e6,
                       per_block_inputs / (t.median_ns / 1e9),
                       per_block_sigs / (t.median_ns / 1e9));
  };
  row("raw secp256k1_ecdsa_verify, 1 core", raw_timing, 0, sigs);
  row("verify block, 1 thread", one, inputs, sigs);
  row(fmt::format("verify block, {} threads", threads), many, inputs, sigs);
  out << fmt::format("ratio inputs/s to raw x threads:     {:.2f} (1 thread {:.2f})\n",
                     many_inputs / (raw_rate * n), one_inputs / raw_rate);
  out << fmt::format("ratio ECDSA/s to raw x threads:      {:.2f} (1 thread {:.2f})\n",
                     many_sigs / (raw_rate * n), one_sigs / raw_rate);
  out << "(inputs/s counts this block's 20,000 signature-free inputs; ECDSA/s is the like-for-like"
         " figure: all verification time spread over the signatures checked)\n";
  return true;
}

} // namespace peregrine::bench
