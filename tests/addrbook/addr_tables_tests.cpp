#include <doctest/doctest.h>

#include <cmath>
#include <set>

#include "addrbook/addr_tables.hpp"
#include "addrbook/address_class.hpp"
#include "addrbook_test_helpers.hpp"

using namespace peregrine;
using namespace peregrine::addrbook;
using namespace peregrine::addrbook::test;

namespace {

Service service(const wire::NetAddress& a, std::uint16_t port = 8333) {
  return *Service::from(a, port);
}
CompactAddress source(std::uint32_t i = 0) {
  return *CompactAddress::from(ipv4(90, 1, 2, static_cast<std::uint8_t>(i)));
}

// The slot `addr` would take in the new table when heard from `from`.
std::pair<int, int> new_slot_of(const AddrTables& t, const wire::NetAddress& addr,
                                const CompactAddress& from) {
  int b = t.bucketing().new_bucket(group_of(addr.network, addr.bytes), group_of(from));
  return {b, t.bucketing().position(true, b, service(addr))};
}

std::pair<int, int> tried_slot_of(const AddrTables& t, const wire::NetAddress& addr) {
  int b = t.bucketing().tried_bucket(service(addr), group_of(addr.network, addr.bytes));
  return {b, t.bucketing().position(false, b, service(addr))};
}

// An address, heard from `from`, landing in the same new slot as `target` (searching /16s).
wire::NetAddress new_slot_twin(const AddrTables& t, const wire::NetAddress& target,
                               const CompactAddress& from) {
  auto want = new_slot_of(t, target, from);
  for (std::uint32_t i = 1;; ++i) {
    auto candidate = ipv4_n(i * 7919u);
    if (candidate == target || !is_routable(candidate.network, candidate.bytes)) continue;
    if (new_slot_of(t, candidate, from) == want) return candidate;
  }
}

wire::NetAddress tried_slot_twin(const AddrTables& t, const wire::NetAddress& target) {
  auto want = tried_slot_of(t, target);
  for (std::uint32_t i = 1;; ++i) {
    auto candidate = ipv4_n(i * 104729u);
    if (candidate == target || !is_routable(candidate.network, candidate.bytes)) continue;
    if (tried_slot_of(t, candidate) == want) return candidate;
  }
}

} // namespace

TEST_CASE("add: new addresses, repeats and unroutable ones") {
  AddrTables t(kKey, Rng(1));
  auto a = ipv4(1, 2, 3, 4);
  CHECK(t.add(entry(a), source(), 0, kNow) == AddOutcome::new_entry);
  CHECK(t.size() == 1);
  CHECK(t.new_count() == 1);
  CHECK(t.counts(1).new_count == 1);
  CHECK(t.add(entry(a), source(), 0, kNow) == AddOutcome::known);
  CHECK(t.size() == 1);
  // The same host on another port is another entry.
  CHECK(t.add(entry(a, 18333), source(), 0, kNow) == AddOutcome::new_entry);
  CHECK(t.size() == 2);
  CHECK(t.add(entry(ipv4(10, 0, 0, 1)), source(), 0, kNow) == AddOutcome::unroutable);
  CHECK(t.add(entry(wire::NetAddress{1, Bytes(16, 9)}), source(), 0, kNow) ==
        AddOutcome::unroutable);
  CHECK(t.add(entry(wire::NetAddress{42, Bytes(3, 9)}), source(), 0, kNow) ==
        AddOutcome::unroutable);
  CHECK(t.size() == 2);
  CHECK(t.check().empty());
}

TEST_CASE("add: every BIP155 network is stored, whatever reachability says") {
  AddrTables t(kKey, Rng(1));
  for (auto id : {wire::NetworkId::ipv4, wire::NetworkId::ipv6, wire::NetworkId::torv3,
                  wire::NetworkId::i2p, wire::NetworkId::cjdns}) {
    CHECK(t.add(entry(of_network(id, 0x42)), source(), 0, kNow) == AddOutcome::new_entry);
    CHECK(t.counts(static_cast<std::uint8_t>(id)).new_count == 1);
  }
  CHECK(t.size() == 5);
  CHECK(t.reachable_count(Reachability()) == 2);
  CHECK(t.reachable_count(Reachability::all()) == 5);
}

TEST_CASE("add: the time penalty, and none for a self-announcement") {
  AddrTables t(kKey, Rng(1));
  auto a = ipv4(1, 2, 3, 4);
  t.add(entry(a, 8333, kNow - 100), source(), 2 * kHour, kNow);
  CHECK(t.info(*t.find(service(a))).time == kNow - 100 - 2 * kHour);
  auto self = ipv4(5, 6, 7, 8);
  t.add(entry(self, 8333, kNow - 100), *CompactAddress::from(self), 2 * kHour, kNow);
  CHECK(t.info(*t.find(service(self))).time == kNow - 100);
}

TEST_CASE("add: last seen is refreshed only after an interval, services accumulate") {
  AddrTables t(kKey, Rng(1));
  auto a = ipv4(1, 2, 3, 4);
  t.add(entry(a, 8333, kNow - 2 * kHour, kNodeNetwork), source(), 0, kNow);
  const AddrInfo& info = t.info(*t.find(service(a)));
  t.add(entry(a, 8333, kNow - 2 * kHour + 600, kNodeWitness), source(), 0, kNow); // 10 min newer
  CHECK(info.time == kNow - 2 * kHour);                                           // not yet
  CHECK(info.services == (kNodeNetwork | kNodeWitness));
  t.add(entry(a, 8333, kNow - 10, kNodeNetwork), source(), 0, kNow); // over an hour newer
  CHECK(info.time == kNow - 10);
}

TEST_CASE("add: one address can be in up to 8 new buckets, each further one less likely") {
  AddrTables t(kKey, Rng(5));
  auto a = ipv4(1, 2, 3, 4);
  std::int64_t time = kNow - 100'000;
  for (std::uint32_t s = 0; s < 2'000; ++s) {
    // Each time a newer sighting from yet another source group.
    t.add(entry(a, 8333, ++time), *CompactAddress::from(ipv4_n((s + 300) << 16 | 1)), 0, kNow);
  }
  const AddrInfo& info = t.info(*t.find(service(a)));
  CHECK(info.ref_count > 1);
  CHECK(info.ref_count <= kMaxNewReferences);
  CHECK(t.check().empty());
}

TEST_CASE("good moves an entry to tried; attempt and connected update it") {
  AddrTables t(kKey, Rng(1));
  auto a = ipv4(1, 2, 3, 4);
  t.add(entry(a), source(), 0, kNow);
  CHECK(t.good(service(ipv4(9, 9, 9, 9)), kNow) == GoodOutcome::not_found);
  CHECK(t.good(service(a), kNow) == GoodOutcome::moved_to_tried);
  CHECK(t.tried_count() == 1);
  CHECK(t.new_count() == 0);
  CHECK(t.counts(1).tried_count == 1);
  const AddrInfo& info = t.info(*t.find(service(a)));
  CHECK(info.in_tried);
  CHECK(info.last_success == kNow);
  CHECK(t.good(service(a), kNow + 1) == GoodOutcome::already_tried);

  t.attempt(service(a), true, kNow + 10);
  CHECK(info.last_try == kNow + 10);
  CHECK(info.attempts == 1);
  // Without a success anywhere since, further failures do not count (we may be offline).
  t.attempt(service(a), true, kNow + 20);
  CHECK(info.attempts == 1);
  t.attempt(service(a), false, kNow + 30);
  CHECK(info.attempts == 1);
  CHECK(info.last_try == kNow + 30);

  t.connected(service(a), kNow + 100); // within 20 minutes of last seen: unchanged
  auto seen = info.time;
  t.connected(service(a), kNow + 3 * kHour);
  CHECK(info.time == kNow + 3 * kHour);
  CHECK(seen != info.time);
  t.set_services(service(a), 0x409);
  CHECK(info.services == 0x409);
  CHECK(t.check().empty());
}

TEST_CASE("terrible entries: the rules") {
  AddrInfo info;
  info.time = kNow - kHour;
  CHECK_FALSE(info.is_terrible(kNow));
  info.time = kNow + 11 * 60;
  CHECK(info.is_terrible(kNow)); // from the future
  info.time = kNow - 31 * kDay;
  CHECK(info.is_terrible(kNow)); // not heard of for a month
  info.last_try = kNow - 30;
  CHECK_FALSE(info.is_terrible(kNow)); // tried a moment ago: give it its chance
  info = AddrInfo{};
  info.time = kNow - kHour;
  info.attempts = 3;
  CHECK(info.is_terrible(kNow)); // three failures, never a success
  info.last_success = kNow - kDay;
  CHECK_FALSE(info.is_terrible(kNow));
  info.attempts = 10;
  CHECK_FALSE(info.is_terrible(kNow)); // ten failures but a success this week
  info.last_success = kNow - 8 * kDay;
  CHECK(info.is_terrible(kNow));

  AddrInfo fresh;
  CHECK(fresh.chance(kNow) == doctest::Approx(1.0));
  fresh.last_try = kNow - 60;
  CHECK(fresh.chance(kNow) == doctest::Approx(0.01));
  fresh.last_try = 0;
  fresh.attempts = 2;
  CHECK(fresh.chance(kNow) == doctest::Approx(0.66 * 0.66));
  fresh.attempts = 30;
  CHECK(fresh.chance(kNow) == doctest::Approx(std::pow(0.66, 8)));
}

TEST_CASE("a terrible entry is evicted by a newcomer for its slot; a healthy one is not") {
  AddrTables t(kKey, Rng(1));
  auto old_addr = ipv4(1, 2, 3, 4);
  CHECK(t.add(entry(old_addr, 8333, kNow - 40 * kDay), source(), 0, kNow - 40 * kDay) ==
        AddOutcome::new_entry);
  auto twin = new_slot_twin(t, old_addr, source());
  // Now the old entry has not been heard of for 40 days: terrible, and its slot goes.
  CHECK(t.add(entry(twin), source(), 0, kNow) == AddOutcome::new_entry);
  CHECK_FALSE(t.find(service(old_addr)).has_value());
  CHECK(t.find(service(twin)).has_value());
  CHECK(t.size() == 1);

  // A healthy incumbent keeps its slot and the newcomer is not stored.
  auto third = new_slot_twin(t, twin, source());
  CHECK(t.add(entry(third), source(), 0, kNow) == AddOutcome::no_room);
  CHECK(t.find(service(twin)).has_value());
  CHECK_FALSE(t.find(service(third)).has_value());
  CHECK(t.check().empty());
}

TEST_CASE("tried collision: the incumbent answers the feeler and stays") {
  AddrTables t(kKey, Rng(1));
  auto incumbent = ipv4(1, 2, 3, 4);
  t.add(entry(incumbent), source(), 0, kNow);
  CHECK(t.good(service(incumbent), kNow) == GoodOutcome::moved_to_tried);
  auto newcomer = tried_slot_twin(t, incumbent);
  t.add(entry(newcomer), source(1), 0, kNow);
  CHECK(t.good(service(newcomer), kNow + 5 * kHour) == GoodOutcome::collision);
  CHECK(t.collision_count() == 1);
  CHECK_FALSE(t.info(*t.find(service(newcomer))).in_tried);
  // The feeler tests the incumbent...
  auto to_test = t.select_tried_collision();
  REQUIRE(to_test);
  CHECK(t.info(*to_test).service == service(incumbent));
  // ... which answers: good() keeps it, and resolving drops the newcomer's claim.
  CHECK(t.good(service(incumbent), kNow + 5 * kHour + 30) == GoodOutcome::already_tried);
  t.resolve_collisions(kNow + 5 * kHour + 60);
  CHECK(t.collision_count() == 0);
  CHECK(t.info(*t.find(service(incumbent))).in_tried);
  CHECK_FALSE(t.info(*t.find(service(newcomer))).in_tried);
  CHECK(t.check().empty());
}

TEST_CASE("tried collision: the incumbent fails the feeler and is replaced") {
  AddrTables t(kKey, Rng(1));
  auto incumbent = ipv4(1, 2, 3, 4);
  t.add(entry(incumbent), source(), 0, kNow);
  t.good(service(incumbent), kNow);
  auto newcomer = tried_slot_twin(t, incumbent);
  t.add(entry(newcomer), source(1), 0, kNow);
  std::int64_t later = kNow + 5 * kHour;
  CHECK(t.good(service(newcomer), later) == GoodOutcome::collision);
  t.attempt(service(incumbent), true, later + 10); // the feeler's attempt, no answer
  t.resolve_collisions(later + 30);                // under a minute: still waiting
  CHECK(t.collision_count() == 1);
  t.resolve_collisions(later + 10 + 61);
  CHECK(t.collision_count() == 0);
  CHECK(t.info(*t.find(service(newcomer))).in_tried);
  // The incumbent is not forgotten: it goes back to the new table.
  REQUIRE(t.find(service(incumbent)));
  CHECK_FALSE(t.info(*t.find(service(incumbent))).in_tried);
  CHECK(t.check().empty());
}

TEST_CASE("tried collision: never tested within the window, the newcomer wins") {
  AddrTables t(kKey, Rng(1));
  auto incumbent = ipv4(1, 2, 3, 4);
  t.add(entry(incumbent), source(), 0, kNow);
  t.good(service(incumbent), kNow);
  auto newcomer = tried_slot_twin(t, incumbent);
  t.add(entry(newcomer), source(1), 0, kNow);
  std::int64_t later = kNow + 5 * kHour;
  t.good(service(newcomer), later);
  t.resolve_collisions(later + 30 * 60);
  CHECK(t.collision_count() == 1);
  t.resolve_collisions(later + 41 * 60);
  CHECK(t.collision_count() == 0);
  CHECK(t.info(*t.find(service(newcomer))).in_tried);
}

TEST_CASE("without test-before-evict a newcomer takes its tried slot at once") {
  AddrTables t(kKey, Rng(1));
  auto incumbent = ipv4(1, 2, 3, 4);
  t.add(entry(incumbent), source(), 0, kNow);
  t.good(service(incumbent), kNow);
  auto newcomer = tried_slot_twin(t, incumbent);
  t.add(entry(newcomer), source(1), 0, kNow);
  CHECK(t.good(service(newcomer), kNow + 1, false) == GoodOutcome::moved_to_tried);
  CHECK_FALSE(t.info(*t.find(service(incumbent))).in_tried);
  CHECK(t.check().empty());
}

TEST_CASE("at most 10 tried collisions wait for a feeler") {
  AddrTables t(kKey, Rng(1));
  std::vector<wire::NetAddress> newcomers;
  for (std::uint32_t i = 0; newcomers.size() < 12; ++i) {
    auto incumbent = ipv4_n((i + 500) << 16 | 0x0909);
    t.add(entry(incumbent), source(), 0, kNow);
    if (t.good(service(incumbent), kNow) != GoodOutcome::moved_to_tried) continue;
    auto twin = tried_slot_twin(t, incumbent);
    if (t.find(service(twin))) continue;
    t.add(entry(twin), source(1), 0, kNow);
    if (!t.find(service(twin))) continue;
    newcomers.push_back(twin);
  }
  for (const auto& n : newcomers) CHECK(t.good(service(n), kNow + 10) == GoodOutcome::collision);
  CHECK(t.collision_count() == kMaxTriedCollisions);
  CHECK(t.check().empty());
}

TEST_CASE("select: reachable networks only, new_only, and nothing from an empty book") {
  AddrTables t(kKey, Rng(9));
  CHECK_FALSE(t.select(false, Reachability(), kNow));
  auto tor = of_network(wire::NetworkId::torv3, 0x55);
  t.add(entry(tor), source(), 0, kNow);
  CHECK_FALSE(t.select(false, Reachability(), kNow)); // only Tor: nothing reachable
  REQUIRE(t.select(false, Reachability::all(), kNow));
  auto a = ipv4(1, 2, 3, 4);
  t.add(entry(a), source(), 0, kNow);
  for (int i = 0; i < 200; ++i) {
    auto id = t.select(false, Reachability(), kNow);
    REQUIRE(id);
    CHECK(t.info(*id).service == service(a));
  }
  t.good(service(a), kNow);
  CHECK_FALSE(t.select(true, Reachability(), kNow)); // new_only: only Tor is new
  CHECK(t.select(false, Reachability(), kNow));
}

TEST_CASE("select: both tables are used and recent failures are picked less") {
  AddrTables t(kKey, Rng(21));
  std::vector<wire::NetAddress> addrs;
  for (std::uint32_t i = 0; i < 400; ++i) {
    addrs.push_back(ipv4_n(i << 16 | 0x0505));
    t.add(entry(addrs.back()), *CompactAddress::from(ipv4_n((i + 1000) << 16 | 1)), 0, kNow);
  }
  for (std::uint32_t i = 0; i < 200; ++i) t.good(service(addrs[i]), kNow, false);
  std::size_t tried = 0, failing = 0;
  for (std::uint32_t i = 200; i < 300; ++i) t.attempt(service(addrs[i]), false, kNow); // just tried
  for (int n = 0; n < 2'000; ++n) {
    auto id = t.select(false, Reachability(), kNow + 60);
    REQUIRE(id);
    tried += t.info(*id).in_tried;
    std::uint32_t index = 0;
    while (!(service(addrs[index]) == t.info(*id).service)) ++index;
    failing += index >= 200 && index < 300;
  }
  CHECK(tried > 800); // about half from each table
  CHECK(tried < 1200);
  CHECK(failing < 100); // a quarter of the book, just tried: picked far less than a quarter
}

TEST_CASE("sample: a random 23% at most, without terrible entries") {
  AddrTables t(kKey, Rng(4));
  for (std::uint32_t i = 0; i < 1'000; ++i) {
    std::int64_t seen = i < 100 ? kNow - 60 * kDay : kNow - kHour; // 100 terrible
    t.add(entry(ipv4_n(i << 16 | 0x0303), 8333, seen),
          *CompactAddress::from(ipv4_n((i + 2000) << 16 | 1)), 0, kNow);
  }
  std::size_t size = t.size();
  auto first = t.sample(1'000, 23, kNow);
  CHECK(first.size() <= size * 23 / 100);
  CHECK(first.size() > size * 23 / 100 - 40); // the terrible ones are skipped, not replaced
  std::set<std::pair<Bytes, std::uint16_t>> distinct;
  for (const auto& e : first) {
    CHECK(e.time > kNow - 30 * kDay);
    distinct.insert({e.address.bytes, e.port});
  }
  CHECK(distinct.size() == first.size());
  CHECK(t.sample(10, 23, kNow).size() == 10);
  auto second = t.sample(1'000, 23, kNow);
  CHECK(first != second); // random
  CHECK(t.check().empty());
}

TEST_CASE("invariants hold after many random operations") {
  AddrTables t(kKey, Rng(77));
  Rng ops(78);
  std::vector<wire::NetAddress> pool;
  for (std::uint32_t i = 0; i < 3'000; ++i)
    pool.push_back(ipv4_n(static_cast<std::uint32_t>(ops.next())));
  for (int step = 0; step < 30'000; ++step) {
    const auto& a = pool[ops.below(pool.size())];
    std::int64_t now = kNow + step;
    switch (ops.below(6)) {
    case 0:
    case 1:
      t.add(entry(a, 8333, now - static_cast<std::int64_t>(ops.below(40 * kDay))),
            *CompactAddress::from(pool[ops.below(50)]),
            static_cast<std::int64_t>(ops.below(2)) * 7200, now);
      break;
    case 2: t.good(service(a), now, ops.coin()); break;
    case 3: t.attempt(service(a), ops.coin(), now); break;
    case 4: t.resolve_collisions(now); break;
    case 5: t.select(ops.coin(), Reachability(), now); break;
    }
  }
  CHECK(t.check().empty());
  CHECK(t.size() > 0);
  CHECK(t.tried_count() > 0);
}
