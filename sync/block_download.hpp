#pragma once
// Block download scheduler for initial block download: decides which blocks to ask which peer for.
// A pure state machine (no sockets, threads or clocks of its own): the network layer tells it what
// peers have and deliver, passes the current time in, and sends the getdata requests it returns.
//
// Behaviour follows Bitcoin Core: blocks are fetched in a moving window ahead of the validated
// tip, at most a few per peer, each only from a peer whose best header has it; a peer holding the
// window's lowest block while others sit idle is a staller and is named after an adaptive timeout.
// Unlike Core, free slots go to the fastest peers first (a per-peer delivery rate), and a bound on
// downloaded-but-unvalidated bytes stops new requests so a slow validator slows download.
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <map>
#include <optional>
#include <unordered_map>
#include <unordered_set>
#include <vector>

#include "peer/peer_control.hpp"
#include "sync/header_tree.hpp"

namespace peregrine::sync {

struct BlockDownloadOptions {
  int window = 1'024;              // blocks ahead of the validated tip that may be requested
  int max_in_flight_per_peer = 16; // Core's MAX_BLOCKS_IN_TRANSIT_PER_PEER
  // Core's BLOCK_STALLING_TIMEOUT_DEFAULT and BLOCK_STALLING_TIMEOUT_MAX.
  std::chrono::milliseconds stall_timeout_initial{2'000};
  std::chrono::milliseconds stall_timeout_max{64'000};
  // Downloaded but not yet validated bytes above which nothing new is requested. Blocks in flight
  // count against it too, at the recent blocks' average size (1 MB until one came) times the
  // memory a received block takes for each of its bytes (decoded, and its bytes kept), so many
  // peers with full blocks cannot overshoot it. 0: blocks in flight are not counted.
  std::size_t max_buffered_bytes = 64u << 20;
  std::size_t memory_per_block_byte = 4;
};

class BlockDownload {
public:
  using Clock = std::chrono::steady_clock;
  using TimePoint = Clock::time_point;

  struct Request {
    peer::PeerId peer;
    std::vector<Hash256> hashes; // lowest height first; one getdata
  };

  struct PeerStatus {
    peer::PeerId peer;
    int in_flight;
    double bytes_per_second; // 0 until the peer delivered a block
    bool stalling;           // its stall timer is running
  };

  // `tip`: the validated chain tip (the block the next one to connect builds on). The tree must
  // outlive the scheduler; its entries are read on every call.
  BlockDownload(const HeaderTree& tree, const HeaderEntry& tip, BlockDownloadOptions options = {});

  // The chain state connected up to `tip`: the window moves up (or back, after a reorg).
  void set_tip(const HeaderEntry& tip);

  // Registers a peer or updates the most-work header it is known to have (HeaderSync::best_known);
  // null: a peer with no known headers yet, which is given nothing.
  void peer_best(peer::PeerId peer, const HeaderEntry* best);
  // Forgets the peer: its blocks in flight go back to the queue. Unknown peers are ignored.
  void peer_disconnected(peer::PeerId peer);

  // Fills free slots with the lowest-height blocks of the window that are neither stored nor in
  // flight, fastest peers first; one request per peer that got anything. Also (re)starts or clears
  // the stall timer, so call it before stalled(). Nothing is handed out while buffered bytes exceed
  // the option.
  std::vector<Request> assign(TimePoint now);

  // A block arrived. Returns true when it had been requested from this peer (its request is then
  // done and the peer's rate updated); false for anything else, which is the caller's to judge (a
  // request of the same block from another peer stays in flight).
  bool block_received(peer::PeerId peer, const Hash256& hash, std::size_t bytes, TimePoint now);
  // The peer answered notfound: the block goes back to the queue and is not asked of it again.
  void not_found(peer::PeerId peer, const Hash256& hash);
  // A block passed its checks here and went to the chain, which stores it on its own thread: until
  // the tree says it is stored, it counts as stored (is never asked for again).
  void block_queued(const HeaderEntry& entry) { queued_.insert(&entry); }
  bool is_queued(const HeaderEntry& entry) const { return queued_.contains(&entry); }

  // The peer whose stall timer ran out, if any. It is then forgotten here (its blocks go back to
  // the queue; the caller disconnects it) and the stall timeout doubles, up to the maximum, so our
  // own slow link does not cost us one peer after another.
  std::optional<peer::PeerId> stalled(TimePoint now);

  // Memory bound. The caller reports the bytes of blocks downloaded but not yet validated (its
  // validation queue, which it already measures) whenever that changes.
  void set_buffered_bytes(std::size_t bytes) { buffered_bytes_ = bytes; }

  // Progress display.
  std::size_t in_flight() const { return in_flight_.size(); }
  int in_flight(peer::PeerId peer) const;
  double rate(peer::PeerId peer) const; // bytes/s, 0 when unknown
  // Blocks in the window waiting for a request (neither stored nor in flight).
  std::size_t queued() const;
  std::vector<PeerStatus> peer_status() const;
  std::chrono::milliseconds stall_timeout() const { return stall_timeout_; }
  std::size_t buffered_bytes() const { return buffered_bytes_; }
  // The memory a block in flight is expected to take once received (the recent average).
  std::size_t expected_block_memory() const;
  bool is_in_flight(const Hash256& hash) const { return in_flight_.contains(hash); }
  // The window on the best header chain: heights (window_base, window_end].
  int window_base() const { return base().height; }
  int window_end() const;

private:
  struct PeerState {
    const HeaderEntry* best = nullptr;
    std::vector<Hash256> in_flight;                  // at most max_in_flight_per_peer
    std::unordered_set<const HeaderEntry*> refused; // answered notfound
    double bytes_per_second = 0;
    bool measured = false;
    TimePoint busy_since{}; // since when the peer owes us its next block
    std::optional<TimePoint> stalling_since;
  };
  struct InFlight {
    peer::PeerId peer;
    const HeaderEntry* entry;
  };

  // The validated tip's last block on the best header chain: the window starts above it.
  const HeaderEntry& base() const;
  // The highest height of the window whose best-chain block the peer's best header has (the
  // window base or below when none).
  int shared_height(const PeerState& peer, int window_end) const;
  // Blocks of the window that can be requested, lowest first.
  std::vector<const HeaderEntry*> requestable(int window_end) const;
  // A peer with free slots that got nothing, and the highest window block it has.
  struct Starved {
    peer::PeerId peer;
    int reach;
  };
  // Starts the timer of the peer holding the window's lowest missing block when another peer that
  // has that block (`starved`) had free slots but nothing to fetch; clears every other timer.
  void update_stall_timer(const std::vector<Starved>& starved, int window_end, TimePoint now);
  void release(PeerState& state, const Hash256& hash);
  void forget(peer::PeerId peer);
  bool stored(const HeaderEntry& e) const { return e.have_data() || queued_.contains(&e); }

  const HeaderTree& tree_;
  const HeaderEntry* tip_;
  BlockDownloadOptions options_;
  std::map<peer::PeerId, PeerState> peers_;
  std::unordered_map<Hash256, InFlight> in_flight_;
  std::unordered_set<const HeaderEntry*> queued_; // handed to the chain, not yet stored
  std::chrono::milliseconds stall_timeout_;
  std::size_t buffered_bytes_ = 0;
  double average_block_bytes_ = 1'000'000; // of blocks delivered (moving average)
};

} // namespace peregrine::sync
