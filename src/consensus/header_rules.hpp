#pragma once
// Header validation as Bitcoin Core does it before storing a header: proof of work, the bits the
// chain requires, timestamps, minimum versions and historical checkpoints. Pure: the caller gives
// the ancestry, the parent's height and the clock.
#include <cstdint>
#include <expected>
#include <string_view>

#include "consensus/chainparams.hpp"
#include "consensus/pow.hpp"
#include "wire/block.hpp"

namespace peregrine::consensus {

inline constexpr std::int64_t kMaxFutureBlockTime = 2 * 60 * 60;
inline constexpr std::int64_t kMaxTimewarp = 600; // BIP94
inline constexpr int kMedianTimeSpan = 11;

enum class HeaderError : std::uint8_t {
  high_hash,              // proof of work fails (or the target is unusable)
  bad_diffbits,           // bits differ from what the chain requires
  time_too_old,           // not above the median of the previous 11 timestamps
  time_too_new,           // more than 2 hours ahead of the clock
  time_timewarp_attack,   // BIP94: period's first header more than 10 minutes before its parent
  bad_version,            // below the minimum after BIP34/66/65
  checkpoint_mismatch,    // a checkpoint height with another hash
  bad_fork_prior_to_checkpoint, // forks below the last checkpoint on the best chain
  prev_blk_not_found,     // parent unknown
  bad_prevblk,            // parent known to be invalid
  missing_context,        // a partial ancestry lacks a header the rules need
  too_little_chainwork,   // a chain below the minimum chain work (anti-DoS, not consensus)
  invalid_block,          // the header is fine but its block broke a rule (or descends from one that did)
};

// Core's reject reasons where it has one: "high-hash", "bad-diffbits", "time-too-old", ...
std::string_view to_string(HeaderError error);

// Context-free: the proof of work matches the bits (Core's CheckBlockHeader).
std::expected<void, HeaderError> check_header(const Hash256& hash, const wire::BlockHeader& header,
                                              const ChainParams& params);

// Median of the timestamps at parent_height-10 .. parent_height (fewer near genesis); nullopt when
// the ancestry lacks one of them.
std::optional<std::int64_t> median_time_past(const HeaderAncestry& chain, int parent_height);

// With the chain it extends (Core's ContextualCheckBlockHeader): required bits, timestamp above the
// median time past (skipped when a partial ancestry lacks one of those timestamps), at most two hours
// ahead of adjusted_now, BIP94 timewarp, minimum versions, and the checkpoint at this height.
std::expected<void, HeaderError> check_header_contextual(const Hash256& hash, const wire::BlockHeader& header,
                                                         const HeaderAncestry& chain, int parent_height,
                                                         std::int64_t adjusted_now, const ChainParams& params);

} // namespace peregrine::consensus
