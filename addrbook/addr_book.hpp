#pragma once
// The address book: Bitcoin Core's new/tried tables (AddrTables) behind one mutex, with the
// peers file, reachability and outbound-selection rules. Safe to call from any thread (the
// network thread and the status interface at once). Disk work happens only in load(), save()
// and save_if_due(): call those from a thread that may block, never the network thread.
#include <array>
#include <cstdint>
#include <expected>
#include <filesystem>
#include <functional>
#include <mutex>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "addrbook/addr_tables.hpp"
#include "addrbook/address_source.hpp"
#include "addrbook/outbound_policy.hpp"
#include "addrbook/reachability.hpp"
#include "wire/framing.hpp"

namespace peregrine::addrbook {

// Receives one log line at a time (no trailing newline). May be called from any thread that uses
// the book, never with the book's lock held, so it may call back into the book.
using LogSink = std::function<void(std::string_view)>;

inline constexpr std::int64_t kGossipTimePenalty = 2 * kHour; // Core's penalty on relayed times
inline constexpr std::size_t kGetaddrMaxPercent = 23;         // getaddr answers: 23% of the book
inline constexpr std::int64_t kDefaultSaveInterval = 15 * 60;

struct AddrBookOptions {
  std::filesystem::path file;        // the peers file; empty keeps the book in memory only
  wire::Magic network_magic{};       // recorded in the file; another network's file is refused
  Reachability reachability;         // networks select() may return (IPv4 and IPv6 by default)
  std::optional<crypto::SipKey> key; // bucketing key of a new book; random (and secret) if unset
  std::optional<std::uint64_t> seed; // fixes every random choice: tests and benchmarks only
  std::int64_t save_interval = kDefaultSaveInterval;
  LogSink log;
};

enum class LoadStatus : std::uint8_t {
  loaded,      // the file's entries and key are in use
  no_file,     // first start: an empty book
  moved_aside, // corrupt, truncated, wrong version or network: renamed to "<file>.bad", empty book
  unreadable,  // could not even be read (permissions, I/O): left alone, empty book
};

struct LoadResult {
  LoadStatus status = LoadStatus::no_file;
  std::size_t entries = 0;
  std::size_t dropped = 0; // entries in the file no longer acceptable
  std::string detail;      // the reason, for a moved-aside or unreadable file
};

enum class SaveDue : std::uint8_t { not_due, saved, failed };

// What a batch of addresses did to the book (AddressSource::add reports new_entries only).
struct AddCounts {
  std::size_t new_entries = 0;
  std::size_t new_references = 0;
  std::size_t known = 0;
  std::size_t no_room = 0;
  std::size_t unroutable = 0;
};

// Bitcoin Core's outbound choice: up to 100 picks from the tables, skipping groups already
// connected, unreachable networks, entries tried in the last 10 minutes, missing services and
// bad ports, each rule relaxed after enough unsuitable picks.
struct OutboundRequest {
  bool new_only = false; // from the new table only (feelers)
  bool feeler = false;   // a feeler only needs a node that serves blocks, and ignores groups
  std::uint64_t required_services = kDesirableServices;
  std::vector<std::vector<std::uint8_t>> exclude_groups; // net_group() of current outbound peers
};

struct BookStats {
  std::size_t size = 0;
  std::size_t new_count = 0;
  std::size_t tried_count = 0;
  std::size_t reachable = 0;
  std::size_t tried_collisions = 0;
  std::array<NetworkCounts, 8> by_network{}; // by BIP155 id
  std::int64_t last_save = 0;                // 0 before the first successful save
};

class AddrBook final : public AddressSource {
public:
  explicit AddrBook(AddrBookOptions options);

  // AddressSource. add() takes no time penalty: for seeds and self-announcements; gossip goes
  // through add_entries() with kGossipTimePenalty (AddrGossip does that). select() first settles
  // tried collisions that are due, and select(true, ...) (a feeler) returns the incumbent of a
  // pending collision before anything from the new table, as select_feeler() does.
  std::size_t add(std::span<const Entry> entries, const wire::NetAddress& source,
                  std::int64_t now) override;
  std::optional<Entry> select(bool new_only, std::int64_t now) override;
  void attempt(const wire::NetAddress& address, std::uint16_t port, std::int64_t now) override;
  void good(const wire::NetAddress& address, std::uint16_t port, std::int64_t now) override;
  void connected(const wire::NetAddress& address, std::uint16_t port, std::int64_t now) override;
  void set_services(const wire::NetAddress& address, std::uint16_t port,
                    std::uint64_t services) override;
  std::vector<Entry> sample(std::size_t max_count, std::int64_t now) override;
  std::size_t size() const override;

  AddCounts add_entries(std::span<const Entry> entries, const wire::NetAddress& source,
                        std::int64_t now, std::int64_t time_penalty);
  // count_failure false: the attempt was not the address's fault (e.g. we were offline).
  void attempt(const wire::NetAddress& address, std::uint16_t port, std::int64_t now,
               bool count_failure);

  // An outbound choice under Core's rules (see OutboundRequest); nullopt when nothing fits.
  std::optional<Entry> select_outbound(const OutboundRequest& request, std::int64_t now);
  // Up to `count` outbound choices, no two in one network group (nor in an excluded one).
  std::vector<Entry> select_many(std::size_t count, const OutboundRequest& request,
                                 std::int64_t now);

  // Feelers (every ~2 minutes, short-lived): first settles tried collisions, then offers the
  // incumbent of a pending collision to test, else a new-table address. After the handshake the
  // peer manager calls good() (which moves a new address to tried) and disconnects.
  std::optional<Entry> select_feeler(std::int64_t now);
  void resolve_collisions(std::int64_t now);

  void set_reachable(wire::NetworkId network, bool reachable);
  Reachability reachability() const;
  bool is_reachable(const wire::NetAddress& address) const;

  std::optional<AddrInfo> find(const wire::NetAddress& address, std::uint16_t port) const;
  BookStats stats() const;
  std::string check() const; // every table invariant; empty when they hold

  // Persistence (blocking disk work).
  LoadResult load();
  std::expected<void, std::string> save();
  // The periodic driver: saves when save_interval has passed since the last save (the first call
  // starts the clock). Call it from a timer on a thread that may block; call save() at shutdown.
  SaveDue save_if_due(std::int64_t now);

private:
  void log(std::string_view line) const;
  std::optional<Entry> collision_to_test_locked();
  std::optional<Entry> select_outbound_locked(const OutboundRequest& request,
                                              std::span<const NetGroup> exclude, std::int64_t now);

  const AddrBookOptions options_;
  mutable std::mutex mutex_;
  AddrTables tables_;
  Reachability reachability_;
  Rng rng_;                                // for the choices outside the tables
  std::int64_t last_save_ = 0;             // last successful save
  std::optional<std::int64_t> save_clock_; // save_if_due's reference time
  std::mutex save_mutex_; // one save at a time; never held with mutex_ while writing
};

} // namespace peregrine::addrbook
