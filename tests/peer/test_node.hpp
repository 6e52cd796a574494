#pragma once
// Test support for the peer layer: a PeerManager running on its own io thread (TestNode), a raw
// blocking socket that speaks or abuses the protocol (RawPeer), and log capture.
#include <atomic>
#include <chrono>
#include <condition_variable>
#include <functional>
#include <future>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "peer/asio.hpp"
#include "peer/blocking_client.hpp"
#include "peer/message_handler.hpp"
#include "peer/peer_manager.hpp"
#include "util/log.hpp"

namespace peregrine::test {

inline constexpr wire::Magic kRegtestMagic = {0xfa, 0xbf, 0xb5, 0xda};

// Collects log lines from any thread; tests wait for a line to appear.
class LogCapture {
public:
  util::Logger::Sink sink();
  bool wait_for(const std::string& needle, std::chrono::milliseconds timeout = std::chrono::seconds(10));
  bool contains(const std::string& needle) const;
  std::vector<std::string> lines() const;

private:
  mutable std::mutex mutex_;
  std::condition_variable changed_;
  std::vector<std::string> lines_;
};

// Records what the peer manager hands to the layer above.
class RecordingHandler : public peer::MessageHandler {
public:
  void on_peer_ready(const peer::PeerInfo& info) override;
  void on_peer_message(peer::PeerId id, wire::Message&& message) override;
  void on_peer_closed(peer::PeerId id) override;
  void on_peer_sent(peer::PeerId, std::size_t bytes, std::size_t) override { sent_bytes_ += bytes; }
  std::vector<std::string> commands() const;
  std::size_t sent_bytes() const { return sent_bytes_; }
  std::vector<wire::Message> messages() const;
  std::size_t ready_count() const;
  std::size_t closed_count() const;

private:
  mutable std::mutex mutex_;
  std::vector<wire::Message> messages_;
  std::size_t ready_ = 0;
  std::size_t closed_ = 0;
  std::atomic<std::size_t> sent_bytes_ = 0;
};

// Polls p until it holds or the timeout passes; returns its last answer.
template <class Predicate>
bool eventually(Predicate p, std::chrono::milliseconds timeout = std::chrono::seconds(10)) {
  auto deadline = std::chrono::steady_clock::now() + timeout;
  while (std::chrono::steady_clock::now() < deadline) {
    if (p()) return true;
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  return p();
}

// Short timeouts so tests of timeouts take a second, not an hour.
peer::PeerManagerConfig test_config();

class TestNode {
public:
  // The layer above the manager (header sync, ...): built before the manager starts, given what
  // it may do to peers; it then receives peer events instead of the RecordingHandler.
  using LayerFactory =
      std::function<std::unique_ptr<peer::MessageHandler>(peer::PeerControl& peers, util::Logger& log)>;

  explicit TestNode(peer::PeerManagerConfig config = test_config(),
                    addrbook::AddressSource* addresses = nullptr,
                    addrbook::AddrGossip* gossip = nullptr, LayerFactory layer = {});
  ~TestNode();

  std::uint16_t port() const { return port_; }
  LogCapture& logs() { return logs_; }
  RecordingHandler& handler() { return handler_; }

  // Runs f on the io thread and waits for its result.
  template <class F>
  auto call(F f) -> decltype(f(std::declval<peer::PeerManager&>())) {
    std::packaged_task<decltype(f(std::declval<peer::PeerManager&>()))()> task(
        [this, &f] { return f(*manager_); });
    auto result = task.get_future();
    peer::asio::post(io_, [&task] { task(); });
    return result.get();
  }
  std::vector<peer::PeerSnapshot> snapshot();
  // Waits until the node has exactly `count` peers in a ready state.
  bool wait_for_ready_peers(std::size_t count, std::chrono::milliseconds timeout = std::chrono::seconds(10));
  bool wait_for_peer_count(std::size_t count, std::chrono::milliseconds timeout = std::chrono::seconds(10));

private:
  peer::asio::io_context io_;
  // Keeps run() going after the manager stops, so call() always has a loop to run on.
  peer::asio::executor_work_guard<peer::asio::io_context::executor_type> work_{io_.get_executor()};
  LogCapture logs_;
  util::Logger logger_;
  RecordingHandler handler_;
  // Forwards to manager_, which does not exist yet when the layer is built.
  struct ManagerControl final : peer::PeerControl {
    peer::PeerManager* manager = nullptr;
    void send(peer::PeerId id, const wire::Message& m) override { manager->send(id, m); }
    void disconnect(peer::PeerId id, const std::string& why) override { manager->disconnect(id, why); }
    void misbehaving(peer::PeerId id, peer::Offence o, const std::string& d) override { manager->misbehaving(id, o, d); }
    void set_degraded(peer::PeerId id, bool on, const std::string& why) override { manager->set_degraded(id, on, why); }
    void send_frame(peer::PeerId id, Bytes frame) override { manager->send_frame(id, std::move(frame)); }
    std::size_t send_queue_bytes(peer::PeerId id) const override { return manager->send_queue_bytes(id); }
    void hold_messages(peer::PeerId id, bool hold) override { manager->hold_messages(id, hold); }
  } control_;
  std::unique_ptr<peer::MessageHandler> layer_;
  std::unique_ptr<peer::PeerManager> manager_;
  std::uint16_t port_ = 0;
  std::thread thread_;
};

// A hand-driven peer over a blocking socket, regtest magic by default.
class RawPeer : public peer::BlockingClient {
public:
  explicit RawPeer(std::uint16_t port, const char* from = "127.0.0.1",
                   wire::Magic magic = kRegtestMagic)
      : BlockingClient(magic, port, from) {}
  bool handshake(std::uint64_t nonce = 0x1234, std::uint64_t services = 1 | 8) {
    return BlockingClient::handshake(nonce, services);
  }
};

} // namespace peregrine::test
