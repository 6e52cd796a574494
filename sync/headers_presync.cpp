#include "sync/headers_presync.hpp"

#include <algorithm>

#include "consensus/header_rules.hpp"
#include "consensus/pow.hpp"
#include "crypto/siphash.hpp"

namespace peregrine::sync {
namespace {

using consensus::ArithU256;

// Bits a header may carry given its parent's, knowing nothing else of the chain: unchanged inside a
// difficulty period, within the 4x clamp at a period's start, anything on networks that allow
// minimum-difficulty blocks (the full rule needs timestamps the first pass does not keep).
bool permitted_difficulty_change(const consensus::ChainParams& params, int height, std::uint32_t old_bits,
                                 std::uint32_t new_bits) {
  if (params.pow_allow_min_difficulty_blocks) return true;
  if (height % consensus::difficulty_adjustment_interval(params) != 0) return old_bits == new_bits;
  const std::int64_t span = params.pow_target_timespan;
  auto largest = consensus::decode_compact(consensus::calculate_next_work(old_bits, 0, span * 4, params));
  auto smallest = consensus::decode_compact(consensus::calculate_next_work(old_bits, 0, span / 4, params));
  auto observed = consensus::decode_compact(new_bits);
  return !(observed.value > largest.value) && !(observed.value < smallest.value);
}

} // namespace

HeadersPresync::HeadersPresync(const HeaderTree& tree, const HeaderEntry& chain_start, ArithU256 work_threshold,
                               std::uint64_t salt, std::int64_t now)
    : tree_(tree), params_(tree.params()), chain_start_(chain_start), threshold_(work_threshold), salt_(salt) {
  const int period = std::max(1, params_.headers_sync.commitment_period);
  commit_offset_ = static_cast<int>(salt % static_cast<std::uint64_t>(period));
  // Every header's time must exceed the median of the 11 before it, so timestamps rise by at least
  // one second per six headers: a chain from chain_start that the clock allows has at most
  // 6 * (now + 2 h - median time) headers. The earliest of the last 11 times bounds the median.
  std::int64_t earliest = chain_start.time;
  const HeaderEntry* e = &chain_start;
  for (int i = 0; i < consensus::kMedianTimeSpan && e; ++i, e = e->prev) earliest = std::min<std::int64_t>(earliest, e->time);
  const std::int64_t seconds = std::max<std::int64_t>(0, now + consensus::kMaxFutureBlockTime - earliest);
  max_commitments_ = static_cast<std::size_t>(6 * seconds / period) + 1;

  Cursor start{chain_start.header(), *chain_start.hash, chain_start.height, chain_start.chain_work};
  presync_ = start;
  redownload_ = start;
}

bool HeadersPresync::commitment_height(int height) const {
  return height % std::max(1, params_.headers_sync.commitment_period) == commit_offset_;
}

bool HeadersPresync::commitment_bit(const Hash256& hash) const {
  return (crypto::siphash24(crypto::SipKey{salt_, ~salt_}, hash.span()) & 1) != 0;
}

bool HeadersPresync::extend(Cursor& cursor, const wire::BlockHeader& header, Hash256& hash, std::string& why) const {
  if (header.prev_block != cursor.last_hash) {
    why = "headers do not connect";
    return false;
  }
  hash = wire::block_hash(header);
  if (!consensus::check_proof_of_work(hash, header.bits, params_)) {
    why = "high-hash";
    return false;
  }
  if (!permitted_difficulty_change(params_, cursor.height + 1, cursor.last.bits, header.bits)) {
    why = "bad-diffbits (not a permitted difficulty change)";
    return false;
  }
  cursor.last = header;
  cursor.last_hash = hash;
  ++cursor.height;
  cursor.work += tree_.proof(header.bits);
  return true;
}

HeadersPresync::Step HeadersPresync::fail(Step step, std::string why, bool peer_at_fault) {
  phase_ = Phase::failed;
  step.request_more = false;
  step.failure = std::move(why);
  step.peer_at_fault = peer_at_fault;
  commitments_ = {};
  buffer_ = {};
  return step;
}

HeadersPresync::Step HeadersPresync::process(const std::vector<wire::BlockHeader>& headers, bool full) {
  Step step;
  if (phase_ == Phase::presync) process_presync(headers, full, step);
  else if (phase_ == Phase::redownload) process_redownload(headers, full, step);
  return step;
}

void HeadersPresync::process_presync(const std::vector<wire::BlockHeader>& headers, bool full, Step& step) {
  for (const auto& header : headers) {
    Hash256 hash;
    std::string why;
    if (!extend(presync_, header, hash, why)) {
      step = fail(std::move(step), why, true);
      return;
    }
    if (commitment_height(presync_.height)) {
      commitments_.push_back(commitment_bit(hash));
      if (commitments_.size() > max_commitments_) {
        step = fail(std::move(step), "chain longer than its timestamps allow", true);
        return;
      }
    }
    if (presync_.work >= threshold_) {
      // Enough work proven: ask for the same chain again from where it forked. The rest of this
      // message is not needed; the redownload brings it back.
      phase_ = Phase::redownload;
      step.request_more = true;
      return;
    }
  }
  if (!full) {
    step = fail(std::move(step), "chain ends below the minimum chain work", false);
    return;
  }
  step.request_more = true;
}

void HeadersPresync::process_redownload(const std::vector<wire::BlockHeader>& headers, bool full, Step& step) {
  for (const auto& header : headers) {
    Hash256 hash;
    std::string why;
    if (!extend(redownload_, header, hash, why)) {
      step = fail(std::move(step), why, true);
      return;
    }
    if (!threshold_reached_ && commitment_height(redownload_.height)) {
      if (next_commitment_ >= commitments_.size() || commitments_[next_commitment_++] != commitment_bit(hash)) {
        step = fail(std::move(step), "redownloaded headers differ from the presynced chain", true);
        return;
      }
    }
    buffer_.push_back(header);
    if (redownload_.work >= threshold_) threshold_reached_ = true;
    const std::size_t keep = threshold_reached_ ? 0 : static_cast<std::size_t>(params_.headers_sync.redownload_buffer_size);
    while (buffer_.size() > keep) {
      step.release.push_back(buffer_.front());
      buffer_.pop_front();
    }
  }
  if (threshold_reached_) {
    phase_ = Phase::done;
    commitments_ = {};
    step.request_more = full;
    return;
  }
  if (!full) {
    step = fail(std::move(step), "redownloaded chain ends before the presynced one", true);
    return;
  }
  step.request_more = true;
}

std::vector<Hash256> HeadersPresync::next_locator() const {
  const Cursor& at = phase_ == Phase::presync ? presync_ : redownload_;
  std::vector<Hash256> locator = tree_.locator(&chain_start_);
  if (at.height != chain_start_.height) locator.insert(locator.begin(), at.last_hash);
  return locator;
}

std::size_t HeadersPresync::memory_usage() const {
  return sizeof(*this) + commitments_.capacity() / 8 + buffer_.size() * sizeof(wire::BlockHeader);
}

} // namespace peregrine::sync
