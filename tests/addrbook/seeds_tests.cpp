#include <doctest/doctest.h>

#include <atomic>
#include <condition_variable>
#include <map>
#include <memory>
#include <mutex>
#include <set>

#include "addrbook/address_class.hpp"
#include "wire/address_text.hpp"
#include "addrbook/dns_resolver.hpp"
#include "addrbook/fixed_seeds.hpp"
#include "addrbook/seeder.hpp"
#include "addrbook_test_helpers.hpp"
#include "test_data.hpp"

using namespace peregrine;
using namespace peregrine::addrbook;
using namespace peregrine::addrbook::test;
using namespace std::chrono_literals;

namespace {

// A resolver answering from a table, counting calls; names it does not know fail. Shared state
// lives in a shared_ptr: a lookup thread may outlive the test's locals.
struct FakeDns {
  struct State {
    std::mutex mutex;
    std::map<std::string, std::vector<wire::NetAddress>> answers;
    std::vector<std::string> asked;
  };
  std::shared_ptr<State> state = std::make_shared<State>();

  void answer(const std::string& host, std::vector<wire::NetAddress> addresses) {
    std::lock_guard lock(state->mutex);
    state->answers[host] = std::move(addresses);
  }
  std::vector<std::string> asked() const {
    std::lock_guard lock(state->mutex);
    return state->asked;
  }
  Resolver resolver() const {
    return
        [s = state](
            const std::string& host) -> std::expected<std::vector<wire::NetAddress>, std::string> {
          std::lock_guard lock(s->mutex);
          s->asked.push_back(host);
          auto it = s->answers.find(host);
          if (it == s->answers.end())
            return std::unexpected(std::string("Name or service not known"));
          return it->second;
        };
  }
};

// A resolver that blocks until released: a DNS server that never answers.
struct StuckDns {
  struct State {
    std::mutex mutex;
    std::condition_variable cv;
    bool released = false;
  };
  std::shared_ptr<State> state = std::make_shared<State>();
  Resolver resolver() const {
    return [s = state](
               const std::string&) -> std::expected<std::vector<wire::NetAddress>, std::string> {
      std::unique_lock lock(s->mutex);
      s->cv.wait(lock, [&] { return s->released; });
      return std::vector<wire::NetAddress>{ipv4(1, 1, 1, 1)};
    };
  }
  void release() {
    std::lock_guard lock(state->mutex);
    state->released = true;
    state->cv.notify_all();
  }
};

std::vector<wire::NetAddress> addresses(std::uint32_t first, std::uint32_t count) {
  std::vector<wire::NetAddress> out;
  for (std::uint32_t i = 0; i < count; ++i) out.push_back(ipv4_n((first + i) << 16 | 0x0203));
  return out;
}

SeedOptions seeds(std::vector<std::string> dns, std::string network = "main") {
  SeedOptions o;
  o.network = std::move(network);
  o.dns_seeds = std::move(dns);
  o.default_port = 8333;
  return o;
}

// Polls until the lookups are back and collected (waiting in real time only for the threads).
void settle(Seeder& seeder, std::int64_t now, std::size_t outbound = 0) {
  seeder.poll(now, outbound);
  REQUIRE(seeder.wait_idle(10s));
  seeder.poll(now, outbound);
}

} // namespace

TEST_CASE("an empty book queries every DNS seed at once and stores the answers") {
  AddrBook book(options());
  FakeDns dns;
  dns.answer("seed-a.example.", addresses(0, 30));
  dns.answer("seed-b.example.", addresses(100, 20));
  LogCapture log;
  Seeder seeder(book, seeds({"seed-a.example.", "seed-b.example.", "seed-c.example."}),
                dns.resolver(), log.sink(), kNow, 1);
  settle(seeder, kNow);
  CHECK(dns.asked().size() == 3);
  CHECK(book.size() == 50);
  CHECK(seeder.status().dns_addresses == 50);
  CHECK(seeder.status().lookups_in_flight == 0);
  CHECK(log.contains("DNS seed seed-a.example.: 30 addresses, 30 new"));
  CHECK(log.contains("seed-c.example.: Name or service not known"));
  // Seed answers are dated three to seven days back, with the default port and full services.
  auto info = book.find(addresses(0, 1)[0], 8333);
  REQUIRE(info);
  CHECK(info->time <= kNow - 3 * kDay);
  CHECK(info->time >= kNow - 7 * kDay);
  CHECK(info->services == (kNodeNetwork | kNodeWitness));
  // Each seed is its own source group.
  CHECK(group_of(info->source) ==
        group_of(*CompactAddress::from(internal_address("seed-a.example."))));
  // Once per run.
  settle(seeder, kNow + kDay);
  CHECK(dns.asked().size() == 3);
}

TEST_CASE("--dnsseed=0: no DNS; with no seed node either, fixed seeds at once") {
  AddrBook book(options());
  FakeDns dns;
  LogCapture log;
  auto o = seeds({"seed-a.example."});
  o.dns_seed = false;
  Seeder seeder(book, o, dns.resolver(), log.sink(), kNow, 1);
  settle(seeder, kNow);
  CHECK(dns.asked().empty());
  CHECK_FALSE(seeder.status().dns_started);
  // Fixed seeds of the reachable networks only (IPv4 and IPv6 by default).
  auto stats = book.stats();
  CHECK(stats.by_network[1].new_count > 10);
  CHECK(stats.by_network[2].new_count > 3);
  CHECK(stats.by_network[4].new_count == 0);
  CHECK(seeder.status().fixed_added ==
        stats.by_network[1].new_count + stats.by_network[2].new_count);
  CHECK(log.contains("fixed seeds"));
  // Not again.
  auto before = book.size();
  settle(seeder, kNow + kDay);
  CHECK(book.size() == before);
}

TEST_CASE("fixed seeds wait 60 s for DNS, and are skipped when DNS filled the book") {
  FakeDns dns;
  dns.answer("seed-a.example.", addresses(0, 30));
  {
    AddrBook book(options());
    Seeder seeder(book, seeds({"seed-a.example."}), dns.resolver(), {}, kNow, 1);
    settle(seeder, kNow);
    settle(seeder, kNow + 61);
    // DNS gave IPv4 addresses only: IPv6, still empty after 60 s, gets its fixed seeds.
    CHECK(book.stats().by_network[1].new_count == 30);
    CHECK(book.stats().by_network[2].new_count > 0);
    CHECK(seeder.status().fixed_added == book.stats().by_network[2].new_count);
  }
  {
    AddrBook book(options());
    FakeDns silent; // every seed fails
    Seeder seeder(book, seeds({"seed-a.example."}), silent.resolver(), {}, kNow, 1);
    settle(seeder, kNow);
    CHECK(book.size() == 0);
    settle(seeder, kNow + 59);
    CHECK(book.size() == 0);
    settle(seeder, kNow + 60);
    CHECK(book.stats().reachable > 10);
  }
}

TEST_CASE("a DNS seed that never answers is abandoned after its timeout, without blocking") {
  AddrBook book(options());
  StuckDns stuck;
  LogCapture log;
  auto o = seeds({"stuck.example."});
  o.lookup_timeout = 30;
  o.fixed_seeds = false;
  Seeder seeder(book, o, stuck.resolver(), log.sink(), kNow, 1);
  seeder.poll(kNow, 0); // returns at once although the lookup hangs
  CHECK(seeder.status().lookups_in_flight == 1);
  seeder.poll(kNow + 29, 0);
  CHECK(seeder.status().lookups_in_flight == 1);
  seeder.poll(kNow + 30, 0);
  CHECK(seeder.status().lookups_in_flight == 0);
  CHECK(log.contains("stuck.example.: no answer after 30 s, giving up"));
  CHECK_FALSE(seeder.wait_idle(0ms)); // the thread is still blocked in the resolver...
  stuck.release();
  CHECK(seeder.wait_idle(10s)); // ...and ends on its own; its late answer is ignored
  seeder.poll(kNow + 31, 0);
  CHECK(book.size() == 0);
}

TEST_CASE("lookups beyond the thread limit wait their turn") {
  AddrBook book(options());
  StuckDns stuck;
  auto o = seeds({"a.", "b.", "c."});
  o.max_threads = 2;
  o.fixed_seeds = false;
  Seeder seeder(book, o, stuck.resolver(), {}, kNow, 1);
  seeder.poll(kNow, 0);
  CHECK(seeder.status().lookups_in_flight == 3); // two running, one queued
  stuck.release();
  REQUIRE(seeder.wait_idle(10s));
  seeder.poll(kNow + 1, 0); // collects two, starts the third
  REQUIRE(seeder.wait_idle(10s));
  seeder.poll(kNow + 2, 0);
  CHECK(seeder.status().lookups_in_flight == 0);
  CHECK(seeder.status().dns_addresses == 3);
}

TEST_CASE("a book with addresses waits before DNS, and skips it with two outbound peers") {
  for (auto [known, delay] :
       std::vector<std::pair<std::uint32_t, std::int64_t>>{{10, 11}, {1'200, 300}}) {
    CAPTURE(known);
    AddrBook book(options());
    for (std::uint32_t i = 0; i < known; ++i)
      book.add(std::vector{entry(ipv4_n(i << 16 | 9))}, ipv4_n((i + 3000) << 16 | 1), kNow);
    FakeDns dns;
    Seeder seeder(book, seeds({"seed-a.example."}), dns.resolver(), {}, kNow, 1);
    settle(seeder, kNow + delay - 1);
    CHECK(dns.asked().empty());
    settle(seeder, kNow + delay);
    CHECK(dns.asked().size() == 1);
  }
  AddrBook book(options());
  book.add(std::vector{entry(ipv4(1, 2, 3, 4))}, ipv4(9, 9, 9, 9), kNow);
  FakeDns dns;
  LogCapture log;
  Seeder seeder(book, seeds({"seed-a.example."}), dns.resolver(), log.sink(), kNow, 1);
  settle(seeder, kNow + 11, 2);
  CHECK(dns.asked().empty());
  CHECK(seeder.status().dns_started);
  CHECK(log.contains("not querying DNS seeds"));
}

TEST_CASE("--seednode: numeric targets at once, names resolved, DNS held back 30 s") {
  AddrBook book(options());
  FakeDns dns;
  dns.answer("node.example", {ipv4(8, 8, 4, 4)});
  dns.answer("seed-a.example.", addresses(0, 5));
  LogCapture log;
  auto o = seeds({"seed-a.example."});
  o.seed_nodes = {"1.2.3.4", "[2001:db9::1]:18333", "node.example:9000", "nowhere.example",
                  "bad:port:x]"};
  Seeder seeder(book, o, dns.resolver(), log.sink(), kNow, 1);
  settle(seeder, kNow);
  auto targets = seeder.take_seed_nodes();
  REQUIRE(targets.size() == 3);
  std::map<std::string, SeedNodeTarget> by_host;
  for (auto& t : targets) by_host[t.host] = t;
  CHECK(by_host["1.2.3.4"].address == ipv4(1, 2, 3, 4));
  CHECK(by_host["1.2.3.4"].port == 8333);
  CHECK(by_host["[2001:db9::1]:18333"].port == 18333);
  CHECK(by_host["node.example"].address == ipv4(8, 8, 4, 4));
  CHECK(by_host["node.example"].port == 9000);
  CHECK(seeder.take_seed_nodes().empty()); // each handed out once
  CHECK(log.contains("nowhere.example"));
  CHECK(log.contains("ignoring seed node \"bad:port:x]\""));
  // DNS waits for the seed nodes' head start.
  auto asked = dns.asked();
  CHECK(std::find(asked.begin(), asked.end(), "seed-a.example.") == asked.end());
  settle(seeder, kNow + 30);
  asked = dns.asked();
  CHECK(std::find(asked.begin(), asked.end(), "seed-a.example.") != asked.end());
}

TEST_CASE("regtest has no seeds at all, and testnet3 no fixed seeds") {
  AddrBook book(options());
  FakeDns dns;
  Seeder seeder(book, seeds({}, "regtest"), dns.resolver(), {}, kNow, 1);
  settle(seeder, kNow + 3'600);
  CHECK(book.size() == 0);
  CHECK(dns.asked().empty());
  CHECK(fixed_seed_text("regtest").empty());
  CHECK(fixed_seed_text("testnet3").empty());
  CHECK(fixed_seed_text("nonsense").empty());
}

TEST_CASE("every fixed seed parses, on the network's default port (I2P: port 0)") {
  // Ports from the shared chain parameters, independent of this module.
  auto params = peregrine::test::load_shared_json("chain/chainparams.json");
  const auto* networks_json = params.find("networks");
  REQUIRE(networks_json);
  for (const char* network : {"main", "testnet3", "testnet4", "signet", "regtest"}) {
    CAPTURE(network);
    const auto* net = networks_json->find(network);
    REQUIRE(net);
    auto port = net->find("default_port")->as_uint64().value_or(0);
    Rng rng(1);
    auto text = fixed_seed_text(network);
    auto parsed = fixed_seeds(network, kNow, rng);
    CHECK(parsed.size() == text.size());
    std::set<std::uint8_t> networks;
    for (const auto& e : parsed) {
      CAPTURE(e.address.to_string());
      CHECK(is_routable(e.address.network, e.address.bytes));
      CHECK(e.port == (e.address.is(wire::NetworkId::i2p) ? 0 : port));
      CHECK(e.time <= kNow - 7 * kDay);
      CHECK(e.time >= kNow - 14 * kDay);
      networks.insert(e.address.network);
    }
    if (!text.empty()) CHECK(networks == std::set<std::uint8_t>{1, 2, 4, 5, 6});
  }
}

TEST_CASE("the system resolver answers numeric hosts without the network") {
  auto r = system_resolver()("127.0.0.1");
  REQUIRE(r);
  REQUIRE_FALSE(r->empty());
  CHECK(r->front() == ipv4(127, 0, 0, 1));
}
