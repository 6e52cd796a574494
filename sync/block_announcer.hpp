#pragma once
// Tells peers about new blocks on our chain, as Bitcoin Core does: a peer that sent sendheaders
// (BIP130) gets the headers of the new blocks (at most 8, MAX_BLOCKS_TO_ANNOUNCE) when the first
// of them it lacks connects to a header it has; any other peer, or when they would not connect,
// gets an inv of the tip, unless it has that block's header already. A peer "has" a header that
// is an ancestor of one it announced to us, one we sent it (headers, announcements) or a block it
// fetched from us. The caller announces nothing during initial block download, as Core.
// Runs on the io thread.
#include <map>

#include "peer/peer_control.hpp"
#include "sync/header_sync.hpp"
#include "sync/header_tree.hpp"

namespace peregrine::sync {

// Core's MAX_BLOCKS_TO_ANNOUNCE: more new blocks than this at once are announced by inv.
inline constexpr int kMaxBlocksToAnnounce = 8;

class BlockAnnouncer {
public:
  BlockAnnouncer(const HeaderSync& headers, peer::PeerControl& peers) : headers_(headers), peers_(peers) {}

  void on_peer_ready(peer::PeerId id) { peers_announced_[id]; }
  void on_sendheaders(peer::PeerId id);
  void on_peer_closed(peer::PeerId id) { peers_announced_.erase(id); }
  // The peer has this block's header (it fetched the block from us).
  void peer_has(peer::PeerId id, const HeaderEntry& entry);
  // Our chain moved from old_tip to new_tip.
  void tip_changed(const HeaderEntry& old_tip, const HeaderEntry& new_tip);

private:
  struct PeerAnnounce {
    bool prefers_headers = false;
    const HeaderEntry* best_sent = nullptr; // the last header announced to it or fetched by it
  };
  bool has_header(peer::PeerId id, const PeerAnnounce& peer, const HeaderEntry& entry) const;
  void announce(peer::PeerId id, PeerAnnounce& peer, const std::vector<const HeaderEntry*>& blocks);

  const HeaderSync& headers_;
  peer::PeerControl& peers_;
  std::map<peer::PeerId, PeerAnnounce> peers_announced_;
};

} // namespace peregrine::sync
