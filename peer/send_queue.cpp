#include "peer/send_queue.hpp"

namespace peregrine::peer {

Priority priority_of(std::string_view command) {
  if (command == "version" || command == "verack" || command == "ping" || command == "pong" ||
      command == "wtxidrelay" || command == "sendaddrv2" || command == "sendheaders" ||
      command == "sendcmpct" || command == "feefilter") {
    return Priority::control;
  }
  if (command == "addr" || command == "addrv2" || command == "getaddr" || command == "inv") {
    return Priority::gossip;
  }
  return Priority::chain;
}

void SendQueue::push(OutgoingFrame frame) {
  bytes_ += frame.bytes.size();
  ++frames_;
  classes_[static_cast<std::size_t>(frame.priority)].push_back(std::move(frame));
}

std::optional<OutgoingFrame> SendQueue::pop() {
  for (auto& queue : classes_) {
    if (queue.empty()) continue;
    OutgoingFrame frame = std::move(queue.front());
    queue.pop_front();
    bytes_ -= frame.bytes.size();
    --frames_;
    return frame;
  }
  return std::nullopt;
}

void SendQueue::clear() {
  for (auto& queue : classes_) queue.clear();
  bytes_ = 0;
  frames_ = 0;
}

} // namespace peregrine::peer
