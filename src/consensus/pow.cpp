#include "consensus/pow.hpp"

#include <algorithm>
#include <limits>

namespace peregrine::consensus {
namespace {

std::uint32_t pow_limit_bits(const ChainParams& params) {
  return encode_compact(ArithU256::from_hash(params.pow_limit));
}

// Testnet's rule between retargets: a header more than two spacings after its parent may use the
// easiest target; otherwise the chain's last "real" target applies, found by walking back over
// the min-difficulty headers (but never past a period's first header).
std::optional<std::uint32_t> min_difficulty_rule(const HeaderAncestry& chain, int parent_height,
                                                 const HeaderAncestry::Entry& parent,
                                                 std::uint32_t new_time,
                                                 const ChainParams& params) {
  const std::uint32_t limit = pow_limit_bits(params);
  if (std::int64_t{new_time} > std::int64_t{parent.time} + 2 * params.pow_target_spacing)
    return limit;
  const std::int64_t interval = difficulty_adjustment_interval(params);
  int height = parent_height;
  std::uint32_t bits = parent.bits;
  while (height > 0 && height % interval != 0 && bits == limit) {
    auto entry = chain.at(--height);
    if (!entry) return std::nullopt;
    bits = entry->bits;
  }
  return bits;
}

} // namespace

std::int64_t difficulty_adjustment_interval(const ChainParams& params) {
  // Guarded so parameters built by hand cannot divide by zero; Core's data never has this.
  if (params.pow_target_spacing <= 0) return 1;
  return std::max<std::int64_t>(1, params.pow_target_timespan / params.pow_target_spacing);
}

std::optional<ArithU256> target_from_bits(std::uint32_t bits, const ChainParams& params) {
  const CompactTarget t = decode_compact(bits);
  if (t.negative || t.overflow || t.value.is_zero()) return std::nullopt;
  if (t.value > ArithU256::from_hash(params.pow_limit)) return std::nullopt;
  return t.value;
}

bool check_proof_of_work(const Hash256& hash, std::uint32_t bits, const ChainParams& params) {
  auto target = target_from_bits(bits, params);
  return target && ArithU256::from_hash(hash) <= *target;
}

ArithU256 block_proof(std::uint32_t bits) {
  const CompactTarget t = decode_compact(bits);
  if (t.negative || t.overflow || t.value.is_zero()) return ArithU256();
  // 2^256 / (target + 1) does not fit in 256 bits; (2^256 - target - 1) / (target + 1) + 1 does,
  // and 2^256 - target - 1 is ~target.
  return ~t.value / (t.value + ArithU256(1)) + ArithU256(1);
}

std::int64_t proof_equivalent_time(const ArithU256& to_work, const ArithU256& from_work, std::uint32_t tip_bits,
                                   std::int64_t target_spacing) {
  const ArithU256 tip_proof = block_proof(tip_bits);
  if (tip_proof.is_zero() || target_spacing <= 0) return 0;
  const bool ahead = to_work >= from_work;
  ArithU256 r = ahead ? to_work - from_work : from_work - to_work;
  r = r * ArithU256(static_cast<std::uint64_t>(target_spacing)) / tip_proof;
  const std::int64_t seconds =
      r.bits() > 63 ? std::numeric_limits<std::int64_t>::max() : static_cast<std::int64_t>(r.low64());
  return ahead ? seconds : -seconds;
}

std::optional<std::uint32_t> next_work_required(const HeaderAncestry& chain, int parent_height,
                                                std::uint32_t new_time, const ChainParams& params) {
  if (parent_height < 0) return std::nullopt;
  const std::int64_t interval = difficulty_adjustment_interval(params);
  auto parent = chain.at(parent_height);

  if ((std::int64_t{parent_height} + 1) % interval != 0) {
    if (params.pow_allow_min_difficulty_blocks) {
      if (!parent) return std::nullopt;
      return min_difficulty_rule(chain, parent_height, *parent, new_time, params);
    }
    if (parent) return parent->bits;
    // Without min-difficulty headers every header of a period carries the bits of the period's
    // first, so a partial ancestry (retarget boundaries only) still answers.
    auto first = chain.at(static_cast<int>(parent_height - parent_height % interval));
    if (!first) return std::nullopt;
    return first->bits;
  }

  if (!parent) return std::nullopt;
  if (params.pow_no_retargeting) return parent->bits;
  // Core's window: the period's first header is parent - (interval - 1), so the timespan measured
  // covers interval - 1 block intervals.
  auto first = chain.at(static_cast<int>(parent_height - (interval - 1)));
  if (!first) return std::nullopt;
  // BIP94 starts from the period's first header, which the min-difficulty rule cannot touch.
  const std::uint32_t period_bits = params.enforce_bip94 ? first->bits : parent->bits;
  return calculate_next_work(period_bits, first->time, parent->time, params);
}

std::uint32_t calculate_next_work(std::uint32_t period_bits, std::int64_t first_time,
                                  std::int64_t last_time, const ChainParams& params) {
  const std::int64_t timespan = params.pow_target_timespan;
  if (params.pow_no_retargeting || timespan <= 0) return period_bits;
  const std::int64_t actual = std::clamp(last_time - first_time, timespan / 4, timespan * 4);
  const ArithU256 limit = ArithU256::from_hash(params.pow_limit);
  // Core ignores the sign and overflow flags here; the product wraps as its arithmetic does.
  ArithU256 target = decode_compact(period_bits).value;
  target *= static_cast<std::uint32_t>(actual);
  target /= ArithU256(static_cast<std::uint64_t>(timespan));
  if (target > limit) target = limit;
  return encode_compact(target);
}

} // namespace peregrine::consensus
