#include "consensus/header_rules.hpp"

#include <algorithm>
#include <array>

namespace peregrine::consensus {

std::string_view to_string(HeaderError error) {
  switch (error) {
  case HeaderError::high_hash: return "high-hash";
  case HeaderError::bad_diffbits: return "bad-diffbits";
  case HeaderError::time_too_old: return "time-too-old";
  case HeaderError::time_too_new: return "time-too-new";
  case HeaderError::time_timewarp_attack: return "time-timewarp-attack";
  case HeaderError::bad_version: return "bad-version";
  case HeaderError::checkpoint_mismatch: return "checkpoint-mismatch";
  case HeaderError::bad_fork_prior_to_checkpoint: return "bad-fork-prior-to-checkpoint";
  case HeaderError::prev_blk_not_found: return "prev-blk-not-found";
  case HeaderError::bad_prevblk: return "bad-prevblk";
  case HeaderError::missing_context: return "missing-context";
  case HeaderError::too_little_chainwork: return "too-little-chainwork";
  case HeaderError::invalid_block: return "invalid-block";
  }
  return "unknown";
}

std::expected<void, HeaderError> check_header(const Hash256& hash, const wire::BlockHeader& header,
                                              const ChainParams& params) {
  if (!check_proof_of_work(hash, header.bits, params))
    return std::unexpected(HeaderError::high_hash);
  return {};
}

std::optional<std::int64_t> median_time_past(const HeaderAncestry& chain, int parent_height) {
  if (parent_height < 0) return std::nullopt;
  std::array<std::int64_t, kMedianTimeSpan> times{};
  int n = 0;
  for (int h = parent_height; h >= 0 && n < kMedianTimeSpan; --h) {
    auto entry = chain.at(h);
    if (!entry) return std::nullopt;
    times[n++] = entry->time;
  }
  std::sort(times.begin(), times.begin() + n);
  return times[n / 2];
}

std::expected<void, HeaderError>
check_header_contextual(const Hash256& hash, const wire::BlockHeader& header,
                        const HeaderAncestry& chain, int parent_height, std::int64_t adjusted_now,
                        const ChainParams& params) {
  // Core's order, so the same header fails with the same reason.
  const int height = parent_height + 1;
  auto required = next_work_required(chain, parent_height, header.time, params);
  if (!required) return std::unexpected(HeaderError::missing_context);
  if (header.bits != *required) return std::unexpected(HeaderError::bad_diffbits);

  for (const auto& checkpoint : params.checkpoints) {
    if (checkpoint.height == height && checkpoint.hash != hash)
      return std::unexpected(HeaderError::checkpoint_mismatch);
  }

  // A partial ancestry that lacks one of the last 11 timestamps cannot judge this rule.
  if (auto mtp = median_time_past(chain, parent_height); mtp && header.time <= *mtp)
    return std::unexpected(HeaderError::time_too_old);

  if (params.enforce_bip94 && height % difficulty_adjustment_interval(params) == 0) {
    // next_work_required needed the parent, so the ancestry has it.
    auto parent = chain.at(parent_height);
    if (parent && std::int64_t{header.time} < std::int64_t{parent->time} - kMaxTimewarp)
      return std::unexpected(HeaderError::time_timewarp_attack);
  }

  // Subtracting keeps a hostile clock value from overflowing.
  if (std::int64_t{header.time} - kMaxFutureBlockTime > adjusted_now)
    return std::unexpected(HeaderError::time_too_new);

  if ((header.version < 2 && height >= params.bip34_height) ||
      (header.version < 3 && height >= params.bip66_height) ||
      (header.version < 4 && height >= params.bip65_height))
    return std::unexpected(HeaderError::bad_version);
  return {};
}

} // namespace peregrine::consensus
