#include "addrbook/addr_gossip.hpp"

#include <algorithm>

#include "addrbook/address_class.hpp"
#include "addrbook/outbound_policy.hpp"

namespace peregrine::addrbook {
namespace {

constexpr std::int64_t kEarliestPlausibleTime = 100'000'000; // 1973: older is a placeholder

} // namespace

AddrGossip::AddrGossip(AddrBook& book, std::optional<std::uint64_t> seed)
    : book_(book), rng_(seed ? Rng(*seed) : Rng()), relay_key_{rng_.next(), rng_.next()} {}

PeerAddrState AddrGossip::new_peer(bool inbound, std::int64_t now) {
  std::lock_guard lock(mutex_);
  return PeerAddrState(inbound, now, crypto::SipKey{rng_.next(), rng_.next()});
}

AddrMessageResult AddrGossip::on_addr(PeerAddrState& peer,
                                      std::span<const wire::AddressEntry> entries,
                                      const wire::NetAddress& peer_address, std::int64_t now) {
  AddrMessageResult result;
  result.received = entries.size();
  if (entries.size() > wire::kMaxAddrToSend) {
    result.oversized = true;
    return result;
  }
  // Unknown networks never reach Core's processing (its decoder skips them); keep the rest, in a
  // random order, so the rate limit does not let the sender choose which entries pass.
  std::vector<wire::AddressEntry> work;
  work.reserve(entries.size());
  for (const auto& e : entries) {
    if (!wire::addr_v2_size(e.address.network)) {
      ++result.unsupported;
    } else {
      work.push_back(e);
    }
  }
  {
    std::lock_guard lock(mutex_);
    rng_.shuffle(std::span(work));
  }

  peer.refill(now);
  const bool may_relay = !peer.getaddr_sent() && entries.size() <= kMaxRelayedMessageSize;
  std::vector<wire::AddressEntry> accepted;
  accepted.reserve(work.size());
  for (auto& e : work) {
    if (!peer.take_token()) {
      ++result.rate_limited;
      continue;
    }
    if (!has_valid_length(e.address.network, e.address.bytes)) {
      ++result.invalid;
      continue;
    }
    if (!may_have_useful_addresses(e.services)) {
      ++result.useless;
      continue;
    }
    if (e.time <= kEarliestPlausibleTime ||
        static_cast<std::int64_t>(e.time) > now + kFutureSlack) {
      e.time = static_cast<std::uint32_t>(std::max<std::int64_t>(now - kOldTimeFallback, 0));
    }
    peer.mark_known(e);
    if (!is_routable(e.address.network, e.address.bytes)) {
      ++result.unroutable;
      continue;
    }
    if (may_relay && static_cast<std::int64_t>(e.time) > now - kFreshAddress)
      result.to_relay.push_back(e);
    accepted.push_back(std::move(e));
  }
  peer.on_addr_received(entries.size());
  result.stored = accepted.size();
  if (!accepted.empty()) {
    result.new_to_book =
        book_.add_entries(accepted, peer_address, now, kGossipTimePenalty).new_entries;
  }
  return result;
}

std::optional<std::size_t> AddrGossip::on_getaddr(PeerAddrState& peer,
                                                  const wire::NetAddress& local_address,
                                                  std::int64_t now) {
  if (!peer.accept_getaddr()) return std::nullopt;
  std::lock_guard lock(mutex_);
  std::erase_if(getaddr_cache_, [&](const CachedAnswer& c) { return c.expires <= now; });
  auto cached = std::ranges::find_if(
      getaddr_cache_, [&](const CachedAnswer& c) { return c.local_address == local_address; });
  if (cached == getaddr_cache_.end()) {
    if (getaddr_cache_.size() >= kMaxGetaddrCaches) {
      getaddr_cache_.erase(std::ranges::min_element(getaddr_cache_, {}, &CachedAnswer::expires));
    }
    std::int64_t lifetime = kGetaddrCacheLifetime + rng_.between(0, 6 * kHour);
    getaddr_cache_.push_back(
        {local_address, book_.sample(wire::kMaxAddrToSend, now), now + lifetime});
    cached = getaddr_cache_.end() - 1;
  }
  peer.clear_queue();
  for (const auto& e : cached->entries) peer.push(e, rng_);
  return peer.queued();
}

std::vector<PeerId> AddrGossip::relay_targets(const wire::AddressEntry& entry,
                                              std::span<const PeerId> candidates,
                                              std::optional<PeerId> origin, std::int64_t now) {
  crypto::SipHasher address_hasher(relay_key_);
  address_hasher.write_u8('A').write_u8(entry.address.network);
  address_hasher.write_u32(static_cast<std::uint32_t>(entry.address.bytes.size()));
  address_hasher.write(entry.address.bytes).write_u16(entry.port);
  const std::uint64_t address_hash = address_hasher.finalize();
  // Offsetting by the address's hash staggers the daily rotation across addresses.
  const std::uint64_t period =
      (static_cast<std::uint64_t>(now) + address_hash) / static_cast<std::uint64_t>(kRelayRotation);
  crypto::SipHasher base(relay_key_);
  base.write_u8('R').write_u64(address_hash).write_u64(period);

  bool reachable = book_.is_reachable(entry.address);
  std::size_t wanted = reachable || (base.finalize() & 1) ? 2 : 1;

  std::vector<std::pair<std::uint64_t, PeerId>> best; // highest keys win
  for (PeerId id : candidates) {
    if (origin && id == *origin) continue;
    std::uint64_t key = crypto::SipHasher(base).write_u64(id).finalize();
    best.emplace_back(key, id);
  }
  std::size_t n = std::min(wanted, best.size());
  std::partial_sort(best.begin(), best.begin() + static_cast<std::ptrdiff_t>(n), best.end(),
                    std::greater<>());
  std::vector<PeerId> out;
  for (std::size_t i = 0; i < n; ++i) out.push_back(best[i].second);
  return out;
}

void AddrGossip::push(PeerAddrState& peer, const wire::AddressEntry& entry) {
  std::lock_guard lock(mutex_);
  peer.push(entry, rng_);
}

} // namespace peregrine::addrbook
