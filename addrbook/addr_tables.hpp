#pragma once
// The new and tried tables of Bitcoin Core's addrman: the data structure and its rules, without
// locking, files or logging (AddrBook adds those). Not thread-safe.
//
// new:   1,024 buckets x 64 slots of addresses we heard of. An address may sit in up to 8 slots
//        (heard from several source groups); a slot is only taken over from an entry that is
//        terrible, or that has other slots while the newcomer has none.
// tried: 256 buckets x 64 slots of addresses we connected to. Moving in may collide with an
//        incumbent; with test-before-evict the newcomer waits while a feeler tests the incumbent.
#include <array>
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <unordered_map>
#include <vector>

#include "addrbook/addr_info.hpp"
#include "addrbook/bucketing.hpp"
#include "addrbook/random.hpp"
#include "addrbook/reachability.hpp"
#include "addrbook/service.hpp"

namespace peregrine::addrbook {

using EntryId = std::int32_t;
inline constexpr EntryId kNoEntry = -1;

inline constexpr std::size_t kMaxTriedCollisions = 10;        // newcomers waiting on a feeler
inline constexpr std::int64_t kReplacementWindow = 4 * kHour; // incumbent good this recently: keep
inline constexpr std::int64_t kTestWindow = 40 * 60;          // unresolved this long: evict anyway
inline constexpr std::int64_t kTestGrace = 60;                // a feeler's time to connect
inline constexpr std::int64_t kUpdateConnected = 20 * 60;     // connected(): refresh last seen

enum class AddOutcome : std::uint8_t {
  new_entry,     // a new address, now in one new slot
  new_reference, // a known address, now in one more new slot
  known,         // known already; last seen and services refreshed at most
  no_room,       // its slot is held by an entry that is worth more: not stored
  unroutable,    // invalid for its network or not publicly routable: not stored
};

enum class GoodOutcome : std::uint8_t { not_found, already_tried, moved_to_tried, collision };

enum class RestoreOutcome : std::uint8_t { restored, duplicate, dropped };

struct NetworkCounts {
  std::size_t new_count = 0;
  std::size_t tried_count = 0;
};

class AddrTables {
public:
  AddrTables(const crypto::SipKey& key, Rng rng);

  const crypto::SipKey& key() const { return bucketing_.key(); }
  std::size_t size() const { return index_.size(); }
  std::size_t new_count() const { return new_count_; }
  std::size_t tried_count() const { return tried_count_; }
  // By BIP155 network id (1..6); other ids are always zero.
  const NetworkCounts& counts(std::uint8_t network) const { return per_network_[network & 7]; }
  std::size_t reachable_count(const Reachability& reach) const;

  // One address heard from `source`. `time_penalty` seconds are taken off its advertised time
  // (Core: 2 h for gossip, nothing for seeds and self-announcements).
  AddOutcome add(const wire::AddressEntry& entry, const CompactAddress& source,
                 std::int64_t time_penalty, std::int64_t now);

  GoodOutcome good(const Service& service, std::int64_t now, bool test_before_evict = true);
  // A failure counts at most once per success anywhere (m_last_good): failures while we are
  // offline do not make the whole book terrible.
  void attempt(const Service& service, bool count_failure, std::int64_t now);
  void connected(const Service& service, std::int64_t now);
  void set_services(const Service& service, std::uint64_t services);

  // A random entry of a reachable network: from tried or new with even odds (new only when
  // asked), weighted by AddrInfo::chance. nullopt when there is none.
  std::optional<EntryId> select(bool new_only, const Reachability& reach, std::int64_t now);

  // Up to max_count entries (0: no limit) and at most max_percent of the book (0: no limit), in
  // random order, terrible ones left out.
  std::vector<wire::AddressEntry> sample(std::size_t max_count, std::size_t max_percent,
                                         std::int64_t now);

  // Tried collisions: the incumbent to test with a feeler, and the rule deciding who stays.
  std::optional<EntryId> select_tried_collision();
  void resolve_collisions(std::int64_t now);
  std::size_t collision_count() const { return collisions_.size(); }

  std::optional<EntryId> find(const Service& service) const;
  const AddrInfo& info(EntryId id) const { return infos_[static_cast<std::size_t>(id)]; }
  std::span<const EntryId> ids() const { return random_order_; }
  EntryId new_slot(int bucket, int position) const { return new_[slot(bucket, position)]; }
  EntryId tried_slot(int bucket, int position) const { return tried_[slot(bucket, position)]; }
  const Bucketing& bucketing() const { return bucketing_; }

  // Loading: puts a saved entry back. New entries go to the listed buckets where their position
  // is free (to their source's bucket when none is); tried entries to their tried slot.
  RestoreOutcome restore(const AddrInfo& saved, std::span<const std::uint16_t> new_buckets);

  // Every invariant of the tables; an empty string when all hold. For tests and fuzzing.
  std::string check() const;

private:
  static std::size_t slot(int bucket, int position) {
    return static_cast<std::size_t>(bucket) * kBucketSize + static_cast<std::size_t>(position);
  }
  AddrInfo* lookup(const Service& service);
  EntryId create(const Service& service, const CompactAddress& source);
  void erase(EntryId id);
  void clear_new_slot(int bucket, int position);
  void make_tried(EntryId id);
  int new_bucket_of(const AddrInfo& info) const;
  int tried_bucket_of(const AddrInfo& info) const;
  void swap_random(std::size_t a, std::size_t b);
  // Every slot write goes through here, keeping the per-bucket network counts right.
  void set_slot(bool tried, int bucket, int position, EntryId id);
  int pick_bucket(bool tried, const Reachability& reach); // -1: none
  void count(const AddrInfo& info, bool tried, int delta);

  Bucketing bucketing_;
  Rng rng_;
  std::vector<AddrInfo> infos_;
  std::vector<EntryId> free_ids_;
  std::unordered_map<Service, EntryId, ServiceHasher> index_;
  std::vector<EntryId> random_order_;
  std::vector<EntryId> new_;
  std::vector<EntryId> tried_;
  // Entries per network in each bucket (at most 64 fit) and the networks present, so selection
  // finds the buckets holding reachable entries without probing empty ones.
  struct BucketNetworks {
    std::array<std::uint8_t, 8> count{};
    std::uint8_t mask = 0;
  };
  std::vector<BucketNetworks> new_bucket_nets_;
  std::vector<BucketNetworks> tried_bucket_nets_;
  std::uint64_t generation_ = 0; // bumped on every slot change
  struct Candidates {            // pick_bucket's list of eligible buckets, per table
    bool valid = false;
    std::uint64_t generation = 0;
    std::uint8_t mask = 0;
    std::vector<int> buckets;
  };
  std::array<Candidates, 2> candidates_;
  std::size_t new_count_ = 0;
  std::size_t tried_count_ = 0;
  std::array<NetworkCounts, 8> per_network_{};
  std::vector<EntryId> collisions_;
  std::int64_t last_good_ = 1; // as Core: the first failures count
};

} // namespace peregrine::addrbook
