#include "test_node.hpp"

#include <algorithm>

namespace peregrine::test {

using namespace std::chrono_literals;

util::Logger::Sink LogCapture::sink() {
  return [this](util::LogLevel level, std::string_view category, std::string_view message) {
    std::lock_guard lock(mutex_);
    lines_.push_back(fmt::format("{} [{}] {}", util::to_string(level), category, message));
    changed_.notify_all();
  };
}

bool LogCapture::wait_for(const std::string& needle, std::chrono::milliseconds timeout) {
  std::unique_lock lock(mutex_);
  return changed_.wait_for(lock, timeout, [&] {
    return std::any_of(lines_.begin(), lines_.end(),
                       [&](const std::string& l) { return l.find(needle) != std::string::npos; });
  });
}

bool LogCapture::contains(const std::string& needle) const {
  std::lock_guard lock(mutex_);
  return std::any_of(lines_.begin(), lines_.end(),
                     [&](const std::string& l) { return l.find(needle) != std::string::npos; });
}

std::vector<std::string> LogCapture::lines() const {
  std::lock_guard lock(mutex_);
  return lines_;
}

void RecordingHandler::on_peer_ready(const peer::PeerInfo&) {
  std::lock_guard lock(mutex_);
  ++ready_;
}

void RecordingHandler::on_peer_message(peer::PeerId, wire::Message&& message) {
  std::lock_guard lock(mutex_);
  messages_.push_back(message);
}

void RecordingHandler::on_peer_closed(peer::PeerId) {
  std::lock_guard lock(mutex_);
  ++closed_;
}

std::vector<std::string> RecordingHandler::commands() const {
  std::lock_guard lock(mutex_);
  std::vector<std::string> out;
  for (const auto& m : messages_) out.emplace_back(wire::command_of(m));
  return out;
}

std::vector<wire::Message> RecordingHandler::messages() const {
  std::lock_guard lock(mutex_);
  return messages_;
}

std::size_t RecordingHandler::closed_count() const {
  std::lock_guard lock(mutex_);
  return closed_;
}

std::size_t RecordingHandler::ready_count() const {
  std::lock_guard lock(mutex_);
  return ready_;
}

peer::PeerManagerConfig test_config() {
  peer::PeerManagerConfig c;
  c.magic = kRegtestMagic;
  c.default_port = 18444;
  c.listen = true;
  c.bind = "127.0.0.1";
  c.listen_port = 0; // replaced below by an ephemeral port
  c.timeouts.connect = 2s;
  c.timeouts.handshake = 3s;
  c.timeouts.tick = 50ms;
  c.timeouts.reconnect_min = 100ms;
  c.timeouts.reconnect_max = 2s;
  c.limits.connection.frame_timeout = 1500ms;
  c.timeouts.addr_send_interval = 100ms;
  return c;
}

TestNode::TestNode(peer::PeerManagerConfig config, addrbook::AddressSource* addresses,
                   addrbook::AddrGossip* gossip, LayerFactory layer)
    : logger_(logs_.sink(), util::LogLevel::debug) {
  if (config.listen && config.listen_port == 0) {
    // Pick a free port: bind to 0, read it back, release it for the manager.
    peer::tcp::acceptor probe(io_, peer::tcp::endpoint(peer::asio::ip::make_address(config.bind), 0));
    config.listen_port = probe.local_endpoint().port();
  }
  if (layer) layer_ = layer(control_, logger_);
  manager_ = std::make_unique<peer::PeerManager>(io_, std::move(config), logger_, addresses, gossip,
                                                 layer_ ? layer_.get() : &handler_);
  control_.manager = manager_.get();
  manager_->start();
  port_ = manager_->listening_port().value_or(0);
  thread_ = std::thread([this] { io_.run(); });
}

TestNode::~TestNode() {
  peer::asio::post(io_, [this] { manager_->stop(); });
  // Give closing connections a moment to finish, then stop the loop regardless.
  auto deadline = std::chrono::steady_clock::now() + 5s;
  while (std::chrono::steady_clock::now() < deadline && snapshot().size() > 0) {
    std::this_thread::sleep_for(10ms);
  }
  work_.reset();
  io_.stop();
  thread_.join();
}

std::vector<peer::PeerSnapshot> TestNode::snapshot() {
  return call([](peer::PeerManager& m) { return m.snapshot(); });
}

bool TestNode::wait_for_ready_peers(std::size_t count, std::chrono::milliseconds timeout) {
  auto deadline = std::chrono::steady_clock::now() + timeout;
  while (std::chrono::steady_clock::now() < deadline) {
    auto peers = snapshot();
    auto ready = std::count_if(peers.begin(), peers.end(), [](const peer::PeerSnapshot& s) {
      return s.state == peer::PeerState::active || s.state == peer::PeerState::degraded;
    });
    if (static_cast<std::size_t>(ready) == count) return true;
    std::this_thread::sleep_for(10ms);
  }
  return false;
}

bool TestNode::wait_for_peer_count(std::size_t count, std::chrono::milliseconds timeout) {
  auto deadline = std::chrono::steady_clock::now() + timeout;
  while (std::chrono::steady_clock::now() < deadline) {
    if (snapshot().size() == count) return true;
    std::this_thread::sleep_for(10ms);
  }
  return false;
}

} // namespace peregrine::test
