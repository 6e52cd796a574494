#include "addrbook/peer_addr_state.hpp"

#include <algorithm>

namespace peregrine::addrbook {

PeerAddrState::PeerAddrState(bool inbound, std::int64_t now, const crypto::SipKey& known_key)
    : inbound_(inbound), token_time_(now), known_(known_key) {}

void PeerAddrState::refill(std::int64_t now) {
  std::int64_t elapsed = std::max<std::int64_t>(now - token_time_, 0); // clocks may step back
  if (tokens_ < kAddrTokenCap) {
    tokens_ = std::min(tokens_ + static_cast<double>(elapsed) * kAddrRatePerSecond, kAddrTokenCap);
  }
  token_time_ = std::max(token_time_, now);
}

bool PeerAddrState::take_token() {
  if (tokens_ < 1.0) return false;
  tokens_ -= 1.0;
  return true;
}

void PeerAddrState::on_getaddr_sent() {
  getaddr_sent_ = true;
  tokens_ += kAddrTokenCap;
}

void PeerAddrState::on_addr_received(std::size_t entries) {
  if (entries < wire::kMaxAddrToSend) getaddr_sent_ = false;
}

bool PeerAddrState::accept_getaddr() {
  if (!inbound_ || getaddr_answered_) return false;
  getaddr_answered_ = true;
  return true;
}

void PeerAddrState::push(const wire::AddressEntry& entry, Rng& rng) {
  if (knows(entry)) return;
  if (!wants_addrv2_ && !entry.address.to_v1()) return; // addr (v1) has no room for it
  if (queue_.size() >= kMaxAddrQueue) {
    queue_[rng.below(queue_.size())] = entry;
  } else {
    queue_.push_back(entry);
  }
}

std::vector<wire::AddressEntry> PeerAddrState::take_to_send() {
  std::vector<wire::AddressEntry> out;
  out.reserve(queue_.size());
  for (auto& entry : queue_) {
    if (knows(entry)) continue;
    mark_known(entry);
    out.push_back(std::move(entry));
  }
  queue_.clear();
  return out;
}

} // namespace peregrine::addrbook
