#pragma once
// What a generated chain looks like: its length, how full its blocks are, the shape of its
// transactions, which coins they spend and which scripts they use. Parsed from the command line's
// text forms here, so tests and the bench build the same parameters the CLI does.
#include <cstdint>
#include <expected>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "consensus/tx_check.hpp"
#include "workload/rng.hpp"
#include "workload/script_kind.hpp"

namespace peregrine::workload {

inline constexpr auto kMaxBlockWeight = static_cast<std::uint32_t>(consensus::kMaxBlockWeight);
// Blocks are 10 minutes apart from the regtest genesis (2011), so past this many the timestamps
// would reach today and a node would call the tip "time-too-new".
inline constexpr std::uint32_t kMaxBlocks = 700'000;

// A value drawn per transaction (an input or output count, a script kind), by weight.
template <class T>
class Weighted {
public:
  struct Entry {
    T value;
    std::uint64_t weight;
  };

  void add(T value, std::uint64_t weight) {
    entries_.push_back({value, weight});
    total_ += weight;
  }
  // One draw of the generator's stream, whatever the number of entries, so streams stay aligned.
  T draw(Rng& rng) const {
    std::uint64_t r = rng.below(total_);
    for (const auto& e : entries_) {
      if (r < e.weight) return e.value;
      r -= e.weight;
    }
    return entries_.back().value;
  }
  std::span<const Entry> entries() const { return entries_; }
  bool empty() const { return entries_.empty(); }

private:
  std::vector<Entry> entries_;
  std::uint64_t total_ = 0;
};

using CountChoice = Weighted<std::uint32_t>;
using KindChoice = Weighted<ScriptKind>;

std::uint32_t min_value(const CountChoice& c);
std::uint32_t max_value(const CountChoice& c);
double mean_value(const CountChoice& c);

// "N", "MIN-MAX" (each value equally likely) or a weighted list "N:W,N:W,..." (ranges allowed:
// "1-2:3,3:1"). The error names the option.
std::expected<CountChoice, std::string> parse_counts(std::string_view text, std::string_view option);
// "trivial", "p2wpkh,p2tr" (equal shares) or "p2wpkh:3,p2tr:1".
std::expected<KindChoice, std::string> parse_scripts(std::string_view text);
// A share in [0, 1], written as a decimal.
std::expected<double, std::string> parse_share(std::string_view text, std::string_view option);

struct GeneratorParams {
  std::uint64_t seed = 1;
  std::uint32_t blocks = 0;                  // after genesis: the tip's height
  std::optional<std::uint32_t> txs_per_block; // none: as many as --block-weight holds
  std::uint32_t block_weight = kMaxBlockWeight;
  CountChoice inputs;
  CountChoice outputs;
  double young_share = 0.5;            // of inputs taken from the youngest coins
  std::uint64_t young_window = 100'000; // how many of the newest spendable coins count as young
  KindChoice scripts;                   // of every output, coinbases' included
  unsigned threads = 1;                 // for building, signing and hashing transactions
};

// The defaults of the command line: --inputs=1-2 --outputs=2-3 --scripts=trivial.
GeneratorParams default_params();

// Weight and sigop cost the largest transaction the parameters allow can have, and what a block
// keeps for its header and coinbase.
std::size_t max_tx_weight(const GeneratorParams& p, std::uint32_t inputs, std::uint32_t outputs);
std::int64_t max_tx_sigop_cost(const GeneratorParams& p, std::uint32_t inputs, std::uint32_t outputs);
std::size_t block_reserved_weight(const GeneratorParams& p);
std::int64_t block_reserved_sigop_cost(const GeneratorParams& p);

// Why these parameters cannot make a valid chain of the shape asked, or nothing.
std::expected<void, std::string> check_params(const GeneratorParams& p);

} // namespace peregrine::workload
