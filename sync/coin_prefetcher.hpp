#pragma once
// Reads the coins that upcoming blocks spend from the UTXO database on worker threads, so the
// chain thread rarely waits on LevelDB: the chain thread names the outpoints its cache lacks, the
// workers read them, and the chain thread moves what came back into its cache before it looks the
// coins up.
//
// What comes back is only as good as the database at the time of the read, and the database
// changes only when the cache is written out (or the chain disconnects blocks): each of those
// starts a new epoch, and results read in an older one are dropped. Within an epoch a result is
// put in the cache only where the cache has nothing for that outpoint: anything there (a coin
// created, spent or fetched since) is newer than the database.
#include <atomic>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <mutex>
#include <optional>
#include <utility>
#include <vector>

#include "consensus/coin.hpp"
#include "sync/coins_cache.hpp"
#include "sync/utxo_db.hpp"
#include "util/thread_pool.hpp"

namespace peregrine::sync {

struct PrefetchStats {
  std::uint64_t requested = 0; // outpoints asked for
  std::uint64_t found = 0;     // read and put in the cache in time
  std::uint64_t stale = 0;     // dropped: read before a flush, or the cache had the outpoint by then
  std::uint64_t absent = 0;    // not in the database (created since the last flush, or spent)
};

class CoinPrefetcher {
public:
  // threads: reader threads (0: none; request() then does nothing).
  CoinPrefetcher(const UtxoDb& db, std::size_t threads);
  ~CoinPrefetcher(); // drops what is queued
  CoinPrefetcher(const CoinPrefetcher&) = delete;
  CoinPrefetcher& operator=(const CoinPrefetcher&) = delete;

  // Chain thread: read these outpoints in the background.
  void request(std::vector<wire::OutPoint> outpoints);
  // Chain thread: the database is about to change (flush, disconnect): reads under way are void.
  void new_epoch() { epoch_.fetch_add(1, std::memory_order_acq_rel); }
  // Chain thread: moves what has been read into the cache. Returns how many coins went in.
  std::size_t deliver(CoinsCache& cache);

  bool enabled() const { return pool_ != nullptr; }
  PrefetchStats stats() const;
  // Reads requested but not delivered yet (queued, under way or waiting for deliver()).
  std::size_t outstanding() const { return outstanding_.load(std::memory_order_relaxed); }

private:
  struct Batch {
    std::uint64_t epoch = 0;
    // The database's records as read (the cache keeps coins in that form: nothing to decode).
    std::vector<std::pair<wire::OutPoint, std::string>> coins;
    std::size_t asked = 0;
    std::string error; // a read failed: the chain thread will read it again itself
  };
  void read(std::vector<wire::OutPoint> outpoints, std::uint64_t epoch);

  const UtxoDb& db_;
  std::unique_ptr<util::ThreadPool> pool_;
  std::shared_ptr<std::atomic<bool>> cancelled_ = std::make_shared<std::atomic<bool>>(false);
  std::atomic<std::uint64_t> epoch_{0};
  std::atomic<std::size_t> outstanding_{0};
  mutable std::mutex mutex_;
  std::vector<Batch> ready_;
  PrefetchStats stats_; // under mutex_
};

} // namespace peregrine::sync
