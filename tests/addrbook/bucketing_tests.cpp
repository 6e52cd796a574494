#include <doctest/doctest.h>

#include <set>

#include "addrbook/addr_tables.hpp"
#include "addrbook/address_class.hpp"
#include "addrbook/bucketing.hpp"
#include "addrbook_test_helpers.hpp"

using namespace peregrine;
using namespace peregrine::addrbook;
using namespace peregrine::addrbook::test;

namespace {

Service service(const wire::NetAddress& a, std::uint16_t port = 8333) {
  return *Service::from(a, port);
}
NetGroup group(const wire::NetAddress& a) { return group_of(a.network, a.bytes); }

// Distinct /16s: address i is in its own group.
wire::NetAddress spread(std::uint32_t i) { return ipv4_n(i << 16 | 0x0101); }

// Buckets of the new table holding at least one entry for which `pred(info)` holds.
template <class Pred>
std::set<int> new_buckets_with(const AddrTables& t, Pred pred) {
  std::set<int> out;
  for (int b = 0; b < kNewBucketCount; ++b) {
    for (int p = 0; p < kBucketSize; ++p) {
      EntryId id = t.new_slot(b, p);
      if (id != kNoEntry && pred(t.info(id))) out.insert(b);
    }
  }
  return out;
}

} // namespace

TEST_CASE("bucket placement is deterministic for a key and differs between keys") {
  Bucketing a(kKey), b(kKey), other(crypto::SipKey{kKey.k0 + 1, kKey.k1});
  auto source = group(ipv4(50, 1, 2, 3));
  int differing_new = 0, differing_tried = 0;
  for (std::uint32_t i = 0; i < 1000; ++i) {
    auto addr = spread(i);
    auto s = service(addr);
    CHECK(a.new_bucket(group(addr), source) == b.new_bucket(group(addr), source));
    CHECK(a.tried_bucket(s, group(addr)) == b.tried_bucket(s, group(addr)));
    CHECK(a.position(true, 7, s) == b.position(true, 7, s));
    differing_new += a.new_bucket(group(addr), source) != other.new_bucket(group(addr), source);
    differing_tried += a.tried_bucket(s, group(addr)) != other.tried_bucket(s, group(addr));
    CHECK(a.new_bucket(group(addr), source) < kNewBucketCount);
    CHECK(a.tried_bucket(s, group(addr)) < kTriedBucketCount);
    CHECK(a.position(false, 3, s) < kBucketSize);
  }
  // Another key is another placement: nearly every address moves.
  CHECK(differing_new > 950);
  CHECK(differing_tried > 950);
}

TEST_CASE("one source group spreads its addresses over at most 64 new buckets") {
  Bucketing b(kKey);
  auto source = group(ipv4(50, 1, 2, 3));
  std::set<int> buckets;
  for (std::uint32_t i = 0; i < 10'000; ++i) buckets.insert(b.new_bucket(group(spread(i)), source));
  CHECK(buckets.size() <= static_cast<std::size_t>(kNewBucketsPerSourceGroup));
  CHECK(buckets.size() >= 55); // and does use its share: 64 slots, a few collide mod 1,024

  // One address group heard from one source group: exactly one bucket.
  std::set<int> single;
  for (std::uint32_t i = 0; i < 1'000; ++i)
    single.insert(b.new_bucket(group(ipv4(60, 7, i >> 8, i & 0xff)), source));
  CHECK(single.size() == 1);

  // Other sources reach other buckets: 200 source groups cover far more than 64.
  std::set<int> many;
  for (std::uint32_t s = 0; s < 200; ++s) {
    for (std::uint32_t i = 0; i < 50; ++i)
      many.insert(b.new_bucket(group(spread(i)), group(spread(10'000 + s))));
  }
  CHECK(many.size() > 900);
}

TEST_CASE("one address group spreads over at most 8 tried buckets") {
  Bucketing b(kKey);
  std::set<int> buckets;
  for (std::uint32_t i = 0; i < 10'000; ++i) {
    auto addr = ipv4(70, 9, static_cast<std::uint8_t>(i >> 8), static_cast<std::uint8_t>(i));
    buckets.insert(b.tried_bucket(service(addr), group(addr)));
  }
  CHECK(buckets.size() <= static_cast<std::size_t>(kTriedBucketsPerGroup));
  CHECK(buckets.size() >= 6);
}

TEST_CASE("the tables enforce the source share: one source's 10,000 addresses stay in 64 buckets") {
  AddrTables t(kKey, Rng(3));
  auto source = *CompactAddress::from(ipv4(50, 1, 2, 3));
  for (std::uint32_t i = 0; i < 10'000; ++i) t.add(entry(spread(i)), source, 0, kNow);
  auto used = new_buckets_with(t, [](const AddrInfo&) { return true; });
  CHECK(used.size() <= 64);
  CHECK(t.new_count() <= 64u * kBucketSize);
  CHECK(t.check().empty());
}

TEST_CASE("eclipse: an attacker in one /16 cannot fill more than its share of the new table") {
  // 1,000 honest addresses, each from its own source in its own group, then 100,000 addresses
  // in many groups relayed by attacker nodes that all sit in one /16.
  AddrTables t(kKey, Rng(11));
  auto honest = [](std::uint32_t i) { return spread(i); };
  auto honest_source = [](std::uint32_t i) { return *CompactAddress::from(spread(20'000 + i)); };
  std::vector<Service> stored_honest;
  for (std::uint32_t i = 0; i < 1'000; ++i) {
    if (t.add(entry(honest(i)), honest_source(i), 0, kNow) == AddOutcome::new_entry) {
      stored_honest.push_back(service(honest(i)));
    }
  }
  CHECK(stored_honest.size() > 950); // a few collide among themselves

  const NetGroup attacker_group = group(ipv4(66, 66, 0, 1));
  for (std::uint32_t i = 0; i < 100'000; ++i) {
    auto source = *CompactAddress::from(
        ipv4(66, 66, static_cast<std::uint8_t>(i >> 8), static_cast<std::uint8_t>(i)));
    auto addr = ipv4_n(0x30000000u + i * 2654435761u % 0x40000000u); // all over the address space
    if (!is_routable(addr.network, addr.bytes)) continue;
    t.add(entry(addr), source, 0, kNow);
  }
  auto from_attacker = [&](const AddrInfo& info) {
    return group_of(info.source) == attacker_group;
  };
  std::size_t attacker_entries = 0;
  for (EntryId id : t.ids()) attacker_entries += from_attacker(t.info(id));
  CHECK(new_buckets_with(t, from_attacker).size() <=
        static_cast<std::size_t>(kNewBucketsPerSourceGroup));
  // Its share: 64 of 1,024 buckets, one sixteenth of the table.
  CHECK(attacker_entries <= static_cast<std::size_t>(kNewBucketsPerSourceGroup * kBucketSize));
  CHECK(attacker_entries > 3'000); // it did fill what it may
  // Every honest entry survived: a slot is only taken from an entry that is terrible.
  for (const Service& s : stored_honest) CHECK(t.find(s).has_value());
  CHECK(t.check().empty());

  // Addresses all inside the attacker's own /16 land in a single bucket: 64 entries at most.
  AddrTables own(kKey, Rng(12));
  for (std::uint32_t i = 0; i < 100'000; ++i) {
    auto source = *CompactAddress::from(ipv4(66, 66, static_cast<std::uint8_t>(i >> 8), 1));
    own.add(entry(ipv4(66, 66, static_cast<std::uint8_t>(i >> 8), static_cast<std::uint8_t>(i)),
                  8333u + static_cast<std::uint16_t>(i % 7)),
            source, 0, kNow);
  }
  CHECK(own.size() <= static_cast<std::size_t>(kBucketSize));
}

TEST_CASE("eclipse: honest addresses arriving after a flood still find room") {
  AddrTables t(kKey, Rng(13));
  for (std::uint32_t i = 0; i < 100'000; ++i) {
    auto source = *CompactAddress::from(
        ipv4(66, 66, static_cast<std::uint8_t>(i >> 8), static_cast<std::uint8_t>(i)));
    t.add(entry(ipv4_n(0x30000000u + i * 2654435761u % 0x40000000u)), source, 0, kNow);
  }
  std::size_t stored = 0;
  for (std::uint32_t i = 0; i < 1'000; ++i) {
    stored += t.add(entry(spread(i)), *CompactAddress::from(spread(20'000 + i)), 0, kNow) ==
              AddOutcome::new_entry;
  }
  CHECK(stored > 900); // at most ~1/16 meet an attacker's slot, a few meet each other
}

TEST_CASE(
    "eclipse: selection weighs buckets, not entries, so a crowded attacker is rarely picked") {
  AddrTables t(kKey, Rng(17));
  const NetGroup attacker_group = group(ipv4(66, 66, 0, 1));
  for (std::uint32_t i = 0; i < 100'000; ++i) {
    auto source = *CompactAddress::from(
        ipv4(66, 66, static_cast<std::uint8_t>(i >> 8), static_cast<std::uint8_t>(i)));
    t.add(entry(ipv4_n(0x30000000u + i * 2654435761u % 0x40000000u)), source, 0, kNow);
  }
  for (std::uint32_t i = 0; i < 500; ++i)
    t.add(entry(spread(i)), *CompactAddress::from(spread(20'000 + i)), 0, kNow);
  std::size_t attacker_entries = 0;
  for (EntryId id : t.ids()) attacker_entries += group_of(t.info(id).source) == attacker_group;
  CHECK(attacker_entries > 8 * (t.size() - attacker_entries)); // it owns nearly all entries...
  std::size_t attacker_picks = 0;
  constexpr int kPicks = 5'000;
  for (int i = 0; i < kPicks; ++i) {
    auto id = t.select(true, Reachability(), kNow);
    REQUIRE(id);
    attacker_picks += group_of(t.info(*id).source) == attacker_group;
  }
  // ...but only its 64 buckets' worth of picks: about 64 / (64 + ~400 honest buckets).
  CHECK(attacker_picks < kPicks * 25 / 100);
  CHECK(attacker_picks > kPicks * 5 / 100);
}
