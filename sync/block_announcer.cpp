#include "sync/block_announcer.hpp"

#include <algorithm>

namespace peregrine::sync {
namespace {

bool descends_from(const HeaderEntry* tip, const HeaderEntry& entry) {
  return tip && tip->ancestor(entry.height) == &entry;
}

} // namespace

void BlockAnnouncer::on_sendheaders(peer::PeerId id) {
  if (auto it = peers_announced_.find(id); it != peers_announced_.end()) it->second.prefers_headers = true;
}

void BlockAnnouncer::peer_has(peer::PeerId id, const HeaderEntry& entry) {
  auto it = peers_announced_.find(id);
  if (it == peers_announced_.end()) return;
  const HeaderEntry*& best = it->second.best_sent;
  if (!best || entry.chain_work > best->chain_work) best = &entry;
}

bool BlockAnnouncer::has_header(peer::PeerId id, const PeerAnnounce& peer, const HeaderEntry& entry) const {
  return descends_from(headers_.best_known(id), entry) || descends_from(headers_.best_sent(id), entry) ||
         descends_from(peer.best_sent, entry);
}

void BlockAnnouncer::tip_changed(const HeaderEntry& old_tip, const HeaderEntry& new_tip) {
  // The blocks that were not on our chain before, oldest first (the newest 8 at most).
  std::vector<const HeaderEntry*> blocks;
  for (const HeaderEntry* e = &new_tip; e && old_tip.ancestor(e->height) != e; e = e->prev) {
    blocks.push_back(e);
    if (static_cast<int>(blocks.size()) == kMaxBlocksToAnnounce) break;
  }
  if (blocks.empty()) return;
  std::reverse(blocks.begin(), blocks.end());
  for (auto& [id, peer] : peers_announced_) announce(id, peer, blocks);
}

void BlockAnnouncer::announce(peer::PeerId id, PeerAnnounce& peer, const std::vector<const HeaderEntry*>& blocks) {
  wire::HeadersMessage headers;
  bool use_inv = !peer.prefers_headers;
  for (const HeaderEntry* block : blocks) {
    if (use_inv) break;
    if (!headers.headers.empty()) {
      headers.headers.push_back(block->header());
    } else if (has_header(id, peer, *block)) {
      continue; // the first one it lacks starts the message
    } else if (!block->prev || has_header(id, peer, *block->prev)) {
      headers.headers.push_back(block->header());
    } else {
      use_inv = true; // nothing it could connect
    }
  }
  const HeaderEntry& tip = *blocks.back();
  if (!use_inv && !headers.headers.empty()) {
    peers_.send(id, headers);
    peer.best_sent = &tip;
  } else if (!has_header(id, peer, tip)) {
    peers_.send(id, wire::InvMessage{{{wire::InvType::block, *tip.hash}}});
  }
}

} // namespace peregrine::sync
