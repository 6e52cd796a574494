#include "addrbook/addr_book.hpp"

#include <algorithm>
#include <chrono>
#include <system_error>

#include <fmt/format.h>

#include "addrbook/address_class.hpp"
#include "util/atomic_file.hpp"
#include "addrbook/peers_file.hpp"
#include "util/file.hpp"

namespace peregrine::addrbook {
namespace {

Rng make_rng(const std::optional<std::uint64_t>& seed, std::uint64_t stream) {
  return seed ? Rng(*seed ^ stream) : Rng();
}

bool is_ip(const CompactAddress& a) {
  return a.network == static_cast<std::uint8_t>(wire::NetworkId::ipv4) ||
         a.network == static_cast<std::uint8_t>(wire::NetworkId::ipv6);
}

std::int64_t wall_clock_seconds() {
  return std::chrono::duration_cast<std::chrono::seconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

NetGroup to_group(const std::vector<std::uint8_t>& bytes) {
  NetGroup g;
  g.size = static_cast<std::uint8_t>(std::min(bytes.size(), g.bytes.size()));
  std::copy_n(bytes.begin(), g.size, g.bytes.begin());
  return g;
}

} // namespace

AddrBook::AddrBook(AddrBookOptions options)
    : options_(std::move(options)),
      tables_(options_.key.value_or(random_sip_key()), make_rng(options_.seed, 0)),
      reachability_(options_.reachability), rng_(make_rng(options_.seed, 0x9e3779b97f4a7c15ULL)) {}

void AddrBook::log(std::string_view line) const {
  if (options_.log) options_.log(line);
}

AddCounts AddrBook::add_entries(std::span<const Entry> entries, const wire::NetAddress& source,
                                std::int64_t now, std::int64_t time_penalty) {
  AddCounts counts;
  // A source longer than any stored address cannot be a peer of ours; group it as unroutable.
  CompactAddress from = CompactAddress::from(source).value_or(CompactAddress{});
  std::lock_guard lock(mutex_);
  for (const Entry& e : entries) {
    switch (tables_.add(e, from, time_penalty, now)) {
    case AddOutcome::new_entry: ++counts.new_entries; break;
    case AddOutcome::new_reference: ++counts.new_references; break;
    case AddOutcome::known: ++counts.known; break;
    case AddOutcome::no_room: ++counts.no_room; break;
    case AddOutcome::unroutable: ++counts.unroutable; break;
    }
  }
  return counts;
}

std::size_t AddrBook::add(std::span<const Entry> entries, const wire::NetAddress& source,
                          std::int64_t now) {
  return add_entries(entries, source, now, 0).new_entries;
}

std::optional<Entry> AddrBook::select(bool new_only, std::int64_t now) {
  std::lock_guard lock(mutex_);
  tables_.resolve_collisions(now);
  if (new_only) { // a feeler: a pending tried collision's incumbent needs testing first
    if (auto incumbent = collision_to_test_locked()) return incumbent;
  }
  auto id = tables_.select(new_only, reachability_, now);
  if (!id) return std::nullopt;
  return tables_.info(*id).entry();
}

std::optional<Entry> AddrBook::collision_to_test_locked() {
  auto incumbent = tables_.select_tried_collision();
  if (!incumbent) return std::nullopt;
  const AddrInfo& info = tables_.info(*incumbent);
  if (!reachability_.reachable(info.service.address.network)) return std::nullopt;
  return info.entry();
}

void AddrBook::attempt(const wire::NetAddress& address, std::uint16_t port, std::int64_t now) {
  attempt(address, port, now, true);
}

void AddrBook::attempt(const wire::NetAddress& address, std::uint16_t port, std::int64_t now,
                       bool count_failure) {
  auto service = Service::from(address, port);
  if (!service) return;
  std::lock_guard lock(mutex_);
  tables_.attempt(*service, count_failure, now);
}

void AddrBook::good(const wire::NetAddress& address, std::uint16_t port, std::int64_t now) {
  auto service = Service::from(address, port);
  if (!service) return;
  std::lock_guard lock(mutex_);
  tables_.good(*service, now, true);
}

void AddrBook::connected(const wire::NetAddress& address, std::uint16_t port, std::int64_t now) {
  auto service = Service::from(address, port);
  if (!service) return;
  std::lock_guard lock(mutex_);
  tables_.connected(*service, now);
}

void AddrBook::set_services(const wire::NetAddress& address, std::uint16_t port,
                            std::uint64_t services) {
  auto service = Service::from(address, port);
  if (!service) return;
  std::lock_guard lock(mutex_);
  tables_.set_services(*service, services);
}

std::vector<Entry> AddrBook::sample(std::size_t max_count, std::int64_t now) {
  std::lock_guard lock(mutex_);
  return tables_.sample(max_count, kGetaddrMaxPercent, now);
}

std::size_t AddrBook::size() const {
  std::lock_guard lock(mutex_);
  return tables_.size();
}

std::optional<Entry> AddrBook::select_outbound_locked(const OutboundRequest& request,
                                                      std::span<const NetGroup> exclude,
                                                      std::int64_t now) {
  for (int tries = 1; tries <= kMaxSelectTries; ++tries) {
    auto id = tables_.select(request.new_only, reachability_, now);
    if (!id) return std::nullopt;
    const AddrInfo& info = tables_.info(*id);
    if (!request.feeler &&
        std::ranges::find(exclude, group_of(info.service.address)) != exclude.end()) {
      continue;
    }
    if (now - info.last_try < kRecentTry && tries < kRelaxRecentTryAfter) continue;
    if (request.feeler ? !may_have_useful_addresses(info.services)
                       : (info.services & request.required_services) != request.required_services) {
      continue;
    }
    if (is_ip(info.service.address) && is_bad_port(info.service.port) &&
        tries < kRelaxBadPortAfter) {
      continue;
    }
    return info.entry();
  }
  return std::nullopt;
}

std::optional<Entry> AddrBook::select_outbound(const OutboundRequest& request, std::int64_t now) {
  std::vector<NetGroup> exclude;
  for (const auto& g : request.exclude_groups) exclude.push_back(to_group(g));
  std::lock_guard lock(mutex_);
  return select_outbound_locked(request, exclude, now);
}

std::vector<Entry> AddrBook::select_many(std::size_t count, const OutboundRequest& request,
                                         std::int64_t now) {
  std::vector<NetGroup> exclude;
  for (const auto& g : request.exclude_groups) exclude.push_back(to_group(g));
  OutboundRequest distinct = request;
  distinct.feeler = false; // groups must count here
  std::vector<Entry> out;
  std::lock_guard lock(mutex_);
  while (out.size() < count) {
    auto picked = select_outbound_locked(distinct, exclude, now);
    if (!picked) break;
    exclude.push_back(group_of(picked->address.network, picked->address.bytes));
    out.push_back(std::move(*picked));
  }
  return out;
}

std::optional<Entry> AddrBook::select_feeler(std::int64_t now) {
  std::lock_guard lock(mutex_);
  tables_.resolve_collisions(now);
  if (auto incumbent = collision_to_test_locked()) return incumbent;
  OutboundRequest request;
  request.new_only = true;
  request.feeler = true;
  return select_outbound_locked(request, {}, now);
}

void AddrBook::resolve_collisions(std::int64_t now) {
  std::lock_guard lock(mutex_);
  tables_.resolve_collisions(now);
}

void AddrBook::set_reachable(wire::NetworkId network, bool reachable) {
  std::lock_guard lock(mutex_);
  reachability_.set(network, reachable);
}

Reachability AddrBook::reachability() const {
  std::lock_guard lock(mutex_);
  return reachability_;
}

bool AddrBook::is_reachable(const wire::NetAddress& address) const {
  std::lock_guard lock(mutex_);
  return reachability_.reachable(address.network);
}

std::optional<AddrInfo> AddrBook::find(const wire::NetAddress& address, std::uint16_t port) const {
  auto service = Service::from(address, port);
  if (!service) return std::nullopt;
  std::lock_guard lock(mutex_);
  auto id = tables_.find(*service);
  if (!id) return std::nullopt;
  return tables_.info(*id);
}

BookStats AddrBook::stats() const {
  std::lock_guard lock(mutex_);
  BookStats s;
  s.size = tables_.size();
  s.new_count = tables_.new_count();
  s.tried_count = tables_.tried_count();
  s.reachable = tables_.reachable_count(reachability_);
  s.tried_collisions = tables_.collision_count();
  for (std::uint8_t n = 0; n < s.by_network.size(); ++n) s.by_network[n] = tables_.counts(n);
  s.last_save = last_save_;
  return s;
}

std::string AddrBook::check() const {
  std::lock_guard lock(mutex_);
  return tables_.check();
}

LoadResult AddrBook::load() {
  const auto& path = options_.file;
  if (path.empty()) return {};
  std::error_code ec;
  if (!std::filesystem::exists(path, ec) && !ec) {
    log(fmt::format("addrbook: no {} yet; starting with an empty address book", path.string()));
    return {};
  }
  std::expected<LoadedTables, PeersFileError> decoded = std::unexpected(PeersFileError{});
  auto size = std::filesystem::file_size(path, ec);
  if (!ec && size > kMaxPeersFileSize) {
    decoded = std::unexpected(PeersFileError{PeersFileErrc::malformed,
                                             fmt::format("{} bytes, more than any book", size)});
  } else {
    auto bytes = util::read_file(path, kMaxPeersFileSize);
    if (!bytes) {
      log(fmt::format("addrbook: cannot read {}; starting with an empty address book and "
                      "leaving the file alone",
                      bytes.error()));
      return {LoadStatus::unreadable, 0, 0, bytes.error()};
    }
    Rng table_rng = [&] {
      std::lock_guard lock(mutex_);
      return Rng(crypto::SipKey{rng_.next(), rng_.next()});
    }();
    decoded = decode_peers_file(*bytes, options_.network_magic, table_rng);
  }

  if (!decoded) {
    std::string reason = decoded.error().message();
    auto aside = util::move_aside(path, ".bad");
    if (!aside) {
      log(fmt::format("addrbook: {} is unusable ({}) and could not be moved aside ({}); starting "
                      "with an empty address book",
                      path.string(), reason, aside.error()));
      return {LoadStatus::unreadable, 0, 0, reason};
    }
    log(fmt::format("addrbook: {} is unusable ({}); moved it to {} and starting with an empty "
                    "address book",
                    path.string(), reason, aside->string()));
    return {LoadStatus::moved_aside, 0, 0, reason};
  }

  LoadResult result{LoadStatus::loaded, 0, decoded->dropped, {}};
  std::size_t new_count = 0, tried_count = 0;
  {
    std::lock_guard lock(mutex_);
    tables_ = std::move(decoded->tables);
    result.entries = tables_.size();
    new_count = tables_.new_count();
    tried_count = tables_.tried_count();
  }
  log(fmt::format("addrbook: loaded {} addresses ({} new, {} tried{}) from {}", result.entries,
                  new_count, tried_count,
                  result.dropped ? fmt::format(", {} dropped", result.dropped) : std::string(),
                  path.string()));
  return result;
}

std::expected<void, std::string> AddrBook::save() {
  if (options_.file.empty()) return {};
  std::lock_guard saving(save_mutex_);
  Bytes bytes;
  {
    std::lock_guard lock(mutex_);
    bytes = encode_peers_file(tables_, options_.network_magic);
  }
  // The network thread keeps using the book while the file is written.
  auto written = util::write_file_atomically(options_.file, bytes);
  if (!written) {
    log(fmt::format("addrbook: could not save the address book: {}", written.error()));
    return written;
  }
  std::lock_guard lock(mutex_);
  last_save_ = wall_clock_seconds();
  return {};
}

SaveDue AddrBook::save_if_due(std::int64_t now) {
  {
    std::lock_guard lock(mutex_);
    if (!save_clock_) save_clock_ = now;
    if (now - *save_clock_ < options_.save_interval) return SaveDue::not_due;
    save_clock_ = now;
  }
  return save() ? SaveDue::saved : SaveDue::failed;
}

} // namespace peregrine::addrbook
