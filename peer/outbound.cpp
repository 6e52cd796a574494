// PeerManager: outbound connections: --connect/--addnode targets with reconnect backoff, and the
// address book's full, block-relay-only and feeler connections, one per network group.
#include <algorithm>

#include <fmt/format.h>

#include "peer/asio_address.hpp"
#include "peer/peer_manager.hpp"

namespace peregrine::peer {
void PeerManager::start_outbound() {
  auto add_targets = [&](const std::vector<std::string>& list) {
    for (const auto& text : list) add_node(text);
  };
  add_targets(config_.connect);
  add_targets(config_.addnode);
  connect_manual_targets(Clock::now());
  next_feeler_ = Clock::now() + config_.timeouts.feeler_interval;
}

void PeerManager::add_node(const std::string& text) {
  auto target = parse_host_port(text, config_.default_port);
  if (!target) {
    log_.error("peer", "ignoring '{}': not HOST[:PORT]", text);
    return;
  }
  for (const auto& existing : manual_) {
    if (existing.target == *target) return;
  }
  manual_.push_back(ManualTarget{*target, std::nullopt, 0, Clock::now()});
}

void PeerManager::connect_manual_targets(Clock::time_point now) {
  for (std::size_t i = 0; i < manual_.size(); ++i) {
    ManualTarget& target = manual_[i];
    if (target.peer || now < target.next_attempt) continue;
    // Mark as in progress until the resolve+connect coroutine creates (or fails to create) a peer.
    target.peer = 0;
    target.next_attempt = now + config_.timeouts.reconnect_max;
    asio::co_spawn(io_, resolve_and_connect(i), asio::detached);
  }
}

asio::awaitable<void> PeerManager::resolve_and_connect(std::size_t index) {
  HostPort target = manual_[index].target;
  tcp::resolver resolver(io_);
  error_code ec;
  auto results = co_await resolver.async_resolve(target.host, std::to_string(target.port),
                                                 no_throw(ec));
  if (index >= manual_.size()) co_return;
  ManualTarget& state = manual_[index];
  if (ec || results.empty() || !running_) {
    state.peer.reset();
    ++state.failures;
    state.next_attempt = Clock::now() + std::min<Clock::duration>(
        config_.timeouts.reconnect_max,
        config_.timeouts.reconnect_min * (1 << std::min(state.failures, 16)));
    if (running_) log_.warn("peer", "cannot resolve {}: {}", target.to_string(), ec.message());
    co_return;
  }
  tcp::endpoint endpoint = *results.begin();
  state.peer.reset();
  connect_to(ConnectionType::manual, net_address_of(endpoint.address()), endpoint.port(), index);
}

void PeerManager::connect_to(ConnectionType type, wire::NetAddress address, std::uint16_t port,
                             std::optional<std::size_t> manual_target) {
  auto ip = ip_of(address);
  if (!ip) return; // not reachable over TCP/IP (Tor, I2P, ...)
  Peer& peer = create_peer(type, address, port);
  peer.manual_target = manual_target;
  if (manual_target) manual_[*manual_target].peer = peer.id;
  if (addresses_ && !manual_target) addresses_->attempt(address, port, unix_now());
  log_.debug("peer", "connecting to {} ({})", peer.label, to_string(type));
  asio::co_spawn(io_, connect(peer.id, tcp::endpoint(*ip, port)), asio::detached);
}

asio::awaitable<void> PeerManager::connect(PeerId id, tcp::endpoint endpoint) {
  // Shared with the timeout handler, which may still be queued after this coroutine ends.
  struct Attempt {
    explicit Attempt(asio::io_context& io) : socket(io) {}
    tcp::socket socket;
    bool timed_out = false;
  };
  auto attempt = std::make_shared<Attempt>(io_);
  asio::steady_timer timeout(io_);
  timeout.expires_after(config_.timeouts.connect);
  timeout.async_wait([attempt](const error_code& ec) {
    if (ec) return; // cancelled: the connect finished first
    attempt->timed_out = true;
    error_code ignored;
    attempt->socket.close(ignored);
  });
  error_code ec;
  co_await attempt->socket.async_connect(endpoint, no_throw(ec));
  timeout.cancel();
  bool timed_out = attempt->timed_out;
  Peer* peer = find(id);
  if (!peer || !peer->state.is_open()) co_return; // closed while connecting (e.g. shutdown)
  if (timed_out || ec) {
    std::string reason = timed_out ? fmt::format("connect timed out after {} ms",
                                                 config_.timeouts.connect.count())
                                   : fmt::format("connect failed: {}", ec.message());
    log_.info("peer", "{}: {}", peer->label, reason);
    peer->state.apply(PeerEvent::disconnect, log_, peer->label);
    on_connection_closed(id, reason);
    co_return;
  }
  attach_connection(*peer, std::move(attempt->socket));
}

bool PeerManager::connected_to(const wire::NetAddress& address, std::uint16_t port) const {
  return std::any_of(peers_.begin(), peers_.end(), [&](const auto& entry) {
    return entry.second->address == address && entry.second->port == port;
  });
}

bool PeerManager::group_in_use(const wire::NetAddress& address) const {
  auto group = addrbook::net_group(address);
  return std::any_of(peers_.begin(), peers_.end(), [&](const auto& entry) {
    const Peer& p = *entry.second;
    return p.outbound() && p.type != ConnectionType::feeler && addrbook::net_group(p.address) == group;
  });
}

void PeerManager::fill_outbound_slots(Clock::time_point now) {
  if (!running_) return;
  connect_manual_targets(now);
  if (!config_.connect.empty() || !addresses_) return; // --connect: only those

  int full = 0, block_relay = 0;
  for (const auto& [id, peer] : peers_) {
    if (peer->type == ConnectionType::outbound_full) ++full;
    if (peer->type == ConnectionType::outbound_block_relay) ++block_relay;
  }
  std::int64_t unix = unix_now();
  auto open_one = [&](ConnectionType type, bool new_only) {
    // A few tries: the book may hand back addresses we cannot use right now.
    for (int attempt = 0; attempt < 10; ++attempt) {
      auto entry = addresses_->select(new_only, unix);
      if (!entry) return;
      if (bans_.is_banned(entry->address, unix) || discouraged_.contains(entry->address) ||
          group_in_use(entry->address))
        continue;
      connect_to(type, entry->address, entry->port, std::nullopt);
      return;
    }
  };
  if (full < config_.outbound_full) open_one(ConnectionType::outbound_full, false);
  if (block_relay < config_.outbound_block_relay) open_one(ConnectionType::outbound_block_relay, false);
  if (now >= next_feeler_ && full >= config_.outbound_full) {
    next_feeler_ = now + config_.timeouts.feeler_interval;
    auto entry = addresses_->select(true, unix);
    if (entry && connected_to(entry->address, entry->port)) {
      // Already talking to it: it is alive, which is all a feeler would learn.
      addresses_->good(entry->address, entry->port, unix);
    } else if (entry && !bans_.is_banned(entry->address, unix) && !discouraged_.contains(entry->address)) {
      connect_to(ConnectionType::feeler, entry->address, entry->port, std::nullopt);
    }
  }
}

} // namespace peregrine::peer
