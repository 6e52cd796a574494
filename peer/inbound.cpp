// PeerManager: inbound connections: listening, bans and discouragement, and eviction when every slot is taken.
#include <algorithm>
#include <map>

#include <fmt/format.h>

#include "peer/asio_address.hpp"
#include "peer/peer_manager.hpp"

namespace peregrine::peer {
namespace {

constexpr std::size_t kProtectFastest = 4; // lowest RTT
constexpr std::size_t kProtectOldest = 4;  // longest connected

} // namespace

void PeerManager::start_listening() {
  std::uint16_t port = config_.listen_port ? config_.listen_port : config_.default_port;
  error_code ec;
  auto address = asio::ip::make_address(config_.bind, ec);
  if (ec) {
    log_.error("peer", "cannot listen: '{}' is not an IP address", config_.bind);
    return;
  }
  tcp::endpoint endpoint(address, port);
  acceptor_.emplace(io_);
  acceptor_->open(endpoint.protocol(), ec);
  if (!ec && address.is_v6()) acceptor_->set_option(asio::ip::v6_only(false), ec); // dual stack
  if (!ec) acceptor_->set_option(tcp::acceptor::reuse_address(true), ec);
  if (!ec) acceptor_->bind(endpoint, ec);
  if (!ec) acceptor_->listen(asio::socket_base::max_listen_connections, ec);
  if (ec && config_.bind == "::") {
    // No IPv6 on this host: IPv4 only.
    acceptor_.reset();
    config_.bind = "0.0.0.0";
    start_listening();
    return;
  }
  if (ec) {
    log_.error("peer", "cannot listen on {}: {}", endpoint.port(), ec.message());
    acceptor_.reset();
    return;
  }
  log_.info("peer", "listening on {}:{}", config_.bind, *listening_port());
  asio::co_spawn(io_, accept_loop(), asio::detached);
}

asio::awaitable<void> PeerManager::accept_loop() {
  while (running_ && acceptor_ && acceptor_->is_open()) {
    error_code ec;
    tcp::socket socket = co_await acceptor_->async_accept(no_throw(ec));
    if (ec) {
      if (!running_ || ec == asio::error::operation_aborted) break;
      log_.warn("peer", "accept failed: {}", ec.message());
      continue;
    }
    accept(std::move(socket));
  }
}

void PeerManager::accept(tcp::socket socket) {
  error_code ec;
  tcp::endpoint remote = socket.remote_endpoint(ec);
  if (ec) return;
  wire::NetAddress address = net_address_of(remote.address());
  bool whitelisted = std::any_of(config_.whitelist.begin(), config_.whitelist.end(),
                                 [&](const Subnet& s) { return s.contains(address); });
  if (!whitelisted && bans_.is_banned(address, unix_now())) {
    log_.info("peer", "refused inbound {}:{}: banned", address.to_string(), remote.port());
    socket.close(ec);
    return;
  }
  int outbound_slots = config_.outbound_full + config_.outbound_block_relay + 1; // + a feeler
  int inbound_slots = std::max(0, config_.max_connections - outbound_slots);
  int inbound = static_cast<int>(std::count_if(peers_.begin(), peers_.end(),
                                               [](const auto& e) { return !e.second->outbound(); }));
  // Core's rule: a discouraged address gets in only while more than one inbound slot is free,
  // and is the first evicted afterwards.
  const bool discouraged = !whitelisted && discouraged_.contains(address);
  if (discouraged && inbound + 1 >= inbound_slots) {
    log_.info("peer", "refused inbound {}:{}: discouraged", address.to_string(), remote.port());
    socket.close(ec);
    return;
  }
  if (inbound >= inbound_slots) {
    auto victim = inbound_slots > 0 ? pick_eviction_victim() : std::nullopt;
    if (!victim) {
      log_.info("peer", "refused inbound {}:{}: no free slot", address.to_string(), remote.port());
      socket.close(ec);
      return;
    }
    disconnect(*victim, "evicted to make room for a new inbound peer");
  }
  Peer& peer = create_peer(ConnectionType::inbound, address, remote.port());
  peer.whitelisted = whitelisted;
  peer.prefer_evict = discouraged;
  log_.debug("peer", "accepted {}", peer.label);
  attach_connection(peer, std::move(socket));
}

// Protect the fastest and the longest-connected inbound peers (an attacker can fake neither
// cheaply); of the rest, only the discouraged ones if there are any (Core's m_prefer_evict); then
// the youngest peer of the most crowded network group.
std::optional<PeerId> PeerManager::pick_eviction_victim() const {
  std::vector<const Peer*> candidates;
  for (const auto& [id, peer] : peers_) {
    if (!peer->outbound() && !peer->whitelisted && peer->state.is_open()) candidates.push_back(peer.get());
  }
  auto protect = [&](std::size_t count, auto better) {
    std::sort(candidates.begin(), candidates.end(), better);
    candidates.erase(candidates.begin(),
                     candidates.begin() + static_cast<std::ptrdiff_t>(std::min(count, candidates.size())));
  };
  protect(kProtectFastest, [](const Peer* a, const Peer* b) {
    auto rtt = [](const Peer* p) { return p->rtt.has_sample() ? p->rtt.best() : Clock::duration::max(); };
    return rtt(a) < rtt(b);
  });
  protect(kProtectOldest, [](const Peer* a, const Peer* b) { return a->created < b->created; });
  if (candidates.empty()) return std::nullopt;

  if (std::any_of(candidates.begin(), candidates.end(), [](const Peer* p) { return p->prefer_evict; }))
    std::erase_if(candidates, [](const Peer* p) { return !p->prefer_evict; });

  std::map<std::vector<std::uint8_t>, std::vector<const Peer*>> groups;
  for (const Peer* p : candidates) groups[addrbook::net_group(p->address)].push_back(p);
  auto crowded = std::max_element(groups.begin(), groups.end(), [](const auto& a, const auto& b) {
    return a.second.size() < b.second.size();
  });
  const auto& members = crowded->second;
  return (*std::max_element(members.begin(), members.end(), [](const Peer* a, const Peer* b) {
    return a->created < b->created;
  }))->id;
}

} // namespace peregrine::peer
