#include "sync/coin_prefetcher.hpp"

namespace peregrine::sync {
namespace {

// Outpoints per read task: enough that queueing costs nothing next to the reads, few enough that
// the first block's coins come back while the chain thread still works on it.
constexpr std::size_t kReadsPerTask = 64;

} // namespace

CoinPrefetcher::CoinPrefetcher(const UtxoDb& db, std::size_t threads)
    : db_(db), pool_(threads > 0 ? std::make_unique<util::ThreadPool>(threads) : nullptr) {}

CoinPrefetcher::~CoinPrefetcher() {
  cancelled_->store(true);
  pool_.reset(); // the queued tasks see the flag and return at once; then the workers join
}

void CoinPrefetcher::request(std::vector<wire::OutPoint> outpoints) {
  if (!pool_ || outpoints.empty()) return;
  const std::uint64_t epoch = epoch_.load(std::memory_order_acquire);
  {
    std::lock_guard lock(mutex_);
    stats_.requested += outpoints.size();
  }
  outstanding_.fetch_add(outpoints.size(), std::memory_order_relaxed);
  for (std::size_t at = 0; at < outpoints.size(); at += kReadsPerTask) {
    const std::size_t end = std::min(outpoints.size(), at + kReadsPerTask);
    std::vector<wire::OutPoint> part(outpoints.begin() + static_cast<std::ptrdiff_t>(at),
                                     outpoints.begin() + static_cast<std::ptrdiff_t>(end));
    pool_->post([this, cancelled = cancelled_, part = std::move(part), epoch]() mutable {
      if (!cancelled->load(std::memory_order_relaxed)) read(std::move(part), epoch);
    });
  }
}

void CoinPrefetcher::read(std::vector<wire::OutPoint> outpoints, std::uint64_t epoch) {
  Batch batch;
  batch.epoch = epoch;
  batch.asked = outpoints.size();
  for (const auto& outpoint : outpoints) {
    // Reads started in an old epoch are void anyway: stop early.
    if (epoch_.load(std::memory_order_relaxed) != epoch) break;
    std::string record;
    auto found = db_.get_record(outpoint, record);
    if (!found) {
      batch.error = found.error();
      break;
    }
    if (*found) batch.coins.emplace_back(outpoint, std::move(record));
  }
  std::lock_guard lock(mutex_);
  ready_.push_back(std::move(batch));
}

std::size_t CoinPrefetcher::deliver(CoinsCache& cache) {
  std::vector<Batch> batches;
  {
    std::lock_guard lock(mutex_);
    if (ready_.empty()) return 0;
    batches.swap(ready_);
  }
  const std::uint64_t epoch = epoch_.load(std::memory_order_acquire);
  PrefetchStats delta;
  std::size_t asked = 0;
  for (auto& batch : batches) {
    asked += batch.asked;
    if (batch.epoch != epoch) {
      delta.stale += batch.coins.size();
      continue;
    }
    if (batch.error.empty()) delta.absent += batch.asked - batch.coins.size();
    for (const auto& [outpoint, record] : batch.coins) {
      if (cache.cached(outpoint)) {
        ++delta.stale; // the cache has something newer
        continue;
      }
      cache.warm_record(outpoint, ByteSpan(reinterpret_cast<const std::uint8_t*>(record.data()), record.size()));
      ++delta.found;
    }
  }
  outstanding_.fetch_sub(asked, std::memory_order_relaxed);
  std::lock_guard lock(mutex_);
  stats_.found += delta.found;
  stats_.stale += delta.stale;
  stats_.absent += delta.absent;
  return delta.found;
}

PrefetchStats CoinPrefetcher::stats() const {
  std::lock_guard lock(mutex_);
  return stats_;
}

} // namespace peregrine::sync
