// The address book used from several threads at once, as the network thread, a timer thread
// (saving) and the status interface do. Meaningful under ThreadSanitizer (see doc/addrbook.md);
// in a plain build it still checks that concurrent use leaves the tables consistent.
#include <doctest/doctest.h>

#include <atomic>
#include <thread>

#include "addrbook/addr_gossip.hpp"
#include "addrbook/seeder.hpp"
#include "addrbook_test_helpers.hpp"

using namespace peregrine;
using namespace peregrine::addrbook;
using namespace peregrine::addrbook::test;

TEST_CASE("concurrent gossip, selection, feelers, saving and status reads") {
  ScratchDir dir;
  LogCapture log;
  auto o = options();
  o.file = dir / "peers.dat";
  o.log = log.sink();
  AddrBook book(o);
  AddrGossip gossip(book, 3);
  constexpr int kRounds = 400;

  std::atomic<bool> failed{false};
  std::vector<std::thread> threads;
  // Two "network threads", each with its own peers.
  for (int t = 0; t < 2; ++t) {
    threads.emplace_back([&, t] {
      auto peer = gossip.new_peer(true, kNow);
      peer.on_getaddr_sent();
      for (int i = 0; i < kRounds; ++i) {
        std::vector<wire::AddressEntry> batch;
        for (int k = 0; k < 10; ++k)
          batch.push_back(
              entry(ipv4_n(static_cast<std::uint32_t>((t * kRounds + i) * 10 + k) << 12 | 1)));
        peer.on_getaddr_sent();
        gossip.on_addr(peer, batch, ipv4_n(static_cast<std::uint32_t>(t * 1000 + i % 50) << 16 | 1),
                       kNow + i);
        if (auto e = book.select(i % 3 == 0, kNow + i)) {
          book.attempt(e->address, e->port, kNow + i);
          if (i % 2) book.good(e->address, e->port, kNow + i);
          for (auto id :
               gossip.relay_targets(*e, std::vector<PeerId>{1, 2, 3, 4}, PeerId{1}, kNow + i)) {
            if (id == 0) failed = true;
          }
        }
        auto other = gossip.new_peer(true, kNow);
        gossip.on_getaddr(other, ipv4(44, 0, 0, static_cast<std::uint8_t>(t)), kNow + i);
      }
    });
  }
  // Outbound selection and feelers.
  threads.emplace_back([&] {
    for (int i = 0; i < kRounds; ++i) {
      book.select_many(8, {}, kNow + i);
      if (auto f = book.select_feeler(kNow + i)) book.good(f->address, f->port, kNow + i);
      book.set_reachable(wire::NetworkId::torv3, i % 2 == 0);
    }
  });
  // The timer thread saving, and the status interface reading.
  threads.emplace_back([&] {
    for (int i = 0; i < 20; ++i) {
      if (!book.save()) failed = true;
      book.save_if_due(kNow + i * 100);
    }
  });
  threads.emplace_back([&] {
    for (int i = 0; i < kRounds; ++i) {
      auto s = book.stats();
      if (s.new_count + s.tried_count != s.size) failed = true;
      book.sample(100, kNow);
      (void)book.size();
      (void)book.find(ipv4_n(1 << 12 | 1), 8333);
    }
  });
  for (auto& th : threads) th.join();
  CHECK_FALSE(failed);
  CHECK(book.check().empty());
  CHECK(book.size() > 0);

  AddrBook reloaded(o);
  CHECK(reloaded.load().status == LoadStatus::loaded);
  CHECK(reloaded.check().empty());
}

TEST_CASE("the seeder is polled and read from different threads while lookups finish") {
  AddrBook book(options());
  std::atomic<int> calls{0};
  Resolver resolver =
      [&calls](
          const std::string& host) -> std::expected<std::vector<wire::NetAddress>, std::string> {
    ++calls;
    std::vector<wire::NetAddress> out;
    for (std::uint8_t i = 0; i < 20; ++i)
      out.push_back(ipv4(static_cast<std::uint8_t>(30 + host.size()), i, 1, 1));
    return out;
  };
  SeedOptions o;
  o.dns_seeds = {"a.", "bb.", "ccc.", "dddd."};
  o.default_port = 8333;
  o.seed_nodes = {"node-one", "node-two"};
  Seeder seeder(book, o, resolver, {}, kNow, 1);
  std::thread poller([&] {
    for (int i = 0; i < 200; ++i) seeder.poll(kNow + i, 0);
  });
  std::thread reader([&] {
    for (int i = 0; i < 200; ++i) {
      (void)seeder.status();
      (void)seeder.take_seed_nodes();
      (void)book.stats();
    }
  });
  poller.join();
  reader.join();
  REQUIRE(seeder.wait_idle(std::chrono::seconds(10)));
  seeder.poll(kNow + 500, 0);
  CHECK(calls == 6);
  CHECK(book.check().empty());
}
