#include <doctest/doctest.h>

#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include <csignal>
#include <fstream>

#include "util/atomic_file.hpp"
#include "addrbook/peers_file.hpp"
#include "addrbook_test_helpers.hpp"
#include "crypto/sha256.hpp"
#include "util/file.hpp"
#include "wire/compact_size.hpp"
#include "wire/writer.hpp"

using namespace peregrine;
using namespace peregrine::addrbook;
using namespace peregrine::addrbook::test;

namespace {

Service service(const wire::NetAddress& a, std::uint16_t port = 8333) {
  return *Service::from(a, port);
}

// A book with new entries (some in several buckets), tried entries and every network.
AddrTables sample_tables(std::uint32_t count = 600) {
  AddrTables t(kKey, Rng(31));
  for (std::uint32_t i = 0; i < count; ++i) {
    auto from = *CompactAddress::from(ipv4_n((i % 40 + 900) << 16 | 1));
    t.add(entry(ipv4_n(i << 16 | 0x0102), 8333, kNow - i), from, 0, kNow);
    t.add(entry(ipv4_n(i << 16 | 0x0102), 8333, kNow - i + 3 * kHour),
          *CompactAddress::from(ipv4_n((i + 77) << 16 | 1)), 0, kNow);
  }
  for (std::uint32_t i = 0; i < count / 3; ++i)
    t.good(service(ipv4_n(i << 16 | 0x0102)), kNow + 1, false);
  for (std::uint32_t i = 0; i < 20; ++i)
    t.attempt(service(ipv4_n((i + count / 2) << 16 | 0x0102)), true, kNow + 2);
  for (auto id : {wire::NetworkId::ipv6, wire::NetworkId::torv3, wire::NetworkId::i2p,
                  wire::NetworkId::cjdns}) {
    t.add(entry(of_network(id, 0x61), id == wire::NetworkId::i2p ? 0 : 8333),
          *CompactAddress::from(ipv4(3, 3, 3, 3)), 0, kNow);
  }
  REQUIRE(t.check().empty());
  return t;
}

void check_same(const AddrTables& a, const AddrTables& b) {
  CHECK(a.key() == b.key());
  CHECK(a.size() == b.size());
  CHECK(a.new_count() == b.new_count());
  CHECK(a.tried_count() == b.tried_count());
  for (EntryId id : a.ids()) {
    const AddrInfo& x = a.info(id);
    auto other = b.find(x.service);
    REQUIRE(other);
    const AddrInfo& y = b.info(*other);
    CHECK(x.source == y.source);
    CHECK(x.services == y.services);
    CHECK(x.time == y.time);
    CHECK(x.last_try == y.last_try);
    CHECK(x.last_success == y.last_success);
    CHECK(x.attempts == y.attempts);
    CHECK(x.in_tried == y.in_tried);
    CHECK(x.ref_count == y.ref_count);
  }
  // The same entries in the same slots.
  for (int bucket = 0; bucket < kNewBucketCount; ++bucket) {
    for (int p = 0; p < kBucketSize; ++p) {
      EntryId ia = a.new_slot(bucket, p), ib = b.new_slot(bucket, p);
      REQUIRE((ia == kNoEntry) == (ib == kNoEntry));
      if (ia != kNoEntry) CHECK(a.info(ia).service == b.info(ib).service);
    }
  }
  for (int bucket = 0; bucket < kTriedBucketCount; ++bucket) {
    for (int p = 0; p < kBucketSize; ++p) {
      EntryId ia = a.tried_slot(bucket, p), ib = b.tried_slot(bucket, p);
      REQUIRE((ia == kNoEntry) == (ib == kNoEntry));
      if (ia != kNoEntry) CHECK(a.info(ia).service == b.info(ib).service);
    }
  }
}

// A peers file written by hand, to reach the checks behind the checksum.
struct RawEntry {
  wire::NetAddress address;
  std::uint16_t port = 8333;
  std::vector<std::uint16_t> buckets; // empty: a tried entry
};

Bytes raw_file(const std::vector<RawEntry>& entries, std::uint64_t claimed_new = ~0ull) {
  Bytes out;
  wire::Writer w(out);
  w.bytes(kPeersFileMagic);
  w.u8(kPeersFileVersion);
  w.bytes(kMainMagic);
  w.bytes(kKey.to_bytes());
  std::uint64_t new_count = 0;
  for (const auto& e : entries) new_count += !e.buckets.empty();
  wire::write_compact_size(w, claimed_new != ~0ull ? claimed_new : new_count);
  wire::write_compact_size(w, entries.size() - new_count);
  for (bool tried : {false, true}) {
    for (const auto& e : entries) {
      if (e.buckets.empty() != tried) continue;
      w.u8(e.address.network);
      wire::write_var_bytes(w, e.address.bytes);
      w.u16_be(e.port);
      w.u8(1);
      wire::write_var_bytes(w, ipv4(7, 7, 7, 7).bytes);
      w.u64_le(kNodeNetwork);
      w.i64_le(kNow);
      w.i64_le(0);
      w.i64_le(0);
      w.i32_le(0);
      if (tried) continue;
      wire::write_compact_size(w, e.buckets.size());
      for (auto b : e.buckets) w.u16_le(b);
    }
  }
  w.hash(crypto::sha256d(out));
  return out;
}

void write_bytes(const std::filesystem::path& path, ByteSpan bytes) {
  std::ofstream(path, std::ios::binary)
      .write(reinterpret_cast<const char*>(bytes.data()),
             static_cast<std::streamsize>(bytes.size()));
}

Bytes read_bytes(const std::filesystem::path& path) {
  auto bytes = util::read_file(path);
  REQUIRE(bytes);
  return *bytes;
}

AddrBookOptions file_options(const std::filesystem::path& file, LogCapture* log = nullptr,
                             std::uint64_t seed = 1) {
  auto o = options(seed);
  o.file = file;
  if (log) o.log = log->sink();
  return o;
}

} // namespace

TEST_CASE("peers file: encode and decode give back the same tables, slot for slot") {
  AddrTables original = sample_tables();
  Bytes file = encode_peers_file(original, kMainMagic);
  auto loaded = decode_peers_file(file, kMainMagic, Rng(5));
  REQUIRE_MESSAGE(loaded, loaded.error().message());
  CHECK(loaded->dropped == 0);
  CHECK(loaded->tables.check().empty());
  check_same(original, loaded->tables);
  CHECK(original.tried_count() > 100);
  CHECK(original.counts(4).new_count == 1); // Tor kept
}

TEST_CASE("peers file: an AddrBook saves and a new one loads it, key included") {
  ScratchDir dir;
  LogCapture log;
  auto path = dir / "peers.dat";
  AddrBook first(file_options(path, &log));
  for (std::uint32_t i = 0; i < 500; ++i)
    first.add(std::vector{entry(ipv4_n(i << 16 | 0x0707))}, ipv4_n((i + 3000) << 16 | 1), kNow);
  first.good(ipv4_n(0x0707), 8333, kNow);
  REQUIRE(first.save());
  CHECK_FALSE(std::filesystem::exists(util::temporary_path(path)));

  auto other = file_options(path, &log, 2);
  other.key = crypto::SipKey{1, 2}; // a new book's key; the file's wins
  AddrBook second(other);
  LoadResult r = second.load();
  CHECK(r.status == LoadStatus::loaded);
  CHECK(r.entries == first.size());
  CHECK(second.stats().tried_count == 1);
  CHECK(second.check().empty());
  auto info = second.find(ipv4_n(0x0707), 8333);
  REQUIRE(info);
  CHECK(info->in_tried);
  CHECK(info->last_success == kNow);
  CHECK(log.contains("loaded 500 addresses (499 new, 1 tried)"));
}

TEST_CASE("peers file: no file is a first start") {
  ScratchDir dir;
  LogCapture log;
  AddrBook book(file_options(dir / "peers.dat", &log));
  CHECK(book.load().status == LoadStatus::no_file);
  CHECK(log.lines().size() == 1);
  CHECK(book.size() == 0);
}

TEST_CASE(
    "peers file: corrupt, truncated, wrong version, wrong network and foreign files move aside") {
  ScratchDir dir;
  auto path = dir / "peers.dat";
  Bytes good = encode_peers_file(sample_tables(200), kMainMagic);

  struct Case {
    const char* name;
    Bytes bytes;
    const char* reason;
    wire::Magic magic = kMainMagic;
  };
  Bytes flipped = good;
  flipped[flipped.size() / 2] ^= 0x20;
  Bytes truncated(good.begin(), good.begin() + static_cast<std::ptrdiff_t>(good.size() / 2));
  Bytes version = good;
  version[4] = 2;
  Bytes checksum_only = good;
  checksum_only.back() ^= 1;
  std::vector<Case> cases = {
      {"bit flip", flipped, "checksum mismatch"},
      {"cut in half", truncated, "truncated"},
      {"cut to a few bytes", Bytes(good.begin(), good.begin() + 10), "truncated"},
      {"newer version", version, "wrong version: file has version 2, this build reads 1"},
      {"checksum byte", checksum_only, "checksum mismatch"},
      {"another network", good, "written for another network", wire::Magic{0x0b, 0x11, 0x09, 0x07}},
      {"not a peers file", Bytes{'h', 'e', 'l', 'l', 'o'}, "not a peers file"},
      {"empty", Bytes{}, "truncated"},
  };
  for (const auto& c : cases) {
    CAPTURE(c.name);
    write_bytes(path, c.bytes);
    std::filesystem::remove(dir / "peers.dat.bad");
    LogCapture log;
    auto o = file_options(path, &log);
    o.network_magic = c.magic;
    AddrBook book(o);
    LoadResult r = book.load();
    CHECK(r.status == LoadStatus::moved_aside);
    CHECK(r.detail.find(c.reason) != std::string::npos);
    CHECK(book.size() == 0);
    CHECK_FALSE(std::filesystem::exists(path));
    REQUIRE(std::filesystem::exists(dir / "peers.dat.bad"));
    CHECK(read_bytes(dir / "peers.dat.bad") == c.bytes); // kept for inspection, untouched
    REQUIRE(log.lines().size() == 1);                    // one clear line
    CHECK(log.lines()[0].find(c.reason) != std::string::npos);
    CHECK(log.lines()[0].find("peers.dat.bad") != std::string::npos);
    // The empty book works and saves a good file in its place.
    book.add(std::vector{entry(ipv4(1, 2, 3, 4))}, ipv4(5, 6, 7, 8), kNow);
    REQUIRE(book.save());
    AddrBook again(o);
    CHECK(again.load().status == LoadStatus::loaded);
    CHECK(again.size() == 1);
  }
}

TEST_CASE("peers file: contents behind a valid checksum are still checked") {
  auto decode = [](const Bytes& b) { return decode_peers_file(b, kMainMagic, Rng(1)); };
  auto a = ipv4(1, 2, 3, 4);
  auto ok = decode(raw_file({{a, 8333, {5}}, {ipv4(2, 3, 4, 5), 8333, {}}}));
  REQUIRE(ok);
  CHECK(ok->tables.size() == 2);
  CHECK(ok->tables.tried_count() == 1);
  CHECK(ok->tables.check().empty());

  auto duplicate = decode(raw_file({{a, 8333, {5}}, {a, 8333, {9}}}));
  REQUIRE_FALSE(duplicate);
  CHECK(duplicate.error().code == PeersFileErrc::malformed);

  auto bad_bucket = decode(raw_file({{a, 8333, {1024}}}));
  REQUIRE_FALSE(bad_bucket);
  CHECK(bad_bucket.error().code == PeersFileErrc::malformed);

  auto too_many_refs = decode(raw_file({{a, 8333, {1, 2, 3, 4, 5, 6, 7, 8, 9}}}));
  REQUIRE_FALSE(too_many_refs);
  CHECK(too_many_refs.error().code == PeersFileErrc::malformed);

  auto huge_count = decode(raw_file({{a, 8333, {5}}}, 70'000));
  REQUIRE_FALSE(huge_count);
  CHECK(huge_count.error().code == PeersFileErrc::malformed);

  auto lying_count = decode(raw_file({{a, 8333, {5}}}, 5'000)); // claims 5,000, holds one
  REQUIRE_FALSE(lying_count);
  CHECK(lying_count.error().code == PeersFileErrc::malformed);

  // Entries no longer acceptable are dropped, not fatal.
  auto unroutable = decode(raw_file({{a, 8333, {5}},
                                     {ipv4(192, 168, 1, 1), 8333, {6}},
                                     {wire::NetAddress{9, Bytes(8, 1)}, 8333, {7}}}));
  REQUIRE(unroutable);
  CHECK(unroutable->dropped == 2);
  CHECK(unroutable->tables.size() == 1);
  // A listed bucket that is not the entry's own is simply used: positions are recomputed.
  CHECK(unroutable->tables.check().empty());
}

TEST_CASE("peers file: a leftover temporary file from a crash does not matter") {
  ScratchDir dir;
  auto path = dir / "peers.dat";
  AddrBook book(file_options(path));
  book.add(std::vector{entry(ipv4(1, 2, 3, 4))}, ipv4(5, 6, 7, 8), kNow);
  REQUIRE(book.save());
  Bytes saved = read_bytes(path);
  write_bytes(util::temporary_path(path), Bytes(saved.begin(), saved.begin() + 20)); // half-written

  AddrBook restarted(file_options(path));
  CHECK(restarted.load().status == LoadStatus::loaded);
  CHECK(restarted.size() == 1);
  restarted.add(std::vector{entry(ipv4(2, 3, 4, 5))}, ipv4(5, 6, 7, 8), kNow);
  REQUIRE(restarted.save());
  CHECK_FALSE(std::filesystem::exists(util::temporary_path(path)));
  AddrBook third(file_options(path));
  third.load();
  CHECK(third.size() == 2);
}

TEST_CASE("peers file: a save killed halfway leaves the previous file loadable") {
  ScratchDir dir;
  auto path = dir / "peers.dat";
  AddrBook book(file_options(path));
  for (std::uint32_t i = 0; i < 10; ++i)
    book.add(std::vector{entry(ipv4_n(i << 16 | 0x0404))}, ipv4(5, 6, 7, 8), kNow);
  REQUIRE(book.save());
  Bytes before = read_bytes(path);
  for (std::uint32_t i = 10; i < 3'000; ++i)
    book.add(std::vector{entry(ipv4_n(i << 16 | 0x0404))}, ipv4_n((i % 97 + 4000) << 16 | 1), kNow);
  const std::size_t limit = 8'192; // the new file is far larger: the write dies at this offset

  pid_t child = ::fork();
  REQUIRE(child >= 0);
  if (child == 0) {
    // The kernel kills the child with SIGXFSZ when the write passes the limit: a real death in
    // the middle of write(2), with no chance to clean up.
    rlimit no_core{0, 0};
    ::setrlimit(RLIMIT_CORE, &no_core);
    rlimit size{limit, limit};
    ::setrlimit(RLIMIT_FSIZE, &size);
    std::signal(SIGXFSZ, SIG_DFL);
    (void)book.save();
    ::_exit(0); // not reached if the write was killed
  }
  int status = 0;
  REQUIRE(::waitpid(child, &status, 0) == child);
  REQUIRE(WIFSIGNALED(status));
  CHECK(WTERMSIG(status) == SIGXFSZ);

  CHECK(read_bytes(path) == before); // the previous file, byte for byte
  REQUIRE(std::filesystem::exists(util::temporary_path(path)));
  CHECK(std::filesystem::file_size(util::temporary_path(path)) == limit); // the partial new one

  AddrBook restarted(file_options(path));
  CHECK(restarted.load().status == LoadStatus::loaded);
  CHECK(restarted.size() == 10);
  // And the next save goes through.
  REQUIRE(book.save());
  AddrBook later(file_options(path));
  later.load();
  CHECK(later.size() == book.size());
}

TEST_CASE("peers file: the periodic save runs every 15 minutes") {
  ScratchDir dir;
  auto path = dir / "peers.dat";
  AddrBook book(file_options(path));
  book.add(std::vector{entry(ipv4(1, 2, 3, 4))}, ipv4(5, 6, 7, 8), kNow);
  CHECK(book.save_if_due(kNow) == SaveDue::not_due); // starts the clock
  CHECK(book.save_if_due(kNow + 14 * 60) == SaveDue::not_due);
  CHECK_FALSE(std::filesystem::exists(path));
  CHECK(book.save_if_due(kNow + 15 * 60) == SaveDue::saved);
  CHECK(std::filesystem::exists(path));
  CHECK(book.stats().last_save > 0);
  CHECK(book.save_if_due(kNow + 20 * 60) == SaveDue::not_due);
  CHECK(book.save_if_due(kNow + 30 * 60) == SaveDue::saved);
}

TEST_CASE(
    "peers file: a failed save is reported and logged, and a read error leaves the file alone") {
  ScratchDir dir;
  LogCapture log;
  AddrBook book(file_options(dir / "missing-dir" / "peers.dat", &log));
  auto saved = book.save();
  REQUIRE_FALSE(saved);
  CHECK(saved.error().find("missing-dir") != std::string::npos);
  CHECK(log.contains("could not save"));

  std::filesystem::create_directories(dir / "peers.dat"); // a directory where the file should be
  LogCapture log2;
  AddrBook unreadable(file_options(dir / "peers.dat", &log2));
  CHECK(unreadable.load().status == LoadStatus::unreadable);
  CHECK(std::filesystem::is_directory(dir / "peers.dat"));
  CHECK(log2.lines().size() == 1);
}

TEST_CASE("peers file: a book without a file neither loads nor saves") {
  AddrBook book(options());
  CHECK(book.load().status == LoadStatus::no_file);
  CHECK(book.save());
}
