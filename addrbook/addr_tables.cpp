#include "addrbook/addr_tables.hpp"

#include <algorithm>

#include <fmt/format.h>

#include "addrbook/address_class.hpp"

namespace peregrine::addrbook {
namespace {

constexpr std::int64_t kOnlineWindow = 24 * kHour; // advertised within a day: "currently online"
// Upper bound on picks in one select(): the growing chance factor accepts within ~50 even for
// entries with the least chance, so this only guards against an inconsistent book.
constexpr int kMaxSelectProbes = 10'000;

} // namespace

AddrTables::AddrTables(const crypto::SipKey& key, Rng rng)
    : bucketing_(key), rng_(rng),
      index_(0, ServiceHasher(crypto::SipKey{rng_.next(), rng_.next()})),
      new_(static_cast<std::size_t>(kNewBucketCount) * kBucketSize, kNoEntry),
      tried_(static_cast<std::size_t>(kTriedBucketCount) * kBucketSize, kNoEntry),
      new_bucket_nets_(kNewBucketCount), tried_bucket_nets_(kTriedBucketCount) {}

std::size_t AddrTables::reachable_count(const Reachability& reach) const {
  std::size_t n = 0;
  for (std::uint8_t net = 0; net < per_network_.size(); ++net) {
    if (reach.reachable(net)) n += per_network_[net].new_count + per_network_[net].tried_count;
  }
  return n;
}

std::optional<EntryId> AddrTables::find(const Service& service) const {
  auto it = index_.find(service);
  if (it == index_.end()) return std::nullopt;
  return it->second;
}

AddrInfo* AddrTables::lookup(const Service& service) {
  auto it = index_.find(service);
  return it == index_.end() ? nullptr : &infos_[static_cast<std::size_t>(it->second)];
}

void AddrTables::count(const AddrInfo& info, bool tried, int delta) {
  NetworkCounts& c = per_network_[info.service.address.network & 7];
  std::size_t& table = tried ? tried_count_ : new_count_;
  std::size_t& net = tried ? c.tried_count : c.new_count;
  table = static_cast<std::size_t>(static_cast<std::ptrdiff_t>(table) + delta);
  net = static_cast<std::size_t>(static_cast<std::ptrdiff_t>(net) + delta);
}

EntryId AddrTables::create(const Service& service, const CompactAddress& source) {
  EntryId id;
  if (!free_ids_.empty()) {
    id = free_ids_.back();
    free_ids_.pop_back();
  } else {
    id = static_cast<EntryId>(infos_.size());
    infos_.emplace_back();
  }
  AddrInfo& info = infos_[static_cast<std::size_t>(id)];
  info = AddrInfo{};
  info.service = service;
  info.source = source;
  info.live = true;
  info.random_pos = static_cast<std::uint32_t>(random_order_.size());
  random_order_.push_back(id);
  index_.emplace(service, id);
  count(info, false, +1);
  return id;
}

// Only ever called for new-table entries that lost their last slot.
void AddrTables::erase(EntryId id) {
  AddrInfo& info = infos_[static_cast<std::size_t>(id)];
  swap_random(info.random_pos, random_order_.size() - 1);
  random_order_.pop_back();
  index_.erase(info.service);
  count(info, false, -1);
  std::erase(collisions_, id); // ids are reused: a stale one must not point at a stranger
  info.live = false;
  free_ids_.push_back(id);
}

void AddrTables::swap_random(std::size_t a, std::size_t b) {
  if (a == b) return;
  std::swap(random_order_[a], random_order_[b]);
  infos_[static_cast<std::size_t>(random_order_[a])].random_pos = static_cast<std::uint32_t>(a);
  infos_[static_cast<std::size_t>(random_order_[b])].random_pos = static_cast<std::uint32_t>(b);
}

void AddrTables::clear_new_slot(int bucket, int position) {
  EntryId id = new_[slot(bucket, position)];
  if (id == kNoEntry) return;
  set_slot(false, bucket, position, kNoEntry);
  AddrInfo& info = infos_[static_cast<std::size_t>(id)];
  if (--info.ref_count == 0) erase(id);
}

void AddrTables::set_slot(bool tried, int bucket, int position, EntryId id) {
  EntryId& cell = (tried ? tried_ : new_)[slot(bucket, position)];
  BucketNetworks& nets =
      (tried ? tried_bucket_nets_ : new_bucket_nets_)[static_cast<std::size_t>(bucket)];
  auto adjust = [&](EntryId e, int delta) {
    std::uint8_t net = infos_[static_cast<std::size_t>(e)].service.address.network & 7;
    nets.count[net] = static_cast<std::uint8_t>(nets.count[net] + delta);
    auto bit = static_cast<std::uint8_t>(1u << net);
    nets.mask = nets.count[net] ? static_cast<std::uint8_t>(nets.mask | bit)
                                : static_cast<std::uint8_t>(nets.mask & ~bit);
  };
  if (cell != kNoEntry) adjust(cell, -1);
  if (id != kNoEntry) adjust(id, +1);
  cell = id;
  ++generation_;
}

int AddrTables::pick_bucket(bool tried, const Reachability& reach) {
  const int buckets = tried ? kTriedBucketCount : kNewBucketCount;
  const auto& nets = tried ? tried_bucket_nets_ : new_bucket_nets_;
  const std::uint8_t wanted = reach.mask();
  // Uniform over the buckets holding a reachable entry, as Core's re-roll of unsuitable buckets:
  // a few random probes find one at once in a full book; a sparse one gets the exact list, kept
  // until a slot changes (selection loops call this many times in a row).
  for (int probe = 0; probe < 16; ++probe) {
    int bucket = static_cast<int>(rng_.below(static_cast<std::uint64_t>(buckets)));
    if (nets[static_cast<std::size_t>(bucket)].mask & wanted) return bucket;
  }
  Candidates& c = candidates_[tried ? 1 : 0];
  if (!c.valid || c.generation != generation_ || c.mask != wanted) {
    c.buckets.clear();
    for (int bucket = 0; bucket < buckets; ++bucket) {
      if (nets[static_cast<std::size_t>(bucket)].mask & wanted) c.buckets.push_back(bucket);
    }
    c.valid = true;
    c.generation = generation_;
    c.mask = wanted;
  }
  if (c.buckets.empty()) return -1;
  return c.buckets[rng_.below(c.buckets.size())];
}

int AddrTables::new_bucket_of(const AddrInfo& info) const {
  return bucketing_.new_bucket(group_of(info.service.address), group_of(info.source));
}

int AddrTables::tried_bucket_of(const AddrInfo& info) const {
  return bucketing_.tried_bucket(info.service, group_of(info.service.address));
}

AddOutcome AddrTables::add(const wire::AddressEntry& entry, const CompactAddress& source,
                           std::int64_t time_penalty, std::int64_t now) {
  auto service = Service::from(entry.address, entry.port);
  if (!service || !is_routable(service->address)) return AddOutcome::unroutable;
  if (service->address == source) time_penalty = 0; // a peer announcing itself is current
  const std::int64_t advertised = entry.time;

  EntryId id;
  bool is_new = false;
  if (auto found = find(*service)) {
    id = *found;
    AddrInfo& info = infos_[static_cast<std::size_t>(id)];
    // Refresh "last seen" only now and then, so gossip cannot keep an address young for free.
    std::int64_t interval = now - advertised < kOnlineWindow ? kHour : kDay;
    if (info.time < advertised - interval - time_penalty) {
      info.time = std::max<std::int64_t>(0, advertised - time_penalty);
    }
    info.services |= entry.services;
    if (advertised <= info.time) return AddOutcome::known; // nothing new
    if (info.in_tried) return AddOutcome::known;
    if (info.ref_count >= kMaxNewReferences) return AddOutcome::known;
    // Each extra reference is half as likely as the one before: popular addresses do not
    // crowd out the rest.
    if (info.ref_count > 0 && rng_.below(std::uint64_t{1} << info.ref_count) != 0) {
      return AddOutcome::known;
    }
  } else {
    id = create(*service, source);
    AddrInfo& info = infos_[static_cast<std::size_t>(id)];
    info.time = std::max<std::int64_t>(0, advertised - time_penalty);
    info.services = entry.services;
    is_new = true;
  }

  AddrInfo& info = infos_[static_cast<std::size_t>(id)];
  int bucket = bucketing_.new_bucket(group_of(service->address), group_of(source));
  int position = bucketing_.position(true, bucket, *service);
  EntryId occupant = new_[slot(bucket, position)];
  if (occupant == id) return is_new ? AddOutcome::new_entry : AddOutcome::known;

  bool take = occupant == kNoEntry;
  if (!take) {
    const AddrInfo& incumbent = infos_[static_cast<std::size_t>(occupant)];
    take = incumbent.is_terrible(now) || (incumbent.ref_count > 1 && info.ref_count == 0);
  }
  if (!take) {
    if (info.ref_count == 0) erase(id);
    return AddOutcome::no_room;
  }
  clear_new_slot(bucket, position);
  ++info.ref_count;
  set_slot(false, bucket, position, id);
  return is_new ? AddOutcome::new_entry : AddOutcome::new_reference;
}

void AddrTables::make_tried(EntryId id) {
  AddrInfo& info = infos_[static_cast<std::size_t>(id)];
  // Leave every new slot (an address is in at most 8 of the 1,024, at its computed position).
  for (int bucket = 0; bucket < kNewBucketCount && info.ref_count > 0; ++bucket) {
    int position = bucketing_.position(true, bucket, info.service);
    if (new_[slot(bucket, position)] == id) {
      set_slot(false, bucket, position, kNoEntry);
      --info.ref_count;
    }
  }
  info.ref_count = 0;
  count(info, false, -1);

  int bucket = tried_bucket_of(info);
  int position = bucketing_.position(false, bucket, info.service);
  EntryId incumbent = tried_[slot(bucket, position)];
  if (incumbent != kNoEntry) {
    // The incumbent goes back to the new table, into its source's bucket.
    AddrInfo& old = infos_[static_cast<std::size_t>(incumbent)];
    old.in_tried = false;
    set_slot(true, bucket, position, kNoEntry);
    count(old, true, -1);
    int new_bucket = new_bucket_of(old);
    int new_position = bucketing_.position(true, new_bucket, old.service);
    clear_new_slot(new_bucket, new_position);
    old.ref_count = 1;
    set_slot(false, new_bucket, new_position, incumbent);
    count(old, false, +1);
  }
  set_slot(true, bucket, position, id);
  info.in_tried = true;
  count(info, true, +1);
}

GoodOutcome AddrTables::good(const Service& service, std::int64_t now, bool test_before_evict) {
  last_good_ = now;
  AddrInfo* info = lookup(service);
  if (!info) return GoodOutcome::not_found;
  info->last_success = now;
  info->last_try = now;
  info->attempts = 0;
  if (info->in_tried) return GoodOutcome::already_tried;
  EntryId id = index_.at(service);
  int bucket = tried_bucket_of(*info);
  int position = bucketing_.position(false, bucket, service);
  if (test_before_evict && tried_[slot(bucket, position)] != kNoEntry) {
    if (collisions_.size() < kMaxTriedCollisions &&
        std::ranges::find(collisions_, id) == collisions_.end()) {
      collisions_.push_back(id);
    }
    return GoodOutcome::collision;
  }
  make_tried(id);
  return GoodOutcome::moved_to_tried;
}

void AddrTables::attempt(const Service& service, bool count_failure, std::int64_t now) {
  AddrInfo* info = lookup(service);
  if (!info) return;
  info->last_try = now;
  if (count_failure && info->last_count_attempt < last_good_) {
    info->last_count_attempt = now;
    ++info->attempts;
  }
}

void AddrTables::connected(const Service& service, std::int64_t now) {
  AddrInfo* info = lookup(service);
  if (info && now - info->time > kUpdateConnected) info->time = now;
}

void AddrTables::set_services(const Service& service, std::uint64_t services) {
  if (AddrInfo* info = lookup(service)) info->services = services;
}

std::optional<EntryId> AddrTables::select(bool new_only, const Reachability& reach,
                                          std::int64_t now) {
  std::size_t new_n = 0, tried_n = 0;
  for (std::uint8_t net = 0; net < per_network_.size(); ++net) {
    if (!reach.reachable(net)) continue;
    new_n += per_network_[net].new_count;
    tried_n += per_network_[net].tried_count;
  }
  if (new_n == 0 && (new_only || tried_n == 0)) return std::nullopt;
  bool use_tried = !new_only && tried_n > 0 && (new_n == 0 || rng_.coin());
  const std::vector<EntryId>& table = use_tried ? tried_ : new_;

  // Random bucket (among those with a reachable entry), random start, first reachable entry from
  // there; accept it with its chance, and more readily after each refusal so the loop ends soon.
  // Every bucket weighs the same however full it is: an attacker's 64 crowded buckets draw no
  // more picks than 64 buckets of honest addresses.
  double chance_factor = 1.0;
  for (int probe = 0; probe < kMaxSelectProbes; ++probe) {
    int bucket = pick_bucket(use_tried, reach);
    if (bucket < 0) break;
    int start = static_cast<int>(rng_.below(kBucketSize));
    EntryId found = kNoEntry;
    for (int i = 0; i < kBucketSize; ++i) {
      EntryId id = table[slot(bucket, (start + i) % kBucketSize)];
      if (id != kNoEntry &&
          reach.reachable(infos_[static_cast<std::size_t>(id)].service.address.network)) {
        found = id;
        break;
      }
    }
    if (found == kNoEntry) break; // the bucket counts promised one: check() reports the mismatch
    double chance = chance_factor * infos_[static_cast<std::size_t>(found)].chance(now);
    if (static_cast<double>(rng_.bits(30)) < chance * static_cast<double>(1 << 30)) return found;
    chance_factor *= 1.2;
  }
  return std::nullopt; // only if the counts and the tables disagree, which check() reports
}

std::vector<wire::AddressEntry> AddrTables::sample(std::size_t max_count, std::size_t max_percent,
                                                   std::int64_t now) {
  std::size_t wanted = random_order_.size();
  if (max_percent != 0) wanted = wanted * max_percent / 100;
  if (max_count != 0) wanted = std::min(wanted, max_count);
  std::vector<wire::AddressEntry> out;
  out.reserve(wanted);
  // A partial Fisher-Yates shuffle of the random-order list: each step fixes one random entry.
  for (std::size_t i = 0; i < random_order_.size() && out.size() < wanted; ++i) {
    swap_random(i, i + rng_.below(random_order_.size() - i));
    const AddrInfo& info = infos_[static_cast<std::size_t>(random_order_[i])];
    if (info.is_terrible(now)) continue;
    out.push_back(info.entry());
  }
  return out;
}

std::optional<EntryId> AddrTables::select_tried_collision() {
  if (collisions_.empty()) return std::nullopt;
  EntryId newcomer = collisions_[rng_.below(collisions_.size())];
  const AddrInfo& info = infos_[static_cast<std::size_t>(newcomer)];
  int bucket = tried_bucket_of(info);
  EntryId incumbent = tried_[slot(bucket, bucketing_.position(false, bucket, info.service))];
  if (incumbent == kNoEntry) return std::nullopt; // resolve_collisions will simply move it
  return incumbent;
}

void AddrTables::resolve_collisions(std::int64_t now) {
  std::vector<EntryId> pending = collisions_;
  for (EntryId newcomer : pending) {
    if (std::ranges::find(collisions_, newcomer) == collisions_.end()) continue;
    const AddrInfo& info = infos_[static_cast<std::size_t>(newcomer)];
    Service service = info.service;
    bool resolved = true;
    if (!info.in_tried) {
      int bucket = tried_bucket_of(info);
      EntryId incumbent = tried_[slot(bucket, bucketing_.position(false, bucket, service))];
      if (incumbent == kNoEntry) {
        good(service, now, false); // the slot freed up meanwhile
      } else {
        const AddrInfo& old = infos_[static_cast<std::size_t>(incumbent)];
        if (now - old.last_success < kReplacementWindow) {
          // The incumbent answered recently (perhaps to our feeler): it stays.
        } else if (now - old.last_try < kReplacementWindow) {
          // Tried recently without success: once the feeler had its minute, replace it.
          if (now - old.last_try > kTestGrace) {
            good(service, now, false);
          } else {
            resolved = false;
          }
        } else if (now - info.last_success > kTestWindow) {
          good(service, now, false); // never tested in time: the incumbent must be gone
        } else {
          resolved = false;
        }
      }
    }
    if (resolved) std::erase(collisions_, newcomer);
  }
}

RestoreOutcome AddrTables::restore(const AddrInfo& saved,
                                   std::span<const std::uint16_t> new_buckets) {
  if (!is_routable(saved.service.address)) return RestoreOutcome::dropped;
  if (find(saved.service)) return RestoreOutcome::duplicate;
  EntryId id = create(saved.service, saved.source);
  AddrInfo& info = infos_[static_cast<std::size_t>(id)];
  info.services = saved.services;
  info.time = saved.time;
  info.last_try = saved.last_try;
  info.last_success = saved.last_success;
  info.attempts = std::max(0, saved.attempts);

  if (saved.in_tried) {
    int bucket = tried_bucket_of(info);
    int position = bucketing_.position(false, bucket, info.service);
    if (tried_[slot(bucket, position)] == kNoEntry) {
      count(info, false, -1);
      set_slot(true, bucket, position, id);
      info.in_tried = true;
      count(info, true, +1);
      return RestoreOutcome::restored;
    }
    // Its tried slot is taken: keep it as a new entry instead.
  }
  for (std::uint16_t bucket : new_buckets) {
    if (info.ref_count >= kMaxNewReferences) break;
    if (bucket >= kNewBucketCount) continue;
    int position = bucketing_.position(true, bucket, info.service);
    if (new_[slot(bucket, position)] != kNoEntry) continue;
    set_slot(false, bucket, position, id);
    ++info.ref_count;
  }
  if (info.ref_count == 0) {
    int bucket = new_bucket_of(info);
    int position = bucketing_.position(true, bucket, info.service);
    if (new_[slot(bucket, position)] == kNoEntry) {
      set_slot(false, bucket, position, id);
      info.ref_count = 1;
    }
  }
  if (info.ref_count == 0) {
    erase(id);
    return RestoreOutcome::dropped;
  }
  return RestoreOutcome::restored;
}

std::string AddrTables::check() const {
  std::size_t live = 0, new_seen = 0, tried_seen = 0;
  std::array<NetworkCounts, 8> nets{};
  for (std::size_t i = 0; i < infos_.size(); ++i) {
    const AddrInfo& info = infos_[i];
    if (!info.live) continue;
    ++live;
    auto it = index_.find(info.service);
    if (it == index_.end() || it->second != static_cast<EntryId>(i))
      return fmt::format("entry {} not indexed", i);
    if (info.random_pos >= random_order_.size() ||
        random_order_[info.random_pos] != static_cast<EntryId>(i)) {
      return fmt::format("entry {} has a wrong random position", i);
    }
    if (!is_routable(info.service.address)) return fmt::format("entry {} is not routable", i);
    if (info.in_tried) {
      ++tried_seen;
      ++nets[info.service.address.network & 7].tried_count;
      if (info.ref_count != 0) return fmt::format("tried entry {} has new references", i);
      int bucket = tried_bucket_of(info);
      if (tried_[slot(bucket, bucketing_.position(false, bucket, info.service))] !=
          static_cast<EntryId>(i)) {
        return fmt::format("tried entry {} is not at its slot", i);
      }
    } else {
      ++new_seen;
      ++nets[info.service.address.network & 7].new_count;
      if (info.ref_count < 1 || info.ref_count > kMaxNewReferences) {
        return fmt::format("new entry {} has {} references", i, info.ref_count);
      }
    }
  }
  if (live != index_.size() || live != random_order_.size()) return "entry counts disagree";
  if (new_seen != new_count_ || tried_seen != tried_count_) return "table counts disagree";
  for (std::size_t n = 0; n < nets.size(); ++n) {
    if (nets[n].new_count != per_network_[n].new_count ||
        nets[n].tried_count != per_network_[n].tried_count) {
      return fmt::format("network {} counts disagree", n);
    }
  }
  for (bool tried : {false, true}) {
    const int buckets = tried ? kTriedBucketCount : kNewBucketCount;
    for (int bucket = 0; bucket < buckets; ++bucket) {
      BucketNetworks nets;
      for (int position = 0; position < kBucketSize; ++position) {
        EntryId id = (tried ? tried_ : new_)[slot(bucket, position)];
        if (id >= 0 && static_cast<std::size_t>(id) < infos_.size()) {
          std::uint8_t net = infos_[static_cast<std::size_t>(id)].service.address.network & 7;
          ++nets.count[net];
          nets.mask = static_cast<std::uint8_t>(nets.mask | (1u << net));
        }
      }
      const BucketNetworks& kept =
          (tried ? tried_bucket_nets_ : new_bucket_nets_)[static_cast<std::size_t>(bucket)];
      if (nets.count != kept.count || nets.mask != kept.mask) {
        return fmt::format("{} bucket {} network counts disagree", tried ? "tried" : "new", bucket);
      }
    }
  }
  std::vector<int> refs(infos_.size(), 0);
  for (int bucket = 0; bucket < kNewBucketCount; ++bucket) {
    for (int position = 0; position < kBucketSize; ++position) {
      EntryId id = new_[slot(bucket, position)];
      if (id == kNoEntry) continue;
      if (id < 0 || static_cast<std::size_t>(id) >= infos_.size()) return "new slot out of range";
      const AddrInfo& info = infos_[static_cast<std::size_t>(id)];
      if (!info.live || info.in_tried)
        return fmt::format("new slot holds a dead or tried entry {}", id);
      if (bucketing_.position(true, bucket, info.service) != position) {
        return fmt::format("entry {} at a wrong position in new bucket {}", id, bucket);
      }
      ++refs[static_cast<std::size_t>(id)];
    }
  }
  for (std::size_t i = 0; i < infos_.size(); ++i) {
    if (infos_[i].live && !infos_[i].in_tried && refs[i] != infos_[i].ref_count) {
      return fmt::format("entry {} has {} references, counted {}", i, infos_[i].ref_count, refs[i]);
    }
  }
  for (EntryId id : tried_) {
    if (id == kNoEntry) continue;
    if (id < 0 || static_cast<std::size_t>(id) >= infos_.size() ||
        !infos_[static_cast<std::size_t>(id)].in_tried) {
      return "tried slot holds an entry not in tried";
    }
  }
  for (EntryId id : collisions_) {
    if (id < 0 || static_cast<std::size_t>(id) >= infos_.size() ||
        !infos_[static_cast<std::size_t>(id)].live) {
      return "collision list holds a dead entry";
    }
  }
  return {};
}

} // namespace peregrine::addrbook
