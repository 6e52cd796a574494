#pragma once
// The IBD bottleneck report: where the sync's wall time went (network, deserialization, checks,
// coin lookups from memory and disk, scripts, writes and flushes, idle), and one CSV row per
// connected block with --trace. doc/sync.md explains every figure.
//
// The node runs on one io thread: its wall time is the sync layer's handlers (chain work included),
// and the gaps between them, when messages are received and decoded and otherwise the thread
// waits: for blocks while the chain is behind the best header, idle when it is not.
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <expected>
#include <filesystem>
#include <map>
#include <memory>
#include <string>
#include <unordered_map>

#include "sync/block_sync.hpp"
#include "sync/chain_timings.hpp"
#include "util/json.hpp"

namespace peregrine::sync {

struct ProfileTotals {
  std::chrono::nanoseconds wall{0};
  std::chrono::nanoseconds network_wait{0}; // nothing to do while blocks were missing
  std::chrono::nanoseconds idle{0};         // nothing to do, the chain at the best header
  std::chrono::nanoseconds deserialize{0};  // checksums and decoding of received messages
  std::chrono::nanoseconds other{0};        // header sync, scheduling, peer bookkeeping
  ChainTimings chain;
  unsigned script_threads = 1;
};

class IbdProfile {
public:
  IbdProfile() = default;
  ~IbdProfile();
  IbdProfile(const IbdProfile&) = delete;
  IbdProfile& operator=(const IbdProfile&) = delete;

  // --trace=FILE.csv: one row per connected block (the header row first).
  std::expected<void, std::string> open_trace(const std::filesystem::path& path);

  // A block message was decoded (its row gets the time).
  void block_decoded(const Hash256& hash, std::chrono::nanoseconds decode_time);
  // Any message was decoded.
  void message_decoded(std::chrono::nanoseconds decode_time) { deserialize_ += decode_time; }
  // A connected block's figures (ChainState::on_block_traced).
  void block_traced(const BlockTrace& trace);

  // The split so far: chain is ChainState's timings (with block sync's checks added to its block
  // checks); the busy, waiting and idle times are BlockSync's.
  ProfileTotals totals(const ChainTimings& chain, unsigned script_threads, const BlockSync& sync) const;

private:
  std::chrono::nanoseconds deserialize_{0};
  std::unordered_map<Hash256, std::chrono::nanoseconds> decode_times_; // blocks not yet connected
  std::FILE* trace_ = nullptr;
};

// The table printed at the end of sync (and on SIGUSR1).
std::string format_profile(const ProfileTotals& totals, const std::map<peer::PeerId, PeerDelivery>& deliveries);
util::json::Value profile_json(const ProfileTotals& totals);
// "network", "cpu" or "disk": the resource that held the sync back most.
std::string_view bottleneck(const ProfileTotals& totals);

} // namespace peregrine::sync
