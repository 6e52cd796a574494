#pragma once
// Serves the blocks we have, as Bitcoin Core does: getdata for MSG_BLOCK, MSG_WITNESS_BLOCK (and
// MSG_CMPCT_BLOCK, answered with the full block as Core answers it for all but the newest) from
// the block store, and getblocks with an inv of up to 500 hashes of our chain (the last one the
// "hashContinue": when it is fetched, an inv of our tip prompts the next getblocks).
//
// What Core declines is declined the same way: a block we do not know, have not stored or pruned,
// or that is neither on our chain nor a recently validated fork block, is ignored (Core sends no
// notfound for blocks); a pruned node (NODE_NETWORK_LIMITED only) disconnects a peer asking for
// more than 288 + 2 blocks below the tip, and once --maxuploadtarget is nearly spent, a peer asking
// for a block over a week old (UploadTarget). Transactions are always notfound (no mempool).
//
// Threads: everything here runs on the io thread but the reads. Blocks are read and framed
// (checksum and all; a non-witness request decoded and serialized without witnesses) on a small
// reader pool of its own, never on the chain thread; completions come back through `post`, which
// the node wires to the io thread. Blocks go out in the order they were asked for.
//
// Memory: a peer's getdata is worked through as its send queue empties, as Core does: no read
// starts while the queue holds more than send_buffer_bytes (Core's -maxsendbuffer, 1 MB), at most
// reads_per_peer are read ahead for one peer and max_reads for all, and while a peer's requests
// wait, its later messages wait too (PeerControl::hold_messages), so it cannot queue more than one
// getdata (50,000 items, 1.8 MB). A peer therefore costs at most its send buffer plus
// reads_per_peer blocks, and all peers' reads at most max_reads blocks.
#include <cstddef>
#include <cstdint>
#include <deque>
#include <expected>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>

#include "peer/peer_control.hpp"
#include "sync/block_store.hpp"
#include "sync/header_tree.hpp"
#include "sync/upload_target.hpp"
#include "util/log.hpp"
#include "util/thread_pool.hpp"
#include "wire/messages/getblocks.hpp"
#include "wire/messages/getdata.hpp"

namespace peregrine::sync {

// Core's NODE_NETWORK_LIMITED_MIN_BLOCKS: what a pruned node promises.
inline constexpr int kLimitedServiceBlocks = 288;
// getblocks answers at most this many hashes.
inline constexpr std::size_t kMaxGetBlocksHashes = 500;

struct BlockServerOptions {
  std::size_t send_buffer_bytes = 1'000'000; // Core's DEFAULT_MAXSENDBUFFER
  std::size_t reads_per_peer = 2;
  std::size_t max_reads = 16;                // each read holds at most one 4 MB block
  std::size_t reader_threads = 2;
  bool pruned = false;                       // we advertise NODE_NETWORK_LIMITED only
  std::uint64_t max_upload_target = 0;       // bytes per 24 h; 0: none
  std::function<std::int64_t()> unix_now;    // default: the system clock
};

struct BlockServerStats {
  std::uint64_t blocks_served = 0;
  std::uint64_t bytes_served = 0;
  std::uint64_t requests_ignored = 0;    // unknown, not stored, pruned, off our chain
  std::uint64_t peers_disconnected = 0;  // below the pruned window, historical past the target, read failures
  std::uint64_t getblocks_answered = 0;
  std::size_t reads_in_flight = 0;
  std::size_t peak_reads_in_flight = 0;
};

class BlockServer {
public:
  // Reads one stored block's bytes (BlockStore::read_block; thread-safe: called on the reader pool).
  using ReadBlock = std::function<std::expected<Bytes, std::string>(BlockPos)>;
  // Runs a task on the io thread (asio::post in the node; a queue in tests).
  using Post = std::function<void(std::function<void()>)>;
  // The tip of our validated chain (the chain worker's, an atomic): any thread.
  using ActiveTip = std::function<const HeaderEntry&()>;

  BlockServer(const HeaderTree& tree, ActiveTip tip, ReadBlock read, Post post, peer::PeerControl& peers,
              util::Logger& log, BlockServerOptions options = {});
  ~BlockServer();
  BlockServer(const BlockServer&) = delete;
  BlockServer& operator=(const BlockServer&) = delete;

  void on_getdata(peer::PeerId id, const wire::GetDataMessage& request);
  void on_getblocks(peer::PeerId id, const wire::GetBlocksMessage& request);
  // A frame went out to the peer (every message counts against the upload target).
  void on_peer_sent(peer::PeerId id, std::size_t bytes, std::size_t queued);
  void on_peer_closed(peer::PeerId id);

  // Called for each block a peer was sent (the announcer's "the peer has this header").
  std::function<void(peer::PeerId, const HeaderEntry&)> on_block_served;

  const BlockServerStats& stats() const { return stats_; }
  UploadTarget::Figures upload_figures() const { return upload_.figures(options_.unix_now()); }
  // A peer's requests not sent yet: waiting, or being read (tests, figures).
  std::size_t pending(peer::PeerId id) const;

private:
  struct Read {
    std::uint64_t seq = 0;
    const HeaderEntry* entry = nullptr;
    std::optional<Bytes> frame; // set when read; sent once every earlier read is
  };
  struct PeerServe {
    std::deque<wire::InvItem> pending; // not started: one getdata's worth at most
    std::deque<Read> reading;          // started, in request order
    std::optional<Hash256> continuation; // getblocks' last hash: fetching it prompts an inv of our tip
    bool closing = false;              // disconnected by us: nothing more is served
  };
  enum class Verdict { serve, ignore, disconnect };

  void serve(peer::PeerId id, PeerServe& peer);
  void serve_waiting();
  Verdict judge(const wire::InvItem& item, const HeaderEntry*& entry, std::string& why);
  bool relay_allowed(const HeaderEntry& entry, const HeaderEntry& tip) const;
  void start_read(peer::PeerId id, PeerServe& peer, const wire::InvItem& item, const HeaderEntry& entry);
  void on_read(peer::PeerId id, std::uint64_t seq, std::expected<Bytes, std::string> frame);
  void send_ready(peer::PeerId id, PeerServe& peer);
  void drop(peer::PeerId id, PeerServe& peer, const std::string& why);

  const HeaderTree& tree_;
  ActiveTip tip_;
  ReadBlock read_;
  Post post_;
  peer::PeerControl& peers_;
  util::Logger& log_;
  BlockServerOptions options_;
  wire::Magic magic_;
  UploadTarget upload_;
  std::map<peer::PeerId, PeerServe> peers_served_;
  std::uint64_t next_seq_ = 0;
  BlockServerStats stats_;
  std::shared_ptr<int> alive_ = std::make_shared<int>(0); // completions posted after we are gone do nothing
  util::ThreadPool readers_; // last: joined first, before anything its tasks use goes
};

} // namespace peregrine::sync
