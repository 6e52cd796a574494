#pragma once
// Proof of work: target validity, the work a header proves, and the difficulty each network
// requires of the next header (Core's GetNextWorkRequired and its per-network variants).
#include <cstdint>
#include <optional>

#include "consensus/arith_uint256.hpp"
#include "consensus/chainparams.hpp"

namespace peregrine::consensus {

// Blocks per difficulty period (2016 on every network Core ships).
std::int64_t difficulty_adjustment_interval(const ChainParams& params);

// The target bits encode if it is usable on this network: not negative, not zero, no overflow,
// and not above the network's proof-of-work limit.
std::optional<ArithU256> target_from_bits(std::uint32_t bits, const ChainParams& params);

// Core's CheckProofOfWork: a usable target and the hash (as a number) at or below it.
bool check_proof_of_work(const Hash256& hash, std::uint32_t bits, const ChainParams& params);

// Work proved by a header with these bits: 2^256 / (target + 1); zero when the target is negative,
// zero or overflowing (Core's GetBlockProof).
ArithU256 block_proof(std::uint32_t bits);

// Seconds the chain work between two blocks would take at the tip's difficulty and the target
// spacing (Core's GetBlockProofEquivalentTime): positive when `to` has more work. Saturates at
// +-INT64_MAX; zero when the tip's bits prove no work.
std::int64_t proof_equivalent_time(const ArithU256& to_work, const ArithU256& from_work, std::uint32_t tip_bits,
                                   std::int64_t target_spacing);

// What retargeting reads of the chain a new header extends. Heights are absolute.
class HeaderAncestry {
public:
  struct Entry {
    std::uint32_t time = 0;
    std::uint32_t bits = 0;
  };
  virtual ~HeaderAncestry() = default;
  // The header at `height` on the chain being extended (height at most the parent's), or nullopt
  // when this ancestry does not know it (a partial context).
  virtual std::optional<Entry> at(int height) const = 0;
};

// Bits required of the header at parent_height + 1 whose timestamp is new_time. nullopt when the
// ancestry lacks a header the rule needs (never for a chain known from genesis).
std::optional<std::uint32_t> next_work_required(const HeaderAncestry& chain, int parent_height,
                                                std::uint32_t new_time, const ChainParams& params);

// The retarget step alone (Core's CalculateNextWorkRequired): from the bits the new period starts
// from, and the first and last timestamps of the period that just ended.
std::uint32_t calculate_next_work(std::uint32_t period_bits, std::int64_t first_time,
                                  std::int64_t last_time, const ChainParams& params);

} // namespace peregrine::consensus
