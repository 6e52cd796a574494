#pragma once
// A peer's outgoing messages in three priority classes: control (version, verack, ping, pong) goes
// before chain data (headers, getdata, blocks), which goes before gossip (addr, inv). Within a
// class the order is kept. Frames are whole serialized messages: the wire cannot interleave them,
// so priority decides which queued frame goes next.
#include <array>
#include <cstddef>
#include <cstdint>
#include <deque>
#include <optional>
#include <string_view>

#include "util/bytes.hpp"

namespace peregrine::peer {

enum class Priority : std::uint8_t { control = 0, chain = 1, gossip = 2 };

Priority priority_of(std::string_view command);

struct OutgoingFrame {
  Bytes bytes;
  Priority priority = Priority::chain;
};

class SendQueue {
public:
  void push(OutgoingFrame frame);
  std::optional<OutgoingFrame> pop(); // highest priority first
  bool empty() const { return frames_ == 0; }
  std::size_t bytes() const { return bytes_; }
  std::size_t frames() const { return frames_; }
  void clear();

private:
  std::array<std::deque<OutgoingFrame>, 3> classes_;
  std::size_t bytes_ = 0;
  std::size_t frames_ = 0;
};

} // namespace peregrine::peer
