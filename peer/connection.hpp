#pragma once
// One peer's socket: a read loop that frames, checks and decodes messages, and a write loop that
// drains the priority send queue under the upload limits. Runs on the io_context thread; all
// callbacks are made there too. Framing and decoding problems are reported as offences and, when
// the offence says so, close the connection.
#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>

#include "peer/asio.hpp"
#include "peer/offence.hpp"
#include "peer/send_queue.hpp"
#include "peer/token_bucket.hpp"
#include "wire/framing.hpp"
#include "wire/message.hpp"

namespace peregrine::peer {

// Bandwidth limits shared by every connection (global), or owned by one (per peer).
struct Bandwidth {
  TokenBucket upload;
  TokenBucket download;
};

struct ConnectionLimits {
  std::chrono::milliseconds frame_timeout{120'000}; // a started message must finish in this time
  double messages_per_second = 500;                 // sustained message rate; above it reading pauses (blocks exempt)
  double message_burst = 2'000;
  double unknown_commands_per_second = 1;           // log lines about commands we do not speak
  double unknown_command_burst = 100;
};

struct ConnectionStats {
  std::uint64_t bytes_received = 0;
  std::uint64_t bytes_sent = 0;
  std::uint64_t messages_received = 0;
  std::uint64_t messages_sent = 0;
  Clock::time_point last_receive{};
  Clock::time_point last_send{};
  std::optional<Clock::time_point> frame_started; // a message is partly received
};

class Connection : public std::enable_shared_from_this<Connection> {
public:
  struct Callbacks {
    // decode_time: checksum and decoding of the payload, for the bottleneck report.
    std::function<void(wire::Message message, std::size_t wire_bytes, std::chrono::nanoseconds decode_time)> on_message;
    std::function<void(const std::string& command)> on_unknown_command;
    std::function<void(Offence offence, const std::string& detail)> on_offence;
    std::function<void(const std::string& reason)> on_closed; // once, after both loops end
    std::function<void(std::size_t bytes)> on_sent;           // a whole frame was written
  };

  Connection(tcp::socket socket, wire::Magic magic, ConnectionLimits limits, Bandwidth& global,
             Bandwidth per_peer, Callbacks callbacks);

  void start(); // spawns the loops
  void send_frame(OutgoingFrame frame);
  void close(const std::string& reason);

  // Backpressure: stop reading (the kernel buffer fills and TCP slows the sender) and resume.
  void pause_reading();
  void resume_reading();
  bool reading_paused() const { return paused_; }

  bool is_open() const { return open_; }
  const ConnectionStats& stats() const { return stats_; }
  std::size_t send_queue_bytes() const { return queue_.bytes(); }
  tcp::endpoint remote_endpoint() const { return remote_; }

private:
  asio::awaitable<void> read_loop();
  asio::awaitable<void> write_loop();
  // Reads exactly `size` bytes into `out` (appending), in chunks, metering the download limits.
  asio::awaitable<bool> read_exact(Bytes& out, std::size_t size);
  asio::awaitable<void> throttle(Bandwidth& a, Bandwidth& b, bool upload, std::size_t bytes);
  // payload: a block message takes the buffer (see wire::BlockMessage::raw).
  void handle_frame(const wire::MessageHeader& header, Bytes& payload);
  void offence(Offence offence, const std::string& detail);
  void loop_finished();
  static void wake(asio::steady_timer& signal) { signal.cancel(); }

  tcp::socket socket_;
  tcp::endpoint remote_;
  wire::Magic magic_;
  ConnectionLimits limits_;
  Bandwidth& global_;
  Bandwidth own_;
  Callbacks callbacks_;
  TokenBucket message_rate_;
  TokenBucket unknown_rate_;
  SendQueue queue_;
  asio::steady_timer write_signal_;
  asio::steady_timer resume_signal_;
  asio::steady_timer throttle_timer_;
  asio::steady_timer flood_timer_; // the read loop waits on it while a peer is over its message rate
  ConnectionStats stats_;
  bool open_ = true;
  bool paused_ = false;
  int loops_running_ = 0;
  std::string close_reason_;
};

} // namespace peregrine::peer
