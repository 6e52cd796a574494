#include "peer/peer_manager.hpp"

#include <algorithm>

#include <fmt/format.h>

#include "peer/asio_address.hpp"
#include "peer/nat.hpp"

namespace peregrine::peer {
namespace {

constexpr std::string_view kSendBudget = "send queue over budget";

TokenBucket rate_limit(double kbps, Clock::time_point now) {
  if (kbps <= 0) return {};
  double bytes_per_second = kbps * 1000;
  return TokenBucket(bytes_per_second, std::max(bytes_per_second, 256.0 * 1024), now);
}

double milliseconds(Clock::duration d) { return std::chrono::duration<double, std::milli>(d).count(); }

} // namespace

std::string_view to_string(ConnectionType type) {
  switch (type) {
  case ConnectionType::inbound: return "inbound";
  case ConnectionType::outbound_full: return "outbound-full";
  case ConnectionType::outbound_block_relay: return "block-relay-only";
  case ConnectionType::manual: return "manual";
  case ConnectionType::feeler: return "feeler";
  }
  return "?";
}

PeerManager::PeerManager(asio::io_context& io, PeerManagerConfig config, util::Logger& log,
                         addrbook::AddressSource* addresses, addrbook::AddrGossip* gossip,
                         MessageHandler* handler)
    : io_(io), config_(std::move(config)), log_(log), addresses_(addresses), gossip_(gossip),
      handler_(handler),
      bans_(config_.datadir.empty() ? std::filesystem::path() : config_.datadir / "banlist.json",
            log, std::chrono::duration_cast<std::chrono::seconds>(
                     std::chrono::system_clock::now().time_since_epoch()).count()),
      discouraged_(config_.max_discouraged), tick_timer_(io) {
  auto now = Clock::now();
  global_bandwidth_.upload = rate_limit(config_.max_upload_kbps, now);
  global_bandwidth_.download = rate_limit(config_.max_download_kbps, now);
}

PeerManager::~PeerManager() = default;

std::int64_t PeerManager::unix_now() const {
  return std::chrono::duration_cast<std::chrono::seconds>(
             std::chrono::system_clock::now().time_since_epoch()).count();
}

void PeerManager::start() {
  running_ = true;
  if (config_.listen) start_listening();
  start_outbound();
  asio::co_spawn(io_, maintenance_loop(), asio::detached);
  if (acceptor_ && (config_.upnp || config_.natpmp)) {
    nat_ = std::make_unique<NatPortMapper>(*listening_port(), config_.upnp, config_.natpmp, log_);
  }
}

void PeerManager::stop() {
  if (!running_) return;
  running_ = false;
  tick_timer_.cancel();
  if (acceptor_) {
    error_code ec;
    acceptor_->close(ec);
  }
  nat_.reset(); // removes the port mapping
  std::vector<PeerId> ids;
  for (const auto& [id, peer] : peers_) ids.push_back(id);
  for (PeerId id : ids) {
    if (Peer* peer = find(id)) close_peer(*peer, "shutting down");
  }
}

std::optional<std::uint16_t> PeerManager::listening_port() const {
  if (!acceptor_ || !acceptor_->is_open()) return std::nullopt;
  error_code ec;
  auto endpoint = acceptor_->local_endpoint(ec);
  if (ec) return std::nullopt;
  return endpoint.port();
}

Peer& PeerManager::create_peer(ConnectionType type, const wire::NetAddress& address,
                               std::uint16_t port) {
  auto peer = std::make_unique<Peer>();
  peer->id = next_id_++;
  peer->type = type;
  peer->address = address;
  peer->port = port;
  peer->endpoint = address.is(wire::NetworkId::ipv6)
                       ? fmt::format("[{}]:{}", address.to_string(), port)
                       : fmt::format("{}:{}", address.to_string(), port);
  peer->label = fmt::format("peer {} {}", peer->id, peer->endpoint);
  peer->whitelisted = std::any_of(config_.whitelist.begin(), config_.whitelist.end(),
                                  [&](const Subnet& s) { return s.contains(address); });
  peer->created = Clock::now();
  peer->local_nonce = rng_();
  Peer& ref = *peer;
  peers_.emplace(ref.id, std::move(peer));
  return ref;
}

void PeerManager::attach_connection(Peer& peer, tcp::socket socket) {
  auto now = Clock::now();
  PeerId id = peer.id;
  error_code ec;
  auto local_endpoint = socket.local_endpoint(ec);
  if (!ec) peer.local_address = net_address_of(local_endpoint.address());
  Connection::Callbacks callbacks;
  callbacks.on_message = [this, id](wire::Message m, std::size_t bytes, std::chrono::nanoseconds decode_time) {
    if (handler_) handler_->on_message_decoded(id, m, bytes, decode_time);
    on_message(id, std::move(m), bytes);
  };
  callbacks.on_unknown_command = [this, id](const std::string& command) {
    if (Peer* p = find(id)) log_.debug("peer", "{} sent unknown command '{}'", p->label, command);
  };
  callbacks.on_offence = [this, id](Offence offence, const std::string& detail) {
    if (Peer* p = find(id)) punish(*p, offence, detail);
  };
  callbacks.on_closed = [this, id](const std::string& reason) { on_connection_closed(id, reason); };
  callbacks.on_sent = [this, id](std::size_t bytes) {
    Peer* p = find(id);
    if (!p) return;
    recover_send_budget(*p);
    if (handler_ && p->is_ready()) handler_->on_peer_sent(id, bytes, p->connection->send_queue_bytes());
  };

  Bandwidth own{rate_limit(config_.peer_max_upload_kbps, now),
                rate_limit(config_.peer_max_download_kbps, now)};
  peer.connection = std::make_shared<Connection>(std::move(socket), config_.magic,
                                                 config_.limits.connection, global_bandwidth_,
                                                 std::move(own), std::move(callbacks));
  peer.state.apply(PeerEvent::connected, log_, peer.label);
  peer.handshake_deadline = now + config_.timeouts.handshake;

  Handshake::Options options;
  options.inbound = !peer.outbound();
  options.require_sync_services = peer.type == ConnectionType::outbound_full ||
                                  peer.type == ConnectionType::outbound_block_relay ||
                                  peer.type == ConnectionType::manual;
  options.near_tip = config_.near_tip && config_.near_tip();
  LocalVersion local = config_.local;
  if (config_.current_height) local.start_height = config_.current_height();
  wire::ServiceAddress them;
  them.address = peer.address;
  them.port = peer.port;
  peer.handshake.emplace(options, std::move(local), peer.local_nonce, them);
  peer.connection->start();
  for (const auto& m : peer.handshake->start(unix_now())) queue(peer, m);
}

void PeerManager::queue(Peer& peer, const wire::Message& message) {
  queue_frame(peer, {wire::encode_message(config_.magic, message), priority_of(wire::command_of(message))});
}

void PeerManager::queue_frame(Peer& peer, OutgoingFrame frame) {
  if (!peer.connection || !peer.connection->is_open()) return;
  peer.connection->send_frame(std::move(frame));
  std::size_t queued = peer.connection->send_queue_bytes();
  if (queued > config_.limits.send_queue_hard) {
    close_peer(peer, fmt::format("send queue over {} bytes", config_.limits.send_queue_hard));
  } else if (queued > config_.limits.send_queue_soft && peer.state.state() == PeerState::active) {
    set_degraded(peer.id, true, std::string(kSendBudget));
    peer.connection->pause_reading(); // a peer that does not read gets nothing more read from it
  }
}

void PeerManager::send(PeerId id, const wire::Message& message) {
  if (Peer* peer = find(id); peer && peer->state.is_open()) queue(*peer, message);
}

// Reading resumes as soon as the queue has drained to half the budget: a peer downloading large
// blocks, whose queue goes over it now and then, waits for nothing.
void PeerManager::recover_send_budget(Peer& peer) {
  if (peer.degrade_reason != kSendBudget || peer.connection->send_queue_bytes() > config_.limits.send_queue_soft / 2)
    return;
  set_degraded(peer.id, false, "");
  if (peer.inbox_bytes <= config_.limits.inbox_bytes / 2) peer.connection->resume_reading();
}

void PeerManager::send_frame(PeerId id, Bytes frame) {
  if (Peer* peer = find(id); peer && peer->state.is_open()) queue_frame(*peer, {std::move(frame), Priority::chain});
}

std::size_t PeerManager::send_queue_bytes(PeerId id) const {
  const Peer* peer = find(id);
  return peer && peer->connection ? peer->connection->send_queue_bytes() : 0;
}

void PeerManager::close_peer(Peer& peer, const std::string& reason) {
  if (!peer.state.is_open()) return;
  peer.state.apply(PeerEvent::disconnect, log_, peer.label);
  log_.info("peer", "disconnecting {}: {}", peer.label, reason);
  if (peer.connection) {
    peer.connection->close(reason); // on_connection_closed follows once its loops end
  } else {
    // Still connecting: the connect coroutine sees the state and gives up.
    PeerId id = peer.id;
    asio::post(io_, [this, id, reason] { on_connection_closed(id, reason); });
  }
}

void PeerManager::disconnect(PeerId id, const std::string& reason) {
  if (Peer* peer = find(id)) close_peer(*peer, reason);
}

void PeerManager::on_connection_closed(PeerId id, const std::string& reason) {
  auto it = peers_.find(id);
  if (it == peers_.end()) return;
  Peer& peer = *it->second;
  if (peer.state.is_open()) {
    peer.state.apply(PeerEvent::disconnect, log_, peer.label);
    log_.info("peer", "{} disconnected: {}", peer.label, reason);
  }
  peer.state.apply(PeerEvent::closed, log_, peer.label);
  bool was_ready = peer.handshake && peer.handshake->complete();
  if (was_ready && handler_) handler_->on_peer_closed(id);
  if (was_ready && addresses_ && peer.outbound()) addresses_->connected(peer.address, peer.port, unix_now());
  if (peer.manual_target && *peer.manual_target < manual_.size()) {
    ManualTarget& target = manual_[*peer.manual_target];
    target.peer.reset();
    if (!was_ready) ++target.failures;
    auto delay = std::min<Clock::duration>(config_.timeouts.reconnect_max,
                                           config_.timeouts.reconnect_min * (1 << std::min(target.failures, 16)));
    target.next_attempt = Clock::now() + (was_ready ? config_.timeouts.reconnect_min : delay);
    if (was_ready) target.failures = 0;
  }
  std::erase(ready_, id);
  peers_.erase(it);
}

void PeerManager::misbehaving(PeerId id, Offence offence, const std::string& detail) {
  if (Peer* peer = find(id)) punish(*peer, offence, detail);
}

// Core's Misbehaving + MaybeDiscourageAndDisconnect, without scores: one offence is enough.
void PeerManager::punish(Peer& peer, Offence offence, const std::string& detail) {
  const OffenceInfo& info = offence_info(offence);
  Outcome outcome = info.outcome;
  if (outcome == Outcome::discourage_outbound) outcome = peer.outbound() ? Outcome::discourage : Outcome::ignore;
  switch (outcome) {
  case Outcome::ignore:
    log_.debug("peer", "{} ignored: {}: {}", peer.label, info.name, detail);
    return;
  case Outcome::drop_message:
    log_.info("peer", "{} sent a message we dropped: {}: {}", peer.label, info.name, detail);
    return;
  case Outcome::disconnect:
    // The stream or the peer cannot be used; that proves no malice, so whoever it is goes, even a
    // whitelisted or manual peer (Core sets fDisconnect for these regardless of permissions).
    log_.info("peer", "{} {}: {}", peer.label, info.name, detail);
    close_peer(peer, fmt::format("{}: {}", info.name, detail));
    return;
  case Outcome::discourage:
  case Outcome::discourage_outbound:
    break;
  }
  log_.warn("peer", "{} misbehaving: {}: {}", peer.label, info.name, detail);
  peer.misbehaved = true;
  discourage_and_disconnect(peer, info.name);
}

void PeerManager::discourage_and_disconnect(Peer& peer, std::string_view why) {
  if (peer.whitelisted) {
    log_.warn("peer", "not punishing whitelisted (noban) {}", peer.label);
    return;
  }
  if (peer.type == ConnectionType::manual) {
    log_.warn("peer", "not punishing manually connected {}", peer.label);
    return;
  }
  if (config_.local_address ? config_.local_address(peer.address) : is_local(peer.address)) {
    log_.warn("peer", "disconnecting but not discouraging local {}", peer.label);
    close_peer(peer, fmt::format("misbehaving: {}", why));
    return;
  }
  discouraged_.add(peer.address);
  log_.info("peer", "discouraged {}: {}", peer.address.to_string(), why);
  // Core disconnects every connection from the address (DisconnectNode(addr)), except those it
  // would not punish itself.
  std::vector<PeerId> same;
  for (const auto& [id, other] : peers_)
    if (other->address == peer.address && !other->whitelisted && other->type != ConnectionType::manual) same.push_back(id);
  for (PeerId id : same)
    if (Peer* p = find(id)) close_peer(*p, fmt::format("misbehaving: {}", why));
}

void PeerManager::set_degraded(PeerId id, bool degraded, const std::string& reason) {
  Peer* peer = find(id);
  if (!peer || !peer->state.is_open()) return;
  PeerState state = peer->state.state();
  if (degraded && (state == PeerState::active || state == PeerState::degraded)) {
    peer->state.apply(PeerEvent::degrade, log_, peer->label);
    peer->degrade_reason = reason;
    log_.info("peer", "{} degraded: {}", peer->label, reason);
  } else if (!degraded && state == PeerState::degraded) {
    peer->state.apply(PeerEvent::recover, log_, peer->label);
    peer->degrade_reason.clear();
    log_.info("peer", "{} recovered", peer->label);
  }
}

Peer* PeerManager::find(PeerId id) {
  auto it = peers_.find(id);
  return it == peers_.end() ? nullptr : it->second.get();
}

const Peer* PeerManager::find(PeerId id) const {
  auto it = peers_.find(id);
  return it == peers_.end() ? nullptr : it->second.get();
}

std::vector<PeerSnapshot> PeerManager::snapshot() const {
  std::vector<PeerSnapshot> out;
  auto now = Clock::now();
  for (const auto& [id, peer] : peers_) {
    PeerSnapshot s;
    s.id = id;
    s.address = peer->endpoint;
    s.type = peer->type;
    s.state = peer->state.state();
    if (peer->handshake) s.version = peer->handshake->remote();
    if (peer->rtt.has_sample()) {
      s.rtt_ms = milliseconds(peer->rtt.average());
      s.best_rtt_ms = milliseconds(peer->rtt.best());
    }
    if (peer->connection) {
      const auto& stats = peer->connection->stats();
      s.bytes_sent = stats.bytes_sent;
      s.bytes_received = stats.bytes_received;
      // The steady clock's instants as unix seconds, for Core's lastsend and lastrecv.
      auto unix_of = [&](Clock::time_point t) {
        return unix_now() - std::chrono::duration_cast<std::chrono::seconds>(now - t).count();
      };
      s.last_send = unix_of(stats.last_send);
      s.last_receive = unix_of(stats.last_receive);
    }
    if (peer->ping_nonce) s.ping_wait_ms = milliseconds(now - peer->ping_sent);
    s.misbehaved = peer->misbehaved;
    s.connected_seconds = milliseconds(now - peer->created) / 1000;
    s.degrade_reason = peer->degrade_reason;
    out.push_back(std::move(s));
  }
  return out;
}

} // namespace peregrine::peer
