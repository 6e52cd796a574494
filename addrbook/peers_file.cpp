#include "addrbook/peers_file.hpp"

#include <algorithm>
#include <array>
#include <span>
#include <vector>

#include <fmt/format.h>

#include "crypto/sha256.hpp"
#include "wire/compact_size.hpp"
#include "wire/reader.hpp"
#include "wire/writer.hpp"

namespace peregrine::addrbook {
namespace {

constexpr std::size_t kHeaderSize = 4 + 1 + 4 + 16;
constexpr std::size_t kChecksumSize = 32;
constexpr std::size_t kMaxNewEntries = static_cast<std::size_t>(kNewBucketCount) * kBucketSize;
constexpr std::size_t kMaxTriedEntries = static_cast<std::size_t>(kTriedBucketCount) * kBucketSize;
// network, length, port, network, length, services, three times, attempts: no entry is smaller.
constexpr std::size_t kMinEntrySize = 1 + 1 + 2 + 1 + 1 + 8 + 3 * 8 + 4;

void write_address(wire::Writer& w, const CompactAddress& a) {
  w.u8(a.network);
  wire::write_var_bytes(w, a.span());
}

CompactAddress read_address(wire::Reader& r, std::string_view field) {
  CompactAddress a;
  a.network = r.u8(field);
  Bytes bytes = wire::read_var_bytes(r, field, kMaxStoredAddressSize);
  a.length = static_cast<std::uint8_t>(bytes.size());
  std::copy(bytes.begin(), bytes.end(), a.bytes.begin());
  return a;
}

void write_entry(wire::Writer& w, const AddrInfo& info) {
  write_address(w, info.service.address);
  w.u16_be(info.service.port);
  write_address(w, info.source);
  w.u64_le(info.services);
  w.i64_le(info.time);
  w.i64_le(info.last_try);
  w.i64_le(info.last_success);
  w.i32_le(info.attempts);
}

AddrInfo read_entry(wire::Reader& r) {
  AddrInfo info;
  info.service.address = read_address(r, "peers.address");
  info.service.port = r.u16_be("peers.port");
  info.source = read_address(r, "peers.source");
  info.services = r.u64_le("peers.services");
  info.time = r.i64_le("peers.time");
  info.last_try = r.i64_le("peers.last_try");
  info.last_success = r.i64_le("peers.last_success");
  info.attempts = r.i32_le("peers.attempts");
  return info;
}

struct SavedEntry {
  AddrInfo info;
  std::array<std::uint16_t, kMaxNewReferences> buckets{}; // new entries only
  std::uint8_t bucket_count = 0;
  std::span<const std::uint16_t> bucket_list() const { return {buckets.data(), bucket_count}; }
};

// The entry list of a file body; the reader records the first structural error.
std::vector<SavedEntry> read_entries(wire::Reader& r, std::string& problem) {
  std::uint64_t new_count = wire::read_compact_size(r, "peers.new_count");
  std::uint64_t tried_count = wire::read_compact_size(r, "peers.tried_count");
  std::vector<SavedEntry> entries;
  if (!r.ok()) return entries;
  if (new_count > kMaxNewEntries || tried_count > kMaxTriedEntries) {
    problem =
        fmt::format("{} new and {} tried entries do not fit the tables", new_count, tried_count);
    return entries;
  }
  entries.reserve(r.reservable(new_count + tried_count, kMinEntrySize));
  for (std::uint64_t i = 0; i < new_count + tried_count && r.ok(); ++i) {
    SavedEntry& e = entries.emplace_back();
    e.info = read_entry(r);
    e.info.in_tried = i >= new_count;
    if (e.info.in_tried) continue;
    std::uint64_t refs = wire::read_compact_size(r, "peers.bucket_count");
    if (r.ok() && (refs == 0 || refs > static_cast<std::uint64_t>(kMaxNewReferences))) {
      problem = fmt::format("a new entry in {} buckets", refs);
      return entries;
    }
    for (std::uint64_t b = 0; b < refs && r.ok(); ++b) {
      std::uint16_t bucket = r.u16_le("peers.bucket");
      if (r.ok() && bucket >= kNewBucketCount) {
        problem = fmt::format("bucket index {} out of range", bucket);
        return entries;
      }
      e.buckets[e.bucket_count++] = bucket;
    }
  }
  return entries;
}

} // namespace

std::string PeersFileError::message() const {
  std::string_view what;
  switch (code) {
  case PeersFileErrc::bad_magic: what = "not a peers file"; break;
  case PeersFileErrc::wrong_version: what = "wrong version"; break;
  case PeersFileErrc::wrong_network: what = "written for another network"; break;
  case PeersFileErrc::truncated: what = "truncated"; break;
  case PeersFileErrc::bad_checksum: what = "checksum mismatch"; break;
  case PeersFileErrc::malformed: what = "malformed"; break;
  }
  return detail.empty() ? std::string(what) : fmt::format("{}: {}", what, detail);
}

Bytes encode_peers_file(const AddrTables& tables, const wire::Magic& network_magic) {
  // Each new entry's buckets, from one pass over the new table (flat: no allocation per entry).
  std::size_t id_limit = 0;
  for (EntryId id : tables.ids()) id_limit = std::max(id_limit, static_cast<std::size_t>(id) + 1);
  std::vector<std::array<std::uint16_t, kMaxNewReferences>> buckets_of(id_limit);
  std::vector<std::uint8_t> bucket_count(id_limit, 0);
  for (int bucket = 0; bucket < kNewBucketCount; ++bucket) {
    for (int position = 0; position < kBucketSize; ++position) {
      EntryId id = tables.new_slot(bucket, position);
      if (id == kNoEntry) continue;
      auto i = static_cast<std::size_t>(id);
      if (bucket_count[i] < kMaxNewReferences) {
        buckets_of[i][bucket_count[i]++] = static_cast<std::uint16_t>(bucket);
      }
    }
  }

  Bytes out;
  out.reserve(kHeaderSize + tables.size() * 64 + kChecksumSize);
  wire::Writer w(out);
  w.bytes(kPeersFileMagic);
  w.u8(kPeersFileVersion);
  w.bytes(network_magic);
  w.bytes(tables.key().to_bytes());
  wire::write_compact_size(w, tables.new_count());
  wire::write_compact_size(w, tables.tried_count());
  for (bool tried : {false, true}) {
    for (EntryId id : tables.ids()) {
      const AddrInfo& info = tables.info(id);
      if (info.in_tried != tried) continue;
      write_entry(w, info);
      if (tried) continue;
      auto i = static_cast<std::size_t>(id);
      wire::write_compact_size(w, bucket_count[i]);
      for (std::uint8_t b = 0; b < bucket_count[i]; ++b) w.u16_le(buckets_of[i][b]);
    }
  }
  Hash256 checksum = crypto::sha256d(out);
  w.hash(checksum);
  return out;
}

std::expected<LoadedTables, PeersFileError>
decode_peers_file(ByteSpan file, const wire::Magic& network_magic, Rng rng) {
  auto fail = [](PeersFileErrc code, std::string detail) {
    return std::unexpected(PeersFileError{code, std::move(detail)});
  };
  std::size_t magic_bytes = std::min(file.size(), kPeersFileMagic.size());
  if (!std::equal(file.begin(), file.begin() + static_cast<std::ptrdiff_t>(magic_bytes),
                  kPeersFileMagic.begin())) {
    return fail(PeersFileErrc::bad_magic, "");
  }
  if (file.size() < kHeaderSize + kChecksumSize) {
    return fail(PeersFileErrc::truncated,
                fmt::format("{} bytes, shorter than any peers file", file.size()));
  }
  wire::Reader header(file.first(kHeaderSize));
  header.take(kPeersFileMagic.size(), "peers.magic");
  std::uint8_t version = header.u8("peers.version");
  if (version != kPeersFileVersion) {
    return fail(
        PeersFileErrc::wrong_version,
        fmt::format("file has version {}, this build reads {}", version, kPeersFileVersion));
  }
  if (header.array<4>("peers.network") != network_magic)
    return fail(PeersFileErrc::wrong_network, "");
  auto key = crypto::SipKey::from_bytes(header.array<16>("peers.key"));

  ByteSpan covered = file.first(file.size() - kChecksumSize);
  ByteSpan body = covered.subspan(kHeaderSize);
  wire::Reader r(body);
  std::string problem;
  std::vector<SavedEntry> entries = read_entries(r, problem);

  Hash256 checksum = crypto::sha256d(covered);
  if (!std::equal(checksum.bytes.begin(), checksum.bytes.end(), file.end() - kChecksumSize)) {
    // Tell an early end from changed bytes, for the log line.
    if (!r.ok() && r.error()->code == wire::DecodeErrc::truncated) {
      return fail(PeersFileErrc::truncated, fmt::format("{} bytes", file.size()));
    }
    return fail(PeersFileErrc::bad_checksum, "");
  }
  if (!problem.empty()) return fail(PeersFileErrc::malformed, problem);
  if (auto error = r.finish()) return fail(PeersFileErrc::malformed, error->message());

  LoadedTables loaded{AddrTables(key, rng), 0};
  for (const SavedEntry& e : entries) {
    switch (loaded.tables.restore(e.info, e.bucket_list())) {
    case RestoreOutcome::restored: break;
    case RestoreOutcome::dropped: ++loaded.dropped; break;
    case RestoreOutcome::duplicate:
      return fail(
          PeersFileErrc::malformed,
          fmt::format("{} listed twice", e.info.service.address.to_net_address().to_string()));
    }
  }
  return loaded;
}

} // namespace peregrine::addrbook
