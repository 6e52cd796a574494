#include "sync/sync_progress.hpp"

#include <algorithm>

#include <fmt/format.h>

namespace peregrine::sync {

double transactions_after_tip(const consensus::ChainTxData& data, std::uint64_t chain_tx, std::int64_t tip_time,
                              std::int64_t now) {
  double after = 0;
  if (tip_time <= data.time) {
    after = (static_cast<double>(data.tx_count) - static_cast<double>(chain_tx)) +
            static_cast<double>(now - data.time) * data.tx_rate;
  } else {
    after = static_cast<double>(now - tip_time) * data.tx_rate;
  }
  return std::max(after, 0.0);
}

double verification_progress(const consensus::ChainTxData& data, std::uint64_t chain_tx, std::int64_t tip_time,
                             std::int64_t now) {
  if (chain_tx == 0) return 0;
  const double before = static_cast<double>(chain_tx);
  const double after = transactions_after_tip(data, chain_tx, tip_time, now);
  return std::min(before / (before + after), 1.0);
}

void RateMeter::add(Clock::time_point now, std::uint64_t blocks, std::uint64_t transactions) {
  samples_.push_back({now, blocks, transactions});
  // Keep one sample at or before the window's start, so the rate covers the whole window.
  while (samples_.size() > 2 && now - samples_[1].at >= window_) samples_.pop_front();
}

double RateMeter::rate(std::uint64_t Sample::*field) const {
  if (samples_.size() < 2) return 0;
  const Sample& first = samples_.front();
  const Sample& last = samples_.back();
  const double seconds = std::chrono::duration<double>(last.at - first.at).count();
  if (seconds <= 0 || last.*field < first.*field) return 0;
  return static_cast<double>(last.*field - first.*field) / seconds;
}

double RateMeter::blocks_per_second() const { return rate(&Sample::blocks); }
double RateMeter::transactions_per_second() const { return rate(&Sample::transactions); }

std::optional<std::chrono::seconds> estimate_eta(const consensus::ChainTxData& data, std::uint64_t chain_tx,
                                                 std::int64_t tip_time, std::int64_t now, int height, int headers,
                                                 double blocks_per_second, double transactions_per_second) {
  if (height >= headers) return std::chrono::seconds(0);
  double seconds = -1;
  if (data.tx_rate > 0 && chain_tx != 0 && transactions_per_second > 0) {
    seconds = transactions_after_tip(data, chain_tx, tip_time, now) / transactions_per_second;
  } else if (blocks_per_second > 0) {
    seconds = static_cast<double>(headers - height) / blocks_per_second;
  }
  if (seconds < 0) return std::nullopt;
  return std::chrono::seconds(static_cast<std::int64_t>(std::min(seconds, 1e9)));
}

std::string format_progress(const ProgressFigures& f) {
  std::string eta = "unknown";
  if (f.eta) {
    const auto s = f.eta->count();
    eta = fmt::format("{}:{:02}:{:02}", s / 3600, (s / 60) % 60, s % 60);
  }
  return fmt::format("height {}/{} ({:.2f}%), {:.1f} blocks/s, {:.0f} tx/s, ETA {}, {} peer{}, cache {:.1f} MiB, "
                     "{} in flight",
                     f.height, f.headers, f.progress * 100, f.blocks_per_second, f.transactions_per_second, eta,
                     f.peers, f.peers == 1 ? "" : "s", f.cache_mib, f.in_flight);
}

} // namespace peregrine::sync
