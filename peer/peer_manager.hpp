#pragma once
// PeerManager: every connection of the node. It keeps the outbound target (full and
// block-relay-only peers, one per network group), honours --connect/--addnode with reconnect
// backoff, accepts inbound peers up to --maxconnections (evicting the worst when full), runs the
// handshake, ping/pong and timeouts, punishes misbehaviour as Bitcoin Core does (offence.hpp;
// discouragement, not bans), refuses setban's bans, and hands every other message
// to the MessageHandler, fairly: one message per peer per round.
//
// Everything runs on one io_context thread. Call the public functions from that thread; from
// another, asio::post them to it.
#include <chrono>
#include <cstdint>
#include <filesystem>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <random>
#include <string>
#include <vector>

#include "addrbook/addr_gossip.hpp"
#include "addrbook/address_source.hpp"
#include "peer/asio.hpp"
#include "peer/ban_list.hpp"
#include "peer/connection.hpp"
#include "peer/discouragement.hpp"
#include "peer/endpoint.hpp"
#include "peer/handshake.hpp"
#include "peer/message_handler.hpp"
#include "peer/peer_control.hpp"
#include "peer/peer.hpp"
#include "util/log.hpp"

namespace peregrine::peer {

class NatPortMapper;

struct Timeouts {
  std::chrono::milliseconds connect{5'000};
  std::chrono::milliseconds handshake{60'000};
  std::chrono::milliseconds ping_interval{120'000};
  std::chrono::milliseconds ping_timeout{20 * 60'000};  // no pong for this long: gone
  std::chrono::milliseconds inactivity{20 * 60'000};    // nothing received for this long: gone
  std::chrono::milliseconds tick{1'000};                // how often timeouts are checked
  std::chrono::milliseconds reconnect_min{1'000};       // backoff for --connect/--addnode
  std::chrono::milliseconds reconnect_max{300'000};
  std::chrono::milliseconds feeler_interval{120'000};
  std::chrono::milliseconds addr_send_interval{30'000}; // average gap between our addr messages
};

// Per-peer memory: at most one message being received (4 MB), the inbox, and the send queue;
// about 41 MB in the worst case, and only for a peer that stops reading what it asked for.
struct PeerLimits {
  std::size_t inbox_bytes = 5'000'000;     // decoded, not yet handled: stop reading above this
                                           // (Core's receive flood limit; above one 4 MB message)
  std::size_t send_queue_soft = 4'000'000; // over this: Degraded, and we stop reading the peer
  std::size_t send_queue_hard = 32'000'000; // over this: disconnect
  ConnectionLimits connection;
};

struct PeerManagerConfig {
  wire::Magic magic{};
  std::uint16_t default_port = 8333;
  std::filesystem::path datadir; // holds banlist.json; empty keeps bans in memory

  std::vector<std::string> connect; // HOST[:PORT]; when given, only these
  std::vector<std::string> addnode; // HOST[:PORT]; in addition to the address book's
  bool listen = false;
  std::string bind = "::";          // dual stack; "127.0.0.1" etc. to restrict
  std::uint16_t listen_port = 0;    // 0: the network's default port
  int max_connections = 125;
  int outbound_full = 8;
  int outbound_block_relay = 2;

  Timeouts timeouts;
  PeerLimits limits;
  double max_upload_kbps = 0; // global limits, KB/s; 0 = unlimited
  double max_download_kbps = 0;
  double peer_max_upload_kbps = 0; // per peer
  double peer_max_download_kbps = 0;

  std::int64_t ban_time = 24 * 60 * 60; // setban's default duration
  std::vector<Subnet> whitelist; // Core's noban permission: never punished
  std::size_t max_discouraged = kMaxDiscouraged;
  // Which addresses count as local (disconnected, never discouraged); nullptr: Core's rule
  // (is_local). Loopback tests narrow it to 127.0.0.1 so 127.0.0.N can stand for remote peers.
  std::function<bool(const wire::NetAddress&)> local_address;
  LocalVersion local;
  std::function<std::int32_t()> current_height; // for the version message; nullptr: local.start_height
  std::function<bool()> near_tip;               // NODE_NETWORK_LIMITED peers are enough then
  bool upnp = false;
  bool natpmp = false;
};

struct PeerSnapshot {
  PeerId id = 0;
  std::string address; // "1.2.3.4:8333"
  ConnectionType type = ConnectionType::inbound;
  PeerState state = PeerState::connecting;
  RemoteVersion version;
  double rtt_ms = -1; // -1 until the first pong
  double best_rtt_ms = -1;
  std::uint64_t bytes_sent = 0;
  std::uint64_t bytes_received = 0;
  bool misbehaved = false; // punished for an offence (it is being disconnected, unless exempt)
  double connected_seconds = 0;
  std::string degrade_reason;
  std::int64_t last_send = 0;    // unix seconds; 0 before the connection is up
  std::int64_t last_receive = 0;
  double ping_wait_ms = -1;      // a ping waiting for its pong this long; -1 when none is
};

class PeerManager : public PeerControl {
public:
  // addresses: where outbound peers come from; gossip: the addr/getaddr rules (both optional:
  // without them only --connect/--addnode targets are used and address gossip is ignored).
  PeerManager(asio::io_context& io, PeerManagerConfig config, util::Logger& log,
              addrbook::AddressSource* addresses = nullptr, addrbook::AddrGossip* gossip = nullptr,
              MessageHandler* handler = nullptr);
  ~PeerManager();
  PeerManager(const PeerManager&) = delete;
  PeerManager& operator=(const PeerManager&) = delete;

  // The layer above, when it could not be given to the constructor (it needs this manager as its
  // PeerControl). Before start().
  void set_handler(MessageHandler* handler) { handler_ = handler; }
  void start();
  // Closes every connection and stops timers; io_context::run returns once all are gone.
  void stop();
  std::optional<std::uint16_t> listening_port() const;

  void send(PeerId peer, const wire::Message& message) override;
  void disconnect(PeerId peer, const std::string& reason) override;
  // Applies the offence's outcome (header sync and block download report consensus failures here).
  void misbehaving(PeerId peer, Offence offence, const std::string& detail) override;
  // Stalling or slow, as judged by block download; or recovered.
  void set_degraded(PeerId peer, bool degraded, const std::string& reason) override;
  void send_frame(PeerId peer, Bytes frame) override;
  std::size_t send_queue_bytes(PeerId peer) const override;
  void hold_messages(PeerId peer, bool hold) override;
  void add_node(const std::string& target);

  std::vector<PeerSnapshot> snapshot() const;
  const PeerManagerConfig& config() const { return config_; }
  // The RPC ping: a ping to every ready peer now.
  void request_pings();
  std::size_t peer_count() const { return peers_.size(); }
  BanList& bans() { return bans_; }
  Discouraged& discouraged() { return discouraged_; }

private:
  struct ManualTarget {
    HostPort target;
    std::optional<PeerId> peer;
    int failures = 0;
    Clock::time_point next_attempt{};
  };

  // lifecycle (peer_manager.cpp)
  Peer& create_peer(ConnectionType type, const wire::NetAddress& address, std::uint16_t port);
  void attach_connection(Peer& peer, tcp::socket socket);
  void on_connection_closed(PeerId id, const std::string& reason);
  void close_peer(Peer& peer, const std::string& reason);
  Peer* find(PeerId id);
  const Peer* find(PeerId id) const;
  std::int64_t unix_now() const;

  // messages (peer_messages.cpp)
  void on_message(PeerId id, wire::Message message, std::size_t wire_bytes);
  void schedule_dispatch();
  void dispatch_some();
  void handle(Peer& peer, wire::Message&& message);
  void handle_handshake(Peer& peer, const wire::Message& message);
  void handle_ping_pong(Peer& peer, const wire::Message& message);
  void handle_addresses(Peer& peer, const wire::Message& message);
  void relay_addresses(const Peer& origin, const std::vector<wire::AddressEntry>& fresh);
  void send_queued_addresses(Peer& peer);
  void punish(Peer& peer, Offence offence, const std::string& detail);
  void discourage_and_disconnect(Peer& peer, std::string_view why);
  void queue(Peer& peer, const wire::Message& message);
  void queue_frame(Peer& peer, OutgoingFrame frame);
  void recover_send_budget(Peer& peer);

  // outbound (outbound.cpp)
  void start_outbound();
  void fill_outbound_slots(Clock::time_point now);
  void connect_manual_targets(Clock::time_point now);
  void connect_to(ConnectionType type, wire::NetAddress address, std::uint16_t port,
                  std::optional<std::size_t> manual_target);
  asio::awaitable<void> resolve_and_connect(std::size_t manual_target);
  asio::awaitable<void> connect(PeerId id, tcp::endpoint endpoint);
  bool group_in_use(const wire::NetAddress& address) const;
  bool connected_to(const wire::NetAddress& address, std::uint16_t port) const;

  // inbound (inbound.cpp)
  void start_listening();
  asio::awaitable<void> accept_loop();
  void accept(tcp::socket socket);
  std::optional<PeerId> pick_eviction_victim() const;

  // maintenance (maintenance.cpp)
  asio::awaitable<void> maintenance_loop();
  void check_peer(Peer& peer, Clock::time_point now);
  void send_ping(Peer& peer, Clock::time_point now);

  asio::io_context& io_;
  PeerManagerConfig config_;
  util::Logger& log_;
  addrbook::AddressSource* addresses_;
  addrbook::AddrGossip* gossip_;
  MessageHandler* handler_;
  BanList bans_;
  Discouraged discouraged_;
  Bandwidth global_bandwidth_;
  std::optional<tcp::acceptor> acceptor_;
  asio::steady_timer tick_timer_;
  std::unique_ptr<NatPortMapper> nat_;

  std::map<PeerId, std::unique_ptr<Peer>> peers_;
  std::vector<ManualTarget> manual_;
  std::deque<PeerId> ready_; // peers with messages waiting, in round-robin order
  bool dispatch_scheduled_ = false;
  PeerId next_id_ = 1;
  bool running_ = false;
  Clock::time_point next_feeler_{};
  std::mt19937_64 rng_{std::random_device{}()};
};

} // namespace peregrine::peer
