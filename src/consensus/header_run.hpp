#pragma once
// A run of consecutive raw headers (a file of 80-byte headers) checked with every header rule, on
// top of what came before it: nothing when the run starts at genesis, or a partial context such as
// the headers at each retarget boundary. `check-headers`, its benchmark and its fuzzer share this.
#include <cstdint>
#include <expected>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "consensus/arith_uint256.hpp"
#include "consensus/chainparams.hpp"
#include "consensus/pow.hpp"
#include "util/bytes.hpp"
#include "wire/block.hpp"

namespace peregrine::consensus {

// Heights beyond this are refused, so height arithmetic never nears int's limits.
inline constexpr int kMaxRunHeight = 1'000'000'000;

// A header known to precede the run, with the chain work up to it when the source states it.
struct ContextHeader {
  int height = 0;
  wire::BlockHeader header;
  std::optional<ArithU256> chain_work;
};

// Rows "height,header_hex[,chainwork_hex[,...]]", one per line, in any order: chainwork is 64 hex
// digits, most significant first, or empty. A first line whose first field starts with a letter is
// a title; blank lines are skipped. Heights must be distinct. The error names the line.
std::expected<std::vector<ContextHeader>, std::string> parse_header_context(std::string_view csv);

// The ancestry a run is checked against: context headers below the run's first height, then the
// run's headers as they are accepted, one height after another.
class RunAncestry final : public HeaderAncestry {
public:
  RunAncestry(std::span<const ContextHeader> context, int run_start);
  std::optional<Entry> at(int height) const override;
  void append(Entry entry) { run_.push_back(entry); }
  void reserve(std::size_t n) { run_.reserve(n); }
  // The context header at this height (below the run), if any.
  const ContextHeader* context_at(int height) const;

private:
  std::vector<ContextHeader> context_; // sorted by height, all below run_start_
  int run_start_ = 0;
  std::vector<Entry> run_;
};

struct HeaderRunFailure {
  int height = 0;
  Hash256 hash;
  std::string_view reason; // Core's reject reason, or "bad-genesis"
};

struct HeaderRunResult {
  std::size_t count = 0; // headers in the run
  std::size_t valid = 0; // headers that passed, before the first failure
  Hash256 first_hash;    // of the run's first header
  Hash256 last_hash;     // of the last valid header
  ArithU256 work;        // proved by the valid headers
  // Chain work up to the last valid header: known from genesis, or when the context states the
  // work of the header before the run (or of one earlier in its period, on networks whose periods
  // keep one target).
  std::optional<ArithU256> chain_work;
  std::optional<HeaderRunFailure> failure;
};

// Checks `headers` (a multiple of 80 bytes; the caller rejects anything else) as heights
// start_height, start_height + 1, ... The first header must be the network's genesis at height 0,
// or extend the context's header at start_height - 1 when the context has it; each next header must
// extend the one before. Stops at the first failure.
HeaderRunResult check_header_run(ByteSpan headers, int start_height,
                                 std::span<const ContextHeader> context, std::int64_t adjusted_now,
                                 const ChainParams& params);

} // namespace peregrine::consensus
