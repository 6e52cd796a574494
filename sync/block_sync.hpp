#pragma once
// Block sync: the layer between the peer manager and the chain. Header messages go to HeaderSync;
// getdata and getblocks to the BlockServer (when there is one); new tips are announced to peers
// (BlockAnnouncer) once out of initial block download;
// BlockDownload decides which blocks to ask which peer for (witness blocks, a moving window, stall
// timeouts); blocks that arrive are checked against their header and handed by move to the chain
// thread (ChainWorker), and their senders scored when a block proves invalid. The same path follows
// new blocks after initial sync: an announcement moves the best header and the window fetches the
// block.
//
// Runs on the io thread. The chain works on its own thread: what it did comes back through
// on_chain_progress() (the worker's notification, posted to the io thread), when this layer moves
// the download window, invalidates failed blocks in the tree and scores their senders. Blocks held
// for the chain count against the download's memory bound, so a slow chain slows the download.
#include <chrono>
#include <cstdint>
#include <functional>
#include <map>
#include <optional>
#include <string>
#include <unordered_map>

#include "peer/message_handler.hpp"
#include "peer/peer_control.hpp"
#include "sync/block_announcer.hpp"
#include "sync/block_download.hpp"
#include "sync/chain_worker.hpp"
#include "sync/header_sync.hpp"
#include "util/log.hpp"

namespace peregrine::sync {

class BlockServer;
class IbdProfile;

struct BlockSyncConfig {
  BlockDownloadOptions download;
  std::function<std::chrono::steady_clock::time_point()> now = [] { return std::chrono::steady_clock::now(); };
  std::function<std::int64_t()> unix_now;  // default: the system clock
  std::int64_t max_tip_age = 24 * 60 * 60; // Core's -maxtipage: older tips are initial download
};

// What each peer delivered, for the bottleneck report.
struct PeerDelivery {
  std::string address;
  std::uint64_t blocks = 0;
  std::uint64_t bytes = 0;
  bool connected = true;
  std::string dropped; // why we dropped or scored it, if we did
};

class BlockSync final : public peer::MessageHandler {
public:
  // store: where headers the chain invalidated are written (null: not persisted, for tests).
  BlockSync(HeaderTree& tree, HeaderSync& headers, ChainWorker& chain, HeaderStore* store, peer::PeerControl& peers,
            util::Logger& log, BlockSyncConfig config = {});

  void on_peer_ready(const peer::PeerInfo& info) override;
  void on_peer_message(peer::PeerId id, wire::Message&& message) override;
  void on_peer_closed(peer::PeerId id) override;
  void on_peer_sent(peer::PeerId id, std::size_t bytes, std::size_t queued) override;
  void on_message_decoded(peer::PeerId id, const wire::Message& message, std::size_t wire_bytes,
                          std::chrono::nanoseconds decode_time) override;
  // Often: header sync's timeouts, stalling peers, what the chain did.
  void tick();
  // The chain worker's notification, on the io thread.
  void on_chain_progress();

  // Stops the chain: the blocks queued for it are connected, scripts settled, the chain written to
  // disk (at shutdown).
  std::expected<void, std::string> finish();

  // Answers getdata and getblocks (optional; must outlive this). Before peers connect.
  void set_server(BlockServer* server);
  // Core's initialblockdownload: the tip is behind the best header or older than max_tip_age.
  bool initial_download() const;

  // Initial sync is done: headers caught up with the peers (none owes an answer) and every block of
  // the best header chain is connected.
  bool synced() const;
  // A chain error (I/O, a corrupt store): sync cannot go on; the caller should stop.
  const std::string& fatal_error() const { return fatal_; }

  const BlockDownload& download() const { return download_; }
  const std::map<peer::PeerId, PeerDelivery>& deliveries() const { return deliveries_; }
  std::uint64_t blocks_received() const { return blocks_received_; }
  std::uint64_t bytes_received() const { return bytes_received_; }
  // Checking blocks against their headers (part of the report's block checks).
  std::chrono::nanoseconds check_time() const { return check_time_; }
  // Time spent in this layer's handlers, chain work included (the report's busy time), and the
  // time between handlers, split by whether the chain was behind the best header (waiting for
  // blocks) or not (idle). Messages are received and decoded in those gaps too.
  std::chrono::nanoseconds busy_time() const { return busy_time_; }
  std::chrono::nanoseconds waiting_time() const { return waiting_time_; }
  std::chrono::nanoseconds idle_time() const { return idle_time_; }
  // Time the download was held back because the blocks waiting for the chain reached their memory
  // bound, and how much of it the chain spent flushing.
  std::chrono::nanoseconds backpressure_time() const { return backpressure_time_; }
  std::chrono::nanoseconds backpressure_in_flush() const { return backpressure_in_flush_; }
  // Where decoding times and connected blocks' figures go (optional; must outlive this).
  void set_profile(IbdProfile* profile) { profile_ = profile; }

private:
  void handle_block(peer::PeerId id, wire::BlockMessage& message);
  // Takes in what the chain did: its failures, its invalid blocks, its tip and buffered bytes.
  void sync_with_chain();
  void punish_invalid_senders(const std::vector<InvalidBlock>& invalid);
  void request_blocks();
  void refresh_peer(peer::PeerId id);
  // Scores a peer for a bad block (which disconnects it) and records why.
  void punish(peer::PeerId id, const std::string& reason);
  void drop(peer::PeerId id, const std::string& reason);

  HeaderTree& tree_;
  HeaderSync& headers_;
  ChainWorker& chain_;
  HeaderStore* store_;
  peer::PeerControl& peers_;
  util::Logger& log_;
  BlockSyncConfig config_;
  BlockDownload download_;
  BlockAnnouncer announcer_;
  BlockServer* server_ = nullptr;
  const HeaderEntry* announced_tip_ = nullptr; // the tip peers were last told about (or that we started at)
  std::map<peer::PeerId, peer::PeerInfo> ready_;
  std::map<peer::PeerId, PeerDelivery> deliveries_;
  // Who sent each block not yet connected: a block found invalid later costs its sender.
  std::unordered_map<Hash256, peer::PeerId> senders_;
  std::size_t invalid_seen_ = 0;
  std::uint64_t blocks_received_ = 0;
  std::uint64_t bytes_received_ = 0;
  std::chrono::nanoseconds check_time_{0};
  friend class BusyTimer;
  std::chrono::nanoseconds busy_time_{0};
  std::chrono::nanoseconds waiting_time_{0};
  std::chrono::nanoseconds idle_time_{0};
  std::chrono::nanoseconds backpressure_time_{0};
  std::chrono::nanoseconds backpressure_in_flush_{0};
  std::optional<std::chrono::steady_clock::time_point> held_since_; // the bound holds since
  std::chrono::steady_clock::time_point last_handled_ = std::chrono::steady_clock::now();
  bool behind_ = true; // as the last handler left it
  IbdProfile* profile_ = nullptr;
  std::string fatal_;
};

} // namespace peregrine::sync
