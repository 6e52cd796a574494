#pragma once
// Discouraged addresses (Core's BanMan::Discourage): kept in memory only, bounded, the oldest
// forgotten first. Core uses a rolling bloom filter of 50,000 entries (false-positive rate 1e-6);
// this is an exact set with the same bound, so it has no false positives and forgets in the same
// order (re-discouraging an address makes it the newest again). About 100 bytes an entry.
#include <cstddef>
#include <list>
#include <string>
#include <unordered_map>

#include "wire/net_address.hpp"

namespace peregrine::peer {

inline constexpr std::size_t kMaxDiscouraged = 50'000;

// Core's CNetAddr::IsLocal: 127.0.0.0/8, 0.0.0.0/8 and ::1. Such peers are disconnected for
// misbehaviour but never discouraged (everything local would be refused with them).
bool is_local(const wire::NetAddress& address);

class Discouraged {
public:
  explicit Discouraged(std::size_t capacity = kMaxDiscouraged) : capacity_(capacity ? capacity : 1) {}

  void add(const wire::NetAddress& address);
  bool contains(const wire::NetAddress& address) const;
  std::size_t size() const { return index_.size(); }
  std::size_t capacity() const { return capacity_; }
  void clear();

private:
  static std::string key(const wire::NetAddress& address);

  std::size_t capacity_;
  std::list<std::string> order_; // oldest first
  std::unordered_map<std::string, std::list<std::string>::iterator> index_;
};

} // namespace peregrine::peer
