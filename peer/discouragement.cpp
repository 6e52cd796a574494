#include "peer/discouragement.hpp"

namespace peregrine::peer {

bool is_local(const wire::NetAddress& address) {
  if (address.is(wire::NetworkId::ipv4) && address.bytes.size() == 4)
    return address.bytes[0] == 127 || address.bytes[0] == 0;
  if (address.is(wire::NetworkId::ipv6) && address.bytes.size() == 16) {
    for (std::size_t i = 0; i < 15; ++i)
      if (address.bytes[i] != 0) return false;
    return address.bytes[15] == 1;
  }
  return false;
}

std::string Discouraged::key(const wire::NetAddress& address) {
  std::string k(1, static_cast<char>(address.network));
  k.append(address.bytes.begin(), address.bytes.end());
  return k;
}

void Discouraged::add(const wire::NetAddress& address) {
  std::string k = key(address);
  if (auto it = index_.find(k); it != index_.end()) {
    order_.splice(order_.end(), order_, it->second); // newest again
    return;
  }
  if (index_.size() >= capacity_) {
    index_.erase(order_.front());
    order_.pop_front();
  }
  order_.push_back(k);
  index_.emplace(std::move(k), std::prev(order_.end()));
}

bool Discouraged::contains(const wire::NetAddress& address) const { return index_.contains(key(address)); }

void Discouraged::clear() {
  index_.clear();
  order_.clear();
}

} // namespace peregrine::peer
