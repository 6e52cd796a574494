#pragma once
// Seeding an empty or nearly empty address book, on Bitcoin Core's schedule:
//   - --seednode=HOST[:PORT] targets first: resolved (if names) and handed to the peer manager for
//     short address-fetch connections (connect, getaddr, disconnect);
//   - DNS seeds of the network: queried at once when no reachable address is known (after 30 s
//     when seed nodes were given, to let them answer first), otherwise after 11 s (5 min with
//     1,000+ addresses) and only if we still lack two outbound connections; once per run;
//   - fixed seeds: for each reachable network still without a single address 60 s after start,
//     or at once when neither DNS seeds nor seed nodes are configured.
// Lookups run on detached worker threads with a deadline; a lookup past its deadline is abandoned
// (getaddrinfo cannot be cancelled) and its thread ends on its own, touching nothing of ours.
// poll() never blocks: the node calls it from a timer (once a second is plenty).
#include <chrono>
#include <cstdint>
#include <memory>
#include <mutex>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "addrbook/addr_book.hpp"
#include "addrbook/dns_resolver.hpp"
#include "addrbook/random.hpp"

namespace peregrine::addrbook {

inline constexpr std::int64_t kDnsSeedDelayFewPeers = 11; // seconds after start
inline constexpr std::int64_t kDnsSeedDelayManyPeers = 5 * 60;
inline constexpr std::size_t kDnsSeedManyPeersThreshold = 1'000; // reachable addresses
inline constexpr std::size_t kDnsSeedEnoughOutbound = 2;
inline constexpr std::int64_t kSeedNodeHeadStart = 30;
inline constexpr std::int64_t kFixedSeedDelay = 60;
inline constexpr std::int64_t kDefaultLookupTimeout = 30;

struct SeedOptions {
  // From the chain parameters (the node fills these in; the address book does not depend on the
  // consensus module): consensus::to_string(network), dns_seeds and default_port.
  std::string network = "main";       // selects the fixed seeds
  std::vector<std::string> dns_seeds; // names to resolve
  std::uint16_t default_port = 0;
  bool dns_seed = true;                // --dnsseed (false for --dnsseed=0)
  std::vector<std::string> seed_nodes; // --seednode=HOST[:PORT], each one connection
  bool fixed_seeds = true;             // fall back to the compiled-in list
  std::int64_t lookup_timeout = kDefaultLookupTimeout; // seconds per lookup
  std::size_t max_per_seed = 256;                      // addresses taken from one DNS seed
  std::size_t max_threads = 16; // lookups running at once, abandoned ones included
};

struct SeedNodeTarget {
  std::string host; // as given on the command line
  wire::NetAddress address;
  std::uint16_t port = 0;
};

struct SeederStatus {
  bool dns_started = false;
  std::size_t lookups_in_flight = 0;
  std::size_t dns_addresses = 0; // addresses received from DNS seeds
  std::size_t fixed_added = 0;   // fixed seeds handed to the book
  std::size_t seed_nodes_ready = 0;
};

class Seeder {
public:
  // `start` is the time seeding begins (seconds, the same clock as poll's `now`). `seed` fixes
  // the random times given to seed addresses (tests).
  Seeder(AddrBook& book, SeedOptions options, Resolver resolver, LogSink log, std::int64_t start,
         std::optional<std::uint64_t> seed = std::nullopt);
  ~Seeder();
  Seeder(const Seeder&) = delete;
  Seeder& operator=(const Seeder&) = delete;

  // Starts what is due, collects finished lookups, abandons late ones. Never blocks.
  void poll(std::int64_t now, std::size_t outbound_connections);

  // Resolved --seednode targets not yet handed out, for address-fetch connections.
  std::vector<SeedNodeTarget> take_seed_nodes();

  SeederStatus status() const;

  // Waits (real time) until no lookup thread of this seeder is running, abandoned ones included,
  // or `max` passes. For tests and an orderly shutdown; false on timeout.
  bool wait_idle(std::chrono::milliseconds max) const;

private:
  struct Shared; // what worker threads may touch: outlives the Seeder if they do
  struct Lookup;

  void start_lookup(const std::string& host, bool dns_seed, std::uint16_t port, std::int64_t now,
                    std::vector<std::string>& lines);
  void start_pending(std::int64_t now, std::vector<std::string>& lines);
  void collect(std::int64_t now, std::vector<std::string>& lines);
  void maybe_dns(std::int64_t now, std::size_t outbound, std::vector<std::string>& lines);
  void maybe_fixed(std::int64_t now, std::vector<std::string>& lines);

  AddrBook& book_;
  const SeedOptions options_;
  const Resolver resolver_;
  const LogSink log_;
  const std::int64_t start_;
  std::shared_ptr<Shared> shared_;

  mutable std::mutex mutex_;
  Rng rng_;
  bool started_ = false;
  bool dns_started_ = false;
  std::vector<std::unique_ptr<Lookup>> lookups_; // running or waiting for a free thread
  std::vector<SeedNodeTarget> seed_nodes_ready_;
  std::set<std::uint8_t> fixed_done_; // networks given their fixed seeds
  std::size_t dns_addresses_ = 0;
  std::size_t fixed_added_ = 0;
};

} // namespace peregrine::addrbook
