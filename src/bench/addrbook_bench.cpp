#include "bench/addrbook_bench.hpp"

#include <unistd.h>

#include <filesystem>
#include <ostream>
#include <unordered_map>
#include <vector>

#include <fmt/format.h>

#include "addrbook/addr_book.hpp"
#include "addrbook/address_class.hpp"
#include "util/atomic_file.hpp"
#include "addrbook/peers_file.hpp"
#include "bench/timer.hpp"
#include "util/file.hpp"
#include "util/json.hpp"

namespace peregrine::bench {
namespace {

using addrbook::AddrBook;
using addrbook::Entry;

constexpr std::int64_t kNow = 1'700'000'000;
// Selections run an hour after the book was filled: nothing counts as "just tried".
constexpr std::int64_t kLater = kNow + 3'600;
constexpr std::size_t kSources = 1'000;

struct Phase {
  std::string name;
  std::string what;
  Timing timing;
  double per = 1; // operations per timed body: figures are per operation
};

// Distinct routable IPv4 addresses spread over the whole space, as gossip delivers them.
std::vector<Entry> make_entries(std::size_t count, addrbook::Rng& rng) {
  std::vector<Entry> out;
  out.reserve(count);
  while (out.size() < count) {
    auto v = rng.next();
    auto address = wire::NetAddress::ipv4(
        {static_cast<std::uint8_t>(v), static_cast<std::uint8_t>(v >> 8),
         static_cast<std::uint8_t>(v >> 16), static_cast<std::uint8_t>(v >> 24)});
    if (!addrbook::is_routable(address.network, address.bytes)) continue;
    out.push_back(
        Entry{static_cast<std::uint32_t>(kNow - static_cast<std::int64_t>(v >> 40) % 86'400),
              addrbook::kNodeNetwork | addrbook::kNodeWitness, std::move(address), 8333});
  }
  return out;
}

addrbook::AddrBookOptions book_options(const std::filesystem::path& file = {}) {
  addrbook::AddrBookOptions o;
  o.seed = 42;
  o.key = crypto::SipKey{0x0123456789abcdefULL, 0x0fedcba987654321ULL};
  o.file = file;
  return o;
}

void fill(AddrBook& book, const std::vector<Entry>& entries,
          const std::vector<wire::NetAddress>& sources) {
  for (std::size_t i = 0; i < entries.size(); ++i) {
    book.add(std::span(&entries[i], 1), sources[i % sources.size()], kNow);
  }
}

} // namespace

bool run_addrbook_bench(std::ostream& out, std::ostream& err, double seconds, bool json,
                        std::size_t addresses) {
  namespace fs = std::filesystem;
  std::error_code ec;
  fs::path dir =
      fs::temp_directory_path(ec) / fmt::format("peregrine-bench-addrbook-{}", ::getpid());
  fs::create_directories(dir, ec);
  if (ec) {
    err << "peregrine bench addrbook: cannot create " << dir.string() << ": " << ec.message()
        << "\n";
    return false;
  }
  const fs::path file = dir / "peers.dat";

  addrbook::Rng rng(7);
  const std::vector<Entry> entries = make_entries(addresses, rng);
  std::vector<wire::NetAddress> sources;
  for (const auto& e : make_entries(kSources, rng)) sources.push_back(e.address);

  // The book every read-only phase uses: all addresses offered, a fifth of those kept moved to
  // tried (as connections succeed over time).
  AddrBook book(book_options(file));
  fill(book, entries, sources);
  for (std::size_t i = 0; i < entries.size(); i += 5)
    book.good(entries[i].address, entries[i].port, kNow);
  const addrbook::BookStats stats = book.stats();
  if (auto saved = book.save(); !saved) {
    fs::remove_all(dir, ec);
    err << "peregrine bench addrbook: " << saved.error() << "\n";
    return false;
  }
  const auto file_size = fs::file_size(file, ec);
  addrbook::OutboundRequest exclude8;
  for (std::size_t i = 0; i < 8; ++i)
    exclude8.exclude_groups.push_back(addrbook::net_group(entries[i * 7].address));
  const double n = static_cast<double>(entries.size());

  std::vector<Phase> phases;
  phases.push_back(
      {"map insert", "baseline: std::unordered_map insert of the same keys (SipHash)",
       measure(
           [&] {
             std::unordered_map<addrbook::Service, std::int32_t, addrbook::ServiceHasher> map;
             std::int32_t id = 0;
             for (const auto& e : entries)
               map.emplace(*addrbook::Service::from(e.address, e.port), id++);
             keep(map);
           },
           seconds),
       n});
  phases.push_back({"insert", "add() one address at a time into an empty book, per address",
                    measure(
                        [&] {
                          AddrBook fresh(book_options());
                          fill(fresh, entries, sources);
                          keep(fresh);
                        },
                        seconds),
                    n});
  phases.push_back({"insert 1000", "add_entries() in addr-message batches of 1,000, per address",
                    measure(
                        [&] {
                          AddrBook fresh(book_options());
                          for (std::size_t i = 0; i < entries.size(); i += 1'000) {
                            std::size_t len = std::min<std::size_t>(1'000, entries.size() - i);
                            fresh.add_entries(std::span(entries).subspan(i, len),
                                              sources[(i / 1'000) % sources.size()], kNow,
                                              addrbook::kGossipTimePenalty);
                          }
                          keep(fresh);
                        },
                        seconds),
                    n});
  phases.push_back({"select", "select(): one outbound candidate from the full book",
                    measure([&] { keep(book.select(false, kLater)); }, seconds)});
  phases.push_back({"select feeler", "select(true): a new-table candidate",
                    measure([&] { keep(book.select(true, kLater)); }, seconds)});
  phases.push_back({"select outbound", "select_outbound(): Core's rules, 8 groups excluded",
                    measure([&] { keep(book.select_outbound(exclude8, kLater)); }, seconds)});
  phases.push_back({"getaddr sample",
                    "sample(1000): a getaddr answer (23% cap, no terrible entries)",
                    measure([&] { keep(book.sample(1'000, kLater)); }, seconds)});
  // The same book as bare tables, to time encoding alone: the part done under the book's lock.
  addrbook::AddrTables tables(*book_options().key, addrbook::Rng(42));
  for (std::size_t i = 0; i < entries.size(); ++i) {
    tables.add(entries[i], *addrbook::CompactAddress::from(sources[i % sources.size()]), 0, kNow);
  }
  for (std::size_t i = 0; i < entries.size(); i += 5) {
    if (auto s = addrbook::Service::from(entries[i].address, entries[i].port))
      tables.good(*s, kNow);
  }
  phases.push_back(
      {"encode", "encode the tables to peers-file bytes (under the book's lock)",
       measure([&] { keep(addrbook::encode_peers_file(tables, wire::Magic{})); }, seconds)});
  const fs::path scratch = dir / "scratch.dat";
  const Bytes encoded = *util::read_file(file);
  phases.push_back(
      {"write file", "baseline: write the same bytes crash-safely (fsync, rename)",
       measure([&] { keep(util::write_file_atomically(scratch, encoded)); }, seconds)});
  phases.push_back({"save", "save(): encode, write, fsync, rename, fsync the directory",
                    measure([&] { keep(book.save()); }, seconds)});
  phases.push_back({"read file", "baseline: read the peers file into memory",
                    measure([&] { keep(util::read_file(file)); }, seconds)});
  phases.push_back({"load", "load(): read, verify, decode and re-place every entry",
                    measure(
                        [&] {
                          AddrBook loaded(book_options(file));
                          keep(loaded.load());
                        },
                        seconds)});
  fs::remove_all(dir, ec);

  if (json) {
    namespace js = util::json;
    js::Value doc = js::Value::object();
    doc.set("benchmark", "addrbook");
    doc.set("offered", static_cast<std::uint64_t>(entries.size()));
    doc.set("stored", static_cast<std::uint64_t>(stats.size));
    doc.set("new", static_cast<std::uint64_t>(stats.new_count));
    doc.set("tried", static_cast<std::uint64_t>(stats.tried_count));
    doc.set("file_bytes", static_cast<std::uint64_t>(file_size));
    js::Value list = js::Value::array();
    for (const auto& p : phases) {
      js::Value v = js::Value::object();
      v.set("phase", p.name);
      v.set("median_us", p.timing.median_ns / 1e3 / p.per);
      v.set("min_us", p.timing.min_ns / 1e3 / p.per);
      v.set("max_us", p.timing.max_ns / 1e3 / p.per);
      v.set("samples", static_cast<std::uint64_t>(p.timing.samples));
      list.push_back(std::move(v));
    }
    doc.set("phases", std::move(list));
    out << doc.dump() << "\n";
    return true;
  }

  out << fmt::format(
      "bench addrbook: {} addresses offered from {} sources; book holds {} ({} new, {} "
      "tried); peers file {} bytes ({:.1f} per entry); {} s per phase\n",
      entries.size(), kSources, stats.size, stats.new_count, stats.tried_count, file_size,
      static_cast<double>(file_size) / static_cast<double>(stats.size), seconds);
  out << fmt::format("{:<16} {:>12} {:>12} {:>12}  {}\n", "phase", "median us", "min us", "max us",
                     "what");
  for (const auto& p : phases) {
    const Timing& t = p.timing;
    out << fmt::format("{:<16} {:>12.3f} {:>12.3f} {:>12.3f}  {}\n", p.name,
                       t.median_ns / 1e3 / p.per, t.min_ns / 1e3 / p.per, t.max_ns / 1e3 / p.per,
                       p.what);
  }
  return true;
}

} // namespace peregrine::bench
