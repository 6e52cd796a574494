#include "peer/blocking_client.hpp"

#include <poll.h>
#include <sys/socket.h>

#include <algorithm>

namespace peregrine::peer {

using namespace std::chrono_literals;

namespace {

// Asio's blocking reads ignore SO_RCVTIMEO (they poll without a timeout), so read natively.
// Returns false on timeout, error or end of stream.
bool read_exact(int fd, std::uint8_t* out, std::size_t size, std::chrono::steady_clock::time_point deadline) {
  while (size > 0) {
    auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - std::chrono::steady_clock::now());
    if (left.count() <= 0) return false;
    pollfd p{fd, POLLIN, 0};
    if (poll(&p, 1, static_cast<int>(left.count())) <= 0) return false;
    ssize_t n = recv(fd, out, size, 0);
    if (n <= 0) return false;
    out += n;
    size -= static_cast<std::size_t>(n);
  }
  return true;
}

} // namespace

BlockingClient::BlockingClient(wire::Magic magic, std::uint16_t port, const char* from)
    : socket_(io_), magic_(magic) {
  socket_.open(tcp::v4());
  socket_.bind(tcp::endpoint(asio::ip::make_address(from), 0));
  socket_.connect(tcp::endpoint(asio::ip::make_address("127.0.0.1"), port));
  socket_.set_option(tcp::no_delay(true));
}

BlockingClient::~BlockingClient() {
  error_code ec;
  socket_.close(ec);
}

void BlockingClient::send_bytes(ByteSpan bytes) {
  error_code ec;
  asio::write(socket_, asio::buffer(bytes.data(), bytes.size()), ec);
}

void BlockingClient::send_message(const wire::Message& message) {
  send_bytes(wire::encode_message(magic_, message));
}

std::optional<BlockingClient::Frame> BlockingClient::read_frame(std::chrono::milliseconds timeout) {
  auto deadline = std::chrono::steady_clock::now() + timeout;
  int fd = socket_.native_handle();
  Bytes header(wire::kMessageHeaderSize);
  if (!read_exact(fd, header.data(), header.size(), deadline)) return std::nullopt;
  auto h = wire::decode_message_header(header, magic_);
  if (!h) return std::nullopt;
  Frame frame{std::move(*h), Bytes(h->payload_size)};
  if (!read_exact(fd, frame.payload.data(), frame.payload.size(), deadline)) return std::nullopt;
  return frame;
}

std::optional<wire::Message> BlockingClient::read_message(std::chrono::milliseconds timeout) {
  auto frame = read_frame(timeout);
  if (!frame) return std::nullopt;
  auto m = wire::decode_message(frame->header.command, frame->payload);
  if (!m) return std::nullopt;
  return std::move(*m);
}

bool BlockingClient::handshake(std::uint64_t nonce, std::uint64_t services) {
  wire::VersionMessage v;
  v.version = 70016;
  v.services = services;
  v.timestamp = std::chrono::duration_cast<std::chrono::seconds>(
                    std::chrono::system_clock::now().time_since_epoch()).count();
  v.nonce = nonce;
  v.user_agent = "/test:1/";
  v.relay = false;
  send_message(v);
  bool version = false, verack = false;
  auto deadline = std::chrono::steady_clock::now() + 5s;
  while (!(version && verack) && std::chrono::steady_clock::now() < deadline) {
    auto m = read_message(2s);
    if (!m) return false;
    version = version || std::holds_alternative<wire::VersionMessage>(*m);
    verack = verack || std::holds_alternative<wire::VerackMessage>(*m);
  }
  if (!(version && verack)) return false;
  send_message(wire::VerackMessage{});
  return true;
}

bool BlockingClient::wait_closed(std::chrono::milliseconds timeout) {
  auto deadline = std::chrono::steady_clock::now() + timeout;
  int fd = socket_.native_handle();
  std::uint8_t buffer[4096];
  while (std::chrono::steady_clock::now() < deadline) {
    auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - std::chrono::steady_clock::now());
    pollfd p{fd, POLLIN, 0};
    if (poll(&p, 1, static_cast<int>(std::max<long long>(left.count(), 1))) <= 0) continue;
    ssize_t n = recv(fd, buffer, sizeof buffer, 0); // discard whatever the node still sends
    if (n <= 0) return true;
  }
  return false;
}

} // namespace peregrine::peer
