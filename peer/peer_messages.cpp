// PeerManager: what happens to each received message.
#include <fmt/format.h>

#include "peer/peer_manager.hpp"

namespace peregrine::peer {
namespace {

constexpr std::size_t kDispatchBatch = 256; // messages handled before letting I/O run again

} // namespace

void PeerManager::on_message(PeerId id, wire::Message message, std::size_t wire_bytes) {
  Peer* peer = find(id);
  if (!peer || !peer->state.is_open()) return;
  peer->inbox.emplace_back(std::move(message), wire_bytes);
  peer->inbox_bytes += wire_bytes;
  if (peer->inbox_bytes > config_.limits.inbox_bytes) peer->connection->pause_reading();
  if (!peer->queued_for_dispatch && !peer->messages_held) {
    peer->queued_for_dispatch = true;
    ready_.push_back(id);
  }
  schedule_dispatch();
}

void PeerManager::hold_messages(PeerId id, bool hold) {
  Peer* peer = find(id);
  if (!peer || peer->messages_held == hold) return;
  peer->messages_held = hold;
  if (!hold && !peer->inbox.empty() && !peer->queued_for_dispatch) {
    peer->queued_for_dispatch = true;
    ready_.push_back(id);
    schedule_dispatch();
  }
}

void PeerManager::schedule_dispatch() {
  if (dispatch_scheduled_) return;
  dispatch_scheduled_ = true;
  asio::post(io_, [this] { dispatch_some(); });
}

// One message per peer per turn, so a peer flooding us cannot starve the others.
void PeerManager::dispatch_some() {
  dispatch_scheduled_ = false;
  for (std::size_t handled = 0; handled < kDispatchBatch && !ready_.empty(); ++handled) {
    PeerId id = ready_.front();
    ready_.pop_front();
    Peer* peer = find(id);
    if (!peer || peer->inbox.empty() || peer->messages_held) {
      if (peer) peer->queued_for_dispatch = false; // hold_messages(false) queues it again
      continue;
    }
    auto [message, bytes] = std::move(peer->inbox.front());
    peer->inbox.pop_front();
    peer->inbox_bytes -= bytes;
    if (peer->state.is_open()) handle(*peer, std::move(message));
    peer = find(id); // handling may have closed and removed it
    if (!peer) continue;
    if (peer->connection && peer->connection->reading_paused() &&
        peer->inbox_bytes <= config_.limits.inbox_bytes / 2) {
      peer->connection->resume_reading();
    }
    if (peer->inbox.empty() || peer->messages_held) {
      peer->queued_for_dispatch = false;
    } else {
      ready_.push_back(id);
    }
  }
  if (!ready_.empty()) schedule_dispatch();
}

void PeerManager::handle(Peer& peer, wire::Message&& message) {
  bool handshake_message = std::holds_alternative<wire::VersionMessage>(message) ||
                           std::holds_alternative<wire::VerackMessage>(message) ||
                           std::holds_alternative<wire::WtxidRelayMessage>(message) ||
                           std::holds_alternative<wire::SendAddrV2Message>(message);
  if (handshake_message || !peer.handshake->complete()) {
    handle_handshake(peer, message);
    return;
  }
  if (std::holds_alternative<wire::PingMessage>(message) ||
      std::holds_alternative<wire::PongMessage>(message)) {
    handle_ping_pong(peer, message);
  } else if (std::holds_alternative<wire::AddrMessage>(message) ||
             std::holds_alternative<wire::AddrV2Message>(message) ||
             std::holds_alternative<wire::GetAddrMessage>(message)) {
    handle_addresses(peer, message);
  } else if (const auto* c = std::get_if<wire::SendCmpctMessage>(&message)) {
    peer.compact_blocks = *c;
  } else if (const auto* f = std::get_if<wire::FeeFilterMessage>(&message)) {
    peer.fee_filter = f->fee_rate;
  } else if (handler_) {
    handler_->on_peer_message(peer.id, std::move(message));
  }
}

void PeerManager::handle_handshake(Peer& peer, const wire::Message& message) {
  auto outcome = peer.handshake->on_message(message, unix_now());
  for (const auto& m : outcome.send) queue(peer, m);
  if (outcome.offence) {
    punish(peer, *outcome.offence, fmt::format("{} during the handshake", wire::command_of(message)));
  }
  if (!peer.state.is_open()) return;
  if (outcome.disconnect) {
    close_peer(peer, *outcome.disconnect);
    return;
  }
  if (std::holds_alternative<wire::VersionMessage>(message) && !peer.outbound()) {
    // An inbound version carrying one of our own nonces: we connected to ourselves.
    std::uint64_t nonce = peer.handshake->remote().nonce;
    for (const auto& [id, other] : peers_) {
      if (other->outbound() && other->local_nonce == nonce) {
        log_.info("peer", "{} is a connection to ourselves (nonce {:016x})", peer.label, nonce);
        close_peer(peer, "connected to self");
        close_peer(*other, "connected to self");
        return;
      }
    }
  }
  if (!outcome.completed) return;

  peer.state.apply(PeerEvent::handshake_complete, log_, peer.label);
  const RemoteVersion& remote = peer.handshake->remote();
  log_.info("peer", "{} ready: {} {}, version {}, services {:#x}, height {}", peer.label,
            to_string(peer.type), remote.user_agent, remote.version, remote.services,
            remote.start_height);
  send_ping(peer, Clock::now());
  if (addresses_ && peer.outbound()) {
    addresses_->good(peer.address, peer.port, unix_now());
    addresses_->set_services(peer.address, peer.port, remote.services);
  }
  if (peer.type == ConnectionType::feeler) {
    close_peer(peer, "feeler done");
    return;
  }
  bool relays_addresses = peer.type == ConnectionType::inbound ||
                          peer.type == ConnectionType::outbound_full ||
                          peer.type == ConnectionType::manual;
  if (gossip_ && relays_addresses) {
    peer.addr_state.emplace(gossip_->new_peer(!peer.outbound(), unix_now()));
    peer.addr_state->set_wants_addrv2(remote.addrv2);
    peer.next_addr_send = Clock::now() + config_.timeouts.addr_send_interval;
    if (peer.type == ConnectionType::outbound_full) {
      peer.addr_state->on_getaddr_sent();
      queue(peer, wire::GetAddrMessage{});
    }
  }
  if (handler_) {
    handler_->on_peer_ready(PeerInfo{peer.id, peer.type, peer.address, peer.port, remote});
  }
}

void PeerManager::handle_ping_pong(Peer& peer, const wire::Message& message) {
  if (const auto* ping = std::get_if<wire::PingMessage>(&message)) {
    queue(peer, wire::PongMessage{ping->nonce});
    return;
  }
  const auto& pong = std::get<wire::PongMessage>(message);
  if (!peer.ping_nonce || pong.nonce != *peer.ping_nonce) {
    log_.debug("peer", "{} sent an unexpected pong", peer.label);
    return;
  }
  auto rtt = Clock::now() - peer.ping_sent;
  peer.rtt.add_sample(rtt);
  peer.ping_nonce.reset();
  log_.debug("peer", "{} pong after {:.3f} ms", peer.label,
             std::chrono::duration<double, std::milli>(rtt).count());
}

void PeerManager::handle_addresses(Peer& peer, const wire::Message& message) {
  // Block-relay-only and feeler connections carry no address gossip (peer.addr_state is empty).
  if (!gossip_ || !peer.addr_state) return;
  std::int64_t now = unix_now();
  if (std::holds_alternative<wire::GetAddrMessage>(message)) {
    // Inbound peers only, once per connection, from a cached sample (AddrGossip's rules).
    if (gossip_->on_getaddr(*peer.addr_state, peer.local_address, now)) send_queued_addresses(peer);
    return;
  }
  const auto& entries = std::holds_alternative<wire::AddrMessage>(message)
                            ? std::get<wire::AddrMessage>(message).entries
                            : std::get<wire::AddrV2Message>(message).entries;
  auto result = gossip_->on_addr(*peer.addr_state, entries, peer.address, now);
  // Over 1,000 entries is Core's only addr offence; an address of the wrong length makes Core's
  // decoder throw, which drops the message unpunished.
  if (result.oversized) punish(peer, Offence::oversized_addr, fmt::format("{} addresses", result.received));
  if (peer.state.is_open() && !result.to_relay.empty()) relay_addresses(peer, result.to_relay);
}

void PeerManager::relay_addresses(const Peer& origin, const std::vector<wire::AddressEntry>& fresh) {
  std::vector<addrbook::PeerId> candidates;
  for (const auto& [id, p] : peers_) {
    if (p->addr_state && p->is_ready()) candidates.push_back(id);
  }
  std::int64_t now = unix_now();
  for (const auto& entry : fresh) {
    for (addrbook::PeerId target : gossip_->relay_targets(entry, candidates, origin.id, now)) {
      if (Peer* p = find(target); p && p->addr_state) gossip_->push(*p->addr_state, entry);
    }
  }
}

void PeerManager::send_queued_addresses(Peer& peer) {
  if (!peer.addr_state) return;
  auto entries = peer.addr_state->take_to_send();
  if (entries.empty()) return;
  if (peer.addr_state->wants_addrv2()) {
    queue(peer, wire::AddrV2Message{std::move(entries)});
  } else {
    std::erase_if(entries, [](const wire::AddressEntry& e) { return !e.address.to_v1(); });
    if (!entries.empty()) queue(peer, wire::AddrMessage{std::move(entries)});
  }
}

} // namespace peregrine::peer
