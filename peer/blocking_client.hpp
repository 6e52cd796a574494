#pragma once
// A minimal synchronous P2P client for tools, benchmarks and tests: connect, send messages or raw
// bytes, read messages with a deadline, do the version handshake. Not used by the node itself.
#include <chrono>
#include <cstdint>
#include <optional>

#include "peer/asio.hpp"
#include "wire/framing.hpp"
#include "wire/message.hpp"

namespace peregrine::peer {

class BlockingClient {
public:
  // Connects to 127.0.0.1:port from the local address `from` (a 127.0.0.N, so that several
  // clients count as different peers).
  BlockingClient(wire::Magic magic, std::uint16_t port, const char* from = "127.0.0.1");
  ~BlockingClient();
  BlockingClient(const BlockingClient&) = delete;
  BlockingClient& operator=(const BlockingClient&) = delete;

  void send_bytes(ByteSpan bytes);
  void send_message(const wire::Message& message);

  struct Frame {
    wire::MessageHeader header;
    Bytes payload;
  };
  // The next framed message, undecoded; nullopt on timeout, a closed socket or a bad header.
  std::optional<Frame> read_frame(std::chrono::milliseconds timeout = std::chrono::seconds(5));
  // The next message, decoded; nullopt as above or if it does not decode.
  std::optional<wire::Message> read_message(std::chrono::milliseconds timeout = std::chrono::seconds(5));
  template <class T>
  std::optional<T> expect(std::chrono::milliseconds timeout = std::chrono::seconds(5)) {
    auto deadline = std::chrono::steady_clock::now() + timeout;
    while (std::chrono::steady_clock::now() < deadline) {
      auto m = read_message(std::chrono::duration_cast<std::chrono::milliseconds>(
          deadline - std::chrono::steady_clock::now()));
      if (!m) return std::nullopt;
      if (auto* t = std::get_if<T>(&*m)) return *t;
    }
    return std::nullopt;
  }

  // version → their version and verack → our verack. True once done.
  bool handshake(std::uint64_t nonce, std::uint64_t services = 1 | 8);
  // True if the other side closed the connection within the timeout (data is discarded).
  bool wait_closed(std::chrono::milliseconds timeout = std::chrono::seconds(10));

private:
  asio::io_context io_;
  tcp::socket socket_;
  wire::Magic magic_;
};

} // namespace peregrine::peer
