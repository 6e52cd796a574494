#pragma once
// The IBD bottleneck report: where each thread's wall time went, and one CSV row per connected
// block with --trace. doc/sync.md explains every figure.
//
// Two threads carry the work: the feeder (sync's io thread: peers, decoding, header sync, checking
// blocks against their headers; import's reader: reading files, decoding, hashing) and the chain
// thread (block and undo writes, block checks, coin lookups, waiting for script verdicts,
// flushes). Each thread's stages add up to its wall time. The verdict weighs the chain thread's
// stages by resource; the time it waited for blocks is charged to whatever the feeder was doing
// meanwhile (waiting for the network, or its own CPU or disk work).
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <expected>
#include <filesystem>
#include <map>
#include <mutex>
#include <optional>
#include <string>
#include <unordered_map>
#include <vector>

#include "sync/block_import.hpp"
#include "sync/block_sync.hpp"
#include "sync/chain_timings.hpp"
#include "sync/chain_worker.hpp"
#include "sync/coin_prefetcher.hpp"
#include "util/json.hpp"

namespace peregrine::sync {

enum class Resource { network, cpu, disk, idle };

struct Stage {
  std::string key;   // JSON and metrics name
  std::string label; // the table's
  std::chrono::nanoseconds time{0};
  Resource resource = Resource::cpu;
};

struct ThreadProfile {
  std::string name;
  std::vector<Stage> stages;
  std::chrono::nanoseconds wall() const;
};

struct ProfileTotals {
  std::chrono::nanoseconds wall{0}; // the run's
  ThreadProfile feeder;
  ThreadProfile chain;
  ChainTimings timings; // the chain's own, with counts and the script pool's time
  unsigned script_threads = 1;
  PrefetchStats prefetch;
  std::uint64_t flushes = 0;
  // The feeder held back because the blocks waiting for the chain reached their memory bound
  // (part of its waiting), and how much of that fell during UTXO flushes.
  std::chrono::nanoseconds backpressure{0};
  std::chrono::nanoseconds backpressure_in_flush{0};
};

// The chain thread's stages from its timings and its thread's busy, waiting and idle time.
ThreadProfile chain_thread_profile(const ChainTimings& timings, const ChainThreadTimes& thread);
// Sync's io thread: BlockSync's handler time and the gaps between, with decoding taken out of them.
ThreadProfile io_thread_profile(const BlockSync& sync, std::chrono::nanoseconds deserialize);
// Import's reader thread.
ThreadProfile reader_thread_profile(const ImportTimes& times);

class IbdProfile {
public:
  IbdProfile() = default;
  ~IbdProfile();
  IbdProfile(const IbdProfile&) = delete;
  IbdProfile& operator=(const IbdProfile&) = delete;

  // --trace=FILE.csv: one row per connected block (the header row first).
  std::expected<void, std::string> open_trace(const std::filesystem::path& path);

  // Any thread: a block message was decoded (its row gets the time, and the peer that sent it; a
  // block read from a file has none).
  void block_decoded(const Hash256& hash, std::chrono::nanoseconds decode_time,
                     std::optional<peer::PeerId> from = std::nullopt);
  // Any thread: any message was decoded.
  void message_decoded(std::chrono::nanoseconds decode_time);
  // The chain thread: a connected block's figures (ChainState::on_block_traced).
  void block_traced(const BlockTrace& trace);

  std::chrono::nanoseconds deserialize_time() const;

private:
  mutable std::mutex mutex_;
  std::chrono::nanoseconds deserialize_{0};
  struct Decoded {
    std::chrono::nanoseconds time{0};
    std::optional<peer::PeerId> from; // the last sender
  };
  std::unordered_map<Hash256, Decoded> decoded_; // blocks not yet connected
  std::FILE* trace_ = nullptr;
  std::chrono::steady_clock::time_point trace_start_; // a row's elapsed_us counts from here
};

// The table printed at the end of sync and import (and on SIGUSR1).
std::string format_profile(const ProfileTotals& totals, const std::map<peer::PeerId, PeerDelivery>& deliveries = {});
util::json::Value profile_json(const ProfileTotals& totals);
// "network", "cpu" or "disk": the resource that held the chain back most.
std::string_view bottleneck(const ProfileTotals& totals);

} // namespace peregrine::sync
