// PeerManager: the periodic tick: timeouts, pings and outbound slots.
#include <fmt/format.h>

#include "peer/peer_manager.hpp"

namespace peregrine::peer {
namespace {

long long ms(Clock::duration d) {
  return std::chrono::duration_cast<std::chrono::milliseconds>(d).count();
}

} // namespace

asio::awaitable<void> PeerManager::maintenance_loop() {
  while (running_) {
    tick_timer_.expires_after(config_.timeouts.tick);
    error_code ec;
    co_await tick_timer_.async_wait(no_throw(ec));
    if (!running_) break;
    auto now = Clock::now();
    std::vector<PeerId> ids;
    ids.reserve(peers_.size());
    for (const auto& [id, peer] : peers_) ids.push_back(id);
    for (PeerId id : ids) {
      if (Peer* peer = find(id)) check_peer(*peer, now);
    }
    fill_outbound_slots(now);
  }
}

void PeerManager::check_peer(Peer& peer, Clock::time_point now) {
  if (!peer.state.is_open() || !peer.connection) return; // still connecting: its own timeout
  const ConnectionStats& stats = peer.connection->stats();
  const Timeouts& t = config_.timeouts;

  if (!peer.handshake->complete() && now > peer.handshake_deadline) {
    close_peer(peer, fmt::format("handshake not done after {} ms", ms(t.handshake)));
    return;
  }
  if (stats.frame_started && now - *stats.frame_started > config_.limits.connection.frame_timeout) {
    punish(peer, Offence::slow_message,
           fmt::format("a message still incomplete after {} ms", ms(now - *stats.frame_started)));
    return;
  }
  if (now - stats.last_receive > t.inactivity) {
    close_peer(peer, fmt::format("nothing received for {} ms", ms(now - stats.last_receive)));
    return;
  }
  if (peer.ping_nonce && now - peer.ping_sent > t.ping_timeout) {
    close_peer(peer, fmt::format("no pong for {} ms", ms(now - peer.ping_sent)));
    return;
  }
  if (peer.is_ready() && !peer.ping_nonce && now >= peer.next_ping) send_ping(peer, now);
  if (peer.addr_state && now >= peer.next_addr_send) {
    // A random gap around the average, so the timing of our addr messages tells little.
    std::uniform_real_distribution<double> jitter(0.5, 1.5);
    peer.next_addr_send = now + std::chrono::duration_cast<Clock::duration>(
                                    config_.timeouts.addr_send_interval * jitter(rng_));
    send_queued_addresses(peer);
  }
}

void PeerManager::send_ping(Peer& peer, Clock::time_point now) {
  std::uint64_t nonce = rng_();
  peer.ping_nonce = nonce;
  peer.ping_sent = now;
  peer.next_ping = now + config_.timeouts.ping_interval;
  queue(peer, wire::PingMessage{nonce});
}

} // namespace peregrine::peer

namespace peregrine::peer {

void PeerManager::request_pings() {
  // As Core's RPC ping: every ready peer without a ping outstanding gets one now; the pong
  // updates its ping time.
  const auto now = Clock::now();
  for (auto& [id, peer] : peers_) {
    if (peer->is_ready() && !peer->ping_nonce) send_ping(*peer, now);
  }
}

} // namespace peregrine::peer
