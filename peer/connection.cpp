#include "peer/connection.hpp"

#include <algorithm>

#include <fmt/format.h>

namespace peregrine::peer {
namespace {

constexpr std::size_t kChunk = 64 * 1024; // read and write granularity

} // namespace

Connection::Connection(tcp::socket socket, wire::Magic magic, ConnectionLimits limits,
                       Bandwidth& global, Bandwidth per_peer, Callbacks callbacks)
    : socket_(std::move(socket)), magic_(magic), limits_(limits), global_(global),
      own_(std::move(per_peer)), callbacks_(std::move(callbacks)),
      message_rate_(limits.messages_per_second, limits.message_burst, Clock::now()),
      unknown_rate_(limits.unknown_commands_per_second, limits.unknown_command_burst, Clock::now()),
      write_signal_(socket_.get_executor()), resume_signal_(socket_.get_executor()),
      throttle_timer_(socket_.get_executor()), flood_timer_(socket_.get_executor()) {
  error_code ec;
  remote_ = socket_.remote_endpoint(ec);
  socket_.set_option(tcp::no_delay(true), ec); // small control messages must not wait for Nagle
  stats_.last_receive = stats_.last_send = Clock::now();
}

void Connection::start() {
  auto self = shared_from_this();
  loops_running_ = 2;
  auto done = [self](std::exception_ptr) { self->loop_finished(); };
  asio::co_spawn(socket_.get_executor(), read_loop(), done);
  asio::co_spawn(socket_.get_executor(), write_loop(), done);
}

void Connection::send_frame(OutgoingFrame frame) {
  if (!open_) return;
  queue_.push(std::move(frame));
  wake(write_signal_);
}

void Connection::close(const std::string& reason) {
  if (!open_) return;
  open_ = false;
  close_reason_ = reason;
  error_code ec;
  socket_.shutdown(tcp::socket::shutdown_both, ec);
  socket_.close(ec); // cancels the loops' pending operations
  wake(write_signal_);
  wake(resume_signal_);
  throttle_timer_.cancel();
  flood_timer_.cancel();
  queue_.clear();
}

void Connection::pause_reading() { paused_ = true; }

void Connection::resume_reading() {
  paused_ = false;
  wake(resume_signal_);
}

void Connection::loop_finished() {
  if (--loops_running_ > 0) return;
  close(close_reason_.empty() ? "closed" : close_reason_);
  if (callbacks_.on_closed) callbacks_.on_closed(close_reason_);
}

void Connection::offence(Offence offence, const std::string& detail) {
  if (callbacks_.on_offence) callbacks_.on_offence(offence, detail);
  if (offence_info(offence).outcome == Outcome::disconnect) {
    close(fmt::format("{}: {}", offence_info(offence).name, detail));
  }
}

asio::awaitable<void> Connection::throttle(Bandwidth& a, Bandwidth& b, bool upload,
                                           std::size_t bytes) {
  // Download bytes are already here: take them (possibly into debt) and wait the debt off.
  // Upload bytes wait until both buckets can pay for them.
  for (;;) {
    auto now = Clock::now();
    TokenBucket& first = upload ? a.upload : a.download;
    TokenBucket& second = upload ? b.upload : b.download;
    Clock::duration wait;
    if (upload) {
      wait = std::max(first.wait_for(static_cast<double>(bytes), now),
                      second.wait_for(static_cast<double>(bytes), now));
      if (wait == Clock::duration::zero()) {
        first.take(static_cast<double>(bytes), now);
        second.take(static_cast<double>(bytes), now);
        co_return;
      }
    } else {
      if (bytes > 0) {
        first.take(static_cast<double>(bytes), now);
        second.take(static_cast<double>(bytes), now);
        bytes = 0;
      }
      wait = std::max(first.wait_for(0, now), second.wait_for(0, now));
      if (wait == Clock::duration::zero()) co_return;
    }
    throttle_timer_.expires_after(wait);
    error_code ec;
    co_await throttle_timer_.async_wait(no_throw(ec));
    if (!open_) co_return;
  }
}

asio::awaitable<bool> Connection::read_exact(Bytes& out, std::size_t size) {
  std::size_t target = out.size() + size;
  while (out.size() < target) {
    std::size_t filled = out.size();
    std::size_t want = std::min(kChunk, target - filled);
    out.resize(filled + want); // grows with the data: a claimed length costs nothing up front
    error_code ec;
    std::size_t got =
        co_await socket_.async_read_some(asio::buffer(out.data() + filled, want), no_throw(ec));
    out.resize(filled + got);
    if (ec || !open_) co_return false;
    if (!stats_.frame_started) stats_.frame_started = Clock::now();
    stats_.bytes_received += got;
    stats_.last_receive = Clock::now();
    co_await throttle(own_, global_, false, got);
    if (!open_) co_return false;
  }
  co_return true;
}

asio::awaitable<void> Connection::read_loop() {
  Bytes header_bytes;
  Bytes payload;
  while (open_) {
    if (paused_) {
      resume_signal_.expires_at(Clock::time_point::max());
      error_code ec;
      co_await resume_signal_.async_wait(no_throw(ec));
      continue;
    }
    header_bytes.clear();
    if (!co_await read_exact(header_bytes, wire::kMessageHeaderSize)) break;
    auto header = wire::decode_message_header(header_bytes, magic_);
    if (!header && header.error().code == wire::DecodeErrc::bad_command) {
      // Core drops a message with an invalid command and reads on: the length is still usable.
      std::uint32_t size = static_cast<std::uint32_t>(header_bytes[16]) | static_cast<std::uint32_t>(header_bytes[17]) << 8 |
                           static_cast<std::uint32_t>(header_bytes[18]) << 16 | static_cast<std::uint32_t>(header_bytes[19]) << 24;
      if (size <= wire::kMaxMessagePayload) {
        payload.clear();
        if (!co_await read_exact(payload, size)) break;
        stats_.frame_started.reset();
        offence(Offence::bad_command, header.error().message());
        continue;
      }
      header = std::unexpected(wire::DecodeError{wire::DecodeErrc::payload_too_large, 16, "message.length"});
    }
    if (!header) {
      // Another network's magic or a length over the limit: the stream cannot be followed.
      const auto& e = header.error();
      Offence o = e.code == wire::DecodeErrc::bad_magic ? Offence::wrong_magic : Offence::oversized_message;
      offence(o, e.message());
      close(fmt::format("{}: {}", offence_info(o).name, e.message()));
      break;
    }
    // A flood is throttled, not punished (Core has no message-rate punishment): reading pauses
    // until the peer is back within its rate. Blocks are exempt: during initial sync a peer
    // sends thousands a second of the small early ones we asked for.
    if (header->command != wire::BlockMessage::kCommand && !message_rate_.unlimited()) {
      message_rate_.take(1, Clock::now());
      if (auto wait = message_rate_.wait_for(0, Clock::now()); wait > Clock::duration::zero()) {
        flood_timer_.expires_after(wait);
        error_code ec;
        co_await flood_timer_.async_wait(no_throw(ec));
        if (!open_) break;
      }
    }
    payload.clear();
    if (!co_await read_exact(payload, header->payload_size)) break;
    stats_.frame_started.reset();
    ++stats_.messages_received;
    handle_frame(*header, payload);
    // Large buffers are not kept for idle peers.
    if (payload.capacity() > kChunk) Bytes().swap(payload);
  }
  if (open_) close("connection closed by peer");
}

void Connection::handle_frame(const wire::MessageHeader& header, Bytes& payload) {
  auto now = Clock::now();
  const auto decode_started = Clock::now();
  if (wire::message_checksum(payload) != header.checksum) {
    offence(Offence::bad_checksum, fmt::format("{} message", header.command));
    return;
  }
  auto message = wire::decode_message(header.command, payload);
  if (!message) {
    if (message.error().code == wire::DecodeErrc::unknown_command) {
      // Ignored, as Core does; only the log line is rate-limited.
      if (unknown_rate_.try_take(1, now) && callbacks_.on_unknown_command) callbacks_.on_unknown_command(header.command);
      return;
    }
    // A list over its message's limit costs what Core charges for it; anything else undecodable
    // is dropped with a log line, as Core drops a message whose deserialization throws.
    Offence o = Offence::malformed_payload;
    if (message.error().code == wire::DecodeErrc::count_too_large) {
      const std::string& c = header.command;
      o = c == "addr" || c == "addrv2"            ? Offence::oversized_addr
          : c == "headers"                        ? Offence::oversized_headers
          : c == "getheaders" || c == "getblocks" ? Offence::oversized_locator
          : c == "inv" || c == "getdata"          ? Offence::oversized_inv
                                                  : Offence::malformed_payload;
    }
    offence(o, fmt::format("{} message: {}", header.command, message.error().message()));
    return;
  }
  const std::size_t wire_bytes = wire::kMessageHeaderSize + payload.size();
  if (auto* block = std::get_if<wire::BlockMessage>(&*message)) block->raw = std::move(payload);
  if (callbacks_.on_message) callbacks_.on_message(std::move(*message), wire_bytes, Clock::now() - decode_started);
}

asio::awaitable<void> Connection::write_loop() {
  while (open_) {
    auto frame = queue_.pop();
    if (!frame) {
      write_signal_.expires_at(Clock::time_point::max());
      error_code ec;
      co_await write_signal_.async_wait(no_throw(ec));
      continue;
    }
    const Bytes& bytes = frame->bytes;
    for (std::size_t offset = 0; offset < bytes.size() && open_;) {
      std::size_t chunk = std::min(kChunk, bytes.size() - offset);
      // Control messages are tiny and time-critical (ping RTT): they bypass the upload limits.
      if (frame->priority != Priority::control) co_await throttle(own_, global_, true, chunk);
      if (!open_) break;
      error_code ec;
      co_await asio::async_write(socket_, asio::buffer(bytes.data() + offset, chunk), no_throw(ec));
      if (ec) {
        close(fmt::format("write failed: {}", ec.message()));
        break;
      }
      offset += chunk;
      stats_.bytes_sent += chunk;
      stats_.last_send = Clock::now();
    }
    ++stats_.messages_sent;
    if (open_ && callbacks_.on_sent) callbacks_.on_sent(bytes.size());
  }
}

} // namespace peregrine::peer
