#pragma once
// Headers-first sync: learns the best chain's headers from peers before any block is fetched.
// During initial sync one peer at a time is asked (getheaders with a locator, 2,000 headers per
// answer, continuing until a short answer); a peer that stops answering is dropped for another.
// Once caught up every peer is asked once, and new blocks are followed from headers
// announcements (BIP130) and block inv. Chains below the storage work threshold go through
// HeadersPresync first, so no peer can make us store a low-work chain. Runs on the io thread.
#include <chrono>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>

#include "peer/message_handler.hpp"
#include "peer/peer_control.hpp"
#include "sync/header_store.hpp"
#include "sync/header_tree.hpp"
#include "sync/headers_presync.hpp"
#include "util/log.hpp"

namespace peregrine::sync {

struct HeaderSyncConfig {
  // An initial sync peer that leaves a getheaders unanswered this long is replaced.
  std::chrono::milliseconds sync_timeout{120'000};
  std::function<std::chrono::steady_clock::time_point()> now = [] { return std::chrono::steady_clock::now(); };
  std::function<std::int64_t()> unix_now; // default: the system clock
  std::uint64_t salt = 0;                 // presync commitments; 0: random
  // A best header this recent means we are near the tip (Core's -maxtipage): every peer is then
  // asked for its headers and getheaders from peers are answered.
  std::int64_t max_tip_age = 24 * 60 * 60;
};

class HeaderSync final : public peer::MessageHandler {
public:
  // store may be null (headers then live in memory only).
  HeaderSync(HeaderTree& tree, HeaderStore* store, peer::PeerControl& peers, util::Logger& log,
             HeaderSyncConfig config = {});

  void on_peer_ready(const peer::PeerInfo& info) override;
  void on_peer_message(peer::PeerId id, wire::Message&& message) override;
  void on_peer_closed(peer::PeerId id) override;
  // Call about once a second: replaces a silent initial sync peer.
  void tick();

  // The initial sync peer answered with its last headers: the best header is as good as theirs.
  bool caught_up() const { return caught_up_; }
  // The header store's first write error (a full disk): the node should stop; nothing is retried.
  const std::string& store_failure() const { return store_failure_; }
  std::optional<peer::PeerId> sync_peer() const { return sync_peer_; }
  // Some peer has left a getheaders unanswered for less than `grace` (longer counts as "nothing
  // new": not every node answers an up-to-date locator).
  bool awaiting_headers(std::chrono::milliseconds grace) const;
  // The most-work header a peer is known to have (null if none yet), and the last header we sent it
  // in answer to getheaders (null if none).
  const HeaderEntry* best_known(peer::PeerId id) const;
  const HeaderEntry* best_sent(peer::PeerId id) const;
  std::size_t presync_memory() const;

  // Called whenever the best header changes (block download listens here).
  std::function<void(const HeaderEntry&)> on_best_header;

private:
  struct PeerSync {
    peer::PeerInfo info;
    const HeaderEntry* best_known = nullptr;
    const HeaderEntry* best_sent = nullptr;
    std::unique_ptr<HeadersPresync> presync;
    bool awaiting = false; // a getheaders is unanswered
    std::chrono::steady_clock::time_point asked_at{};
    bool timed_out = false;
    int unconnecting = 0; // headers messages in a row that did not connect
  };

  void handle_headers(PeerSync& peer, const std::vector<wire::BlockHeader>& headers);
  bool check_headers_pow(PeerSync& peer, const std::vector<wire::BlockHeader>& headers);
  void handle_inv(PeerSync& peer, const wire::InvMessage& inv);
  void serve_headers(PeerSync& peer, const wire::GetHeadersMessage& request);
  void feed_presync(PeerSync& peer, const std::vector<wire::BlockHeader>& headers, bool full);
  // Validates and stores headers; returns the last one accepted, null if none (the peer is
  // scored for an invalid one).
  const HeaderEntry* store_headers(PeerSync& peer, const std::vector<wire::BlockHeader>& headers, bool& failed);
  void request_headers(PeerSync& peer, std::vector<Hash256> locator);
  std::vector<Hash256> learning_locator() const;
  void choose_sync_peer();
  void finish_initial_sync(PeerSync& peer);
  void note_best_changed(const HeaderEntry* previous_best);

  HeaderTree& tree_;
  HeaderStore* store_;
  peer::PeerControl& peers_;
  util::Logger& log_;
  HeaderSyncConfig config_;
  std::map<peer::PeerId, PeerSync> sync_peers_;
  std::optional<peer::PeerId> sync_peer_;
  bool caught_up_ = false;
  std::string store_failure_;
};

} // namespace peregrine::sync
