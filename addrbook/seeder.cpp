#include "addrbook/seeder.hpp"

#include <algorithm>
#include <condition_variable>
#include <exception>
#include <system_error>
#include <thread>
#include <utility>

#include <fmt/format.h>

#include "addrbook/address_class.hpp"
#include "wire/address_text.hpp"
#include "addrbook/fixed_seeds.hpp"
#include "addrbook/outbound_policy.hpp"

namespace peregrine::addrbook {

using LookupValue = std::expected<std::vector<wire::NetAddress>, std::string>;

struct Seeder::Shared {
  std::mutex mutex;
  std::condition_variable idle;
  std::size_t running = 0;
};

struct Seeder::Lookup {
  struct Result {
    bool done = false; // guarded by Shared::mutex, like value
    LookupValue value;
  };
  std::string host;
  bool dns_seed = false;
  std::uint16_t port = 0;
  std::int64_t deadline = 0; // 0: waiting for a free thread
  std::shared_ptr<Result> result = std::make_shared<Result>();
};

Seeder::Seeder(AddrBook& book, SeedOptions options, Resolver resolver, LogSink log,
               std::int64_t start, std::optional<std::uint64_t> seed)
    : book_(book), options_(std::move(options)), resolver_(std::move(resolver)),
      log_(std::move(log)), start_(start), shared_(std::make_shared<Shared>()),
      rng_(seed ? Rng(*seed) : Rng()) {}

Seeder::~Seeder() = default; // running lookups own what they touch (Shared, their Result)

void Seeder::start_lookup(const std::string& host, bool dns_seed, std::uint16_t port,
                          std::int64_t now, std::vector<std::string>& lines) {
  auto lookup = std::make_unique<Lookup>();
  lookup->host = host;
  lookup->dns_seed = dns_seed;
  lookup->port = port;
  lookups_.push_back(std::move(lookup));
  start_pending(now, lines);
}

void Seeder::start_pending(std::int64_t now, std::vector<std::string>& lines) {
  for (auto& lookup : lookups_) {
    if (lookup->deadline != 0) continue;
    {
      std::lock_guard lock(shared_->mutex);
      if (shared_->running >= options_.max_threads) return;
      ++shared_->running;
    }
    lookup->deadline = now + options_.lookup_timeout;
    try {
      std::thread([shared = shared_, resolver = resolver_, host = lookup->host,
                   result = lookup->result] {
        LookupValue value;
        try {
          value = resolver(host);
        } catch (const std::exception& e) {
          value = std::unexpected(std::string(e.what()));
        } catch (...) {
          value = std::unexpected(std::string("resolver failed"));
        }
        std::lock_guard lock(shared->mutex);
        result->value = std::move(value);
        result->done = true;
        --shared->running;
        shared->idle.notify_all();
      }).detach();
    } catch (const std::system_error& e) { // no thread to be had: report it as a failed lookup
      std::lock_guard lock(shared_->mutex);
      --shared_->running;
      lookup->result->value =
          std::unexpected(fmt::format("cannot start a lookup thread: {}", e.what()));
      lookup->result->done = true;
      lines.push_back(fmt::format("addrbook: {}: cannot start a lookup thread", lookup->host));
    }
  }
}

void Seeder::collect(std::int64_t now, std::vector<std::string>& lines) {
  for (auto it = lookups_.begin(); it != lookups_.end();) {
    Lookup& lookup = **it;
    if (lookup.deadline == 0) {
      ++it;
      continue;
    }
    std::optional<LookupValue> value;
    {
      std::lock_guard lock(shared_->mutex);
      if (lookup.result->done) value = std::move(lookup.result->value);
    }
    if (!value) {
      if (now < lookup.deadline) {
        ++it;
        continue;
      }
      lines.push_back(fmt::format("addrbook: {} {}: no answer after {} s, giving up",
                                  lookup.dns_seed ? "DNS seed" : "seed node", lookup.host,
                                  options_.lookup_timeout));
      it = lookups_.erase(it);
      continue;
    }
    if (!*value) {
      lines.push_back(fmt::format("addrbook: {} {}: {}", lookup.dns_seed ? "DNS seed" : "seed node",
                                  lookup.host, value->error()));
    } else if (lookup.dns_seed) {
      std::vector<wire::AddressEntry> entries;
      for (auto& address : **value) {
        if (entries.size() >= options_.max_per_seed) break;
        wire::AddressEntry e;
        e.address = std::move(address);
        e.port = lookup.port;
        e.services = kDesirableServices;
        // Core dates seed results three to seven days back: heard of, not known to be up.
        e.time = static_cast<std::uint32_t>(
            std::max<std::int64_t>(0, now - 3 * kDay - rng_.between(0, 4 * kDay)));
        entries.push_back(std::move(e));
      }
      std::size_t fresh = book_.add(entries, internal_address(lookup.host), now);
      dns_addresses_ += entries.size();
      lines.push_back(fmt::format("addrbook: DNS seed {}: {} addresses, {} new", lookup.host,
                                  entries.size(), fresh));
    } else if ((*value)->empty()) {
      lines.push_back(fmt::format("addrbook: seed node {}: no address", lookup.host));
    } else {
      seed_nodes_ready_.push_back({lookup.host, (*value)->front(), lookup.port});
    }
    it = lookups_.erase(it);
  }
}

void Seeder::maybe_dns(std::int64_t now, std::size_t outbound, std::vector<std::string>& lines) {
  if (dns_started_ || !options_.dns_seed || options_.dns_seeds.empty()) return;
  std::size_t reachable = book_.stats().reachable;
  std::int64_t delay = reachable == 0
                           ? (options_.seed_nodes.empty() ? 0 : kSeedNodeHeadStart)
                           : (reachable < kDnsSeedManyPeersThreshold ? kDnsSeedDelayFewPeers
                                                                     : kDnsSeedDelayManyPeers);
  if (now < start_ + delay) return;
  dns_started_ = true;
  if (reachable > 0 && outbound >= kDnsSeedEnoughOutbound) {
    lines.push_back(fmt::format("addrbook: {} addresses and {} outbound connections; not querying "
                                "DNS seeds",
                                reachable, outbound));
    return;
  }
  lines.push_back(fmt::format("addrbook: {} reachable addresses; querying {} DNS seeds", reachable,
                              options_.dns_seeds.size()));
  for (const auto& host : options_.dns_seeds)
    start_lookup(host, true, options_.default_port, now, lines);
}

void Seeder::maybe_fixed(std::int64_t now, std::vector<std::string>& lines) {
  if (!options_.fixed_seeds) return;
  bool other_sources =
      (options_.dns_seed && !options_.dns_seeds.empty()) || !options_.seed_nodes.empty();
  if (other_sources && now < start_ + kFixedSeedDelay) return;
  Reachability reach = book_.reachability();
  BookStats stats = book_.stats();
  std::set<std::uint8_t> empty; // reachable networks without a single address, not seeded yet
  for (std::uint8_t net = 1; net < stats.by_network.size(); ++net) {
    if (!reach.reachable(net) || fixed_done_.count(net)) continue;
    if (stats.by_network[net].new_count + stats.by_network[net].tried_count == 0) empty.insert(net);
  }
  if (empty.empty()) return;
  fixed_done_.insert(empty.begin(), empty.end()); // once per network
  std::vector<wire::AddressEntry> chosen;
  std::set<std::uint8_t> networks;
  for (auto& e : fixed_seeds(options_.network, now, rng_)) {
    if (!empty.count(e.address.network)) continue;
    networks.insert(e.address.network);
    chosen.push_back(std::move(e));
  }
  if (chosen.empty()) return;
  std::size_t fresh = book_.add(chosen, internal_address("fixedseeds"), now);
  fixed_added_ += chosen.size();
  std::string names;
  for (auto net : networks) {
    names += names.empty() ? "" : ", ";
    names += network_name(net);
  }
  lines.push_back(fmt::format("addrbook: adding {} fixed seeds ({} new): no address known for {}{}",
                              chosen.size(), fresh, names,
                              other_sources ? fmt::format(" after {} s", kFixedSeedDelay) : ""));
}

void Seeder::poll(std::int64_t now, std::size_t outbound_connections) {
  std::vector<std::string> lines;
  {
    std::lock_guard lock(mutex_);
    if (!started_) {
      started_ = true;
      for (const auto& spec : options_.seed_nodes) {
        auto hp = wire::split_host_port(spec);
        if (!hp) {
          lines.push_back(
              fmt::format("addrbook: ignoring seed node \"{}\": not HOST[:PORT]", spec));
          continue;
        }
        std::uint16_t port = hp->port.value_or(options_.default_port);
        if (auto address = wire::parse_address(hp->host)) {
          seed_nodes_ready_.push_back({spec, std::move(*address), port});
        } else {
          start_lookup(hp->host, false, port, now, lines);
        }
      }
    }
    collect(now, lines);
    start_pending(now, lines);
    maybe_dns(now, outbound_connections, lines);
    maybe_fixed(now, lines);
  }
  if (log_) {
    for (const auto& line : lines) log_(line);
  }
}

std::vector<SeedNodeTarget> Seeder::take_seed_nodes() {
  std::lock_guard lock(mutex_);
  return std::exchange(seed_nodes_ready_, {});
}

SeederStatus Seeder::status() const {
  std::lock_guard lock(mutex_);
  SeederStatus s;
  s.dns_started = dns_started_;
  s.lookups_in_flight = lookups_.size();
  s.dns_addresses = dns_addresses_;
  s.fixed_added = fixed_added_;
  s.seed_nodes_ready = seed_nodes_ready_.size();
  return s;
}

bool Seeder::wait_idle(std::chrono::milliseconds max) const {
  std::unique_lock lock(shared_->mutex);
  return shared_->idle.wait_for(lock, max, [&] { return shared_->running == 0; });
}

} // namespace peregrine::addrbook
