#pragma once
// The peers file (peers.dat in the datadir): the secret key and both tables, so a restart keeps
// what the node learned and the same bucket placement. Layout (integers little-endian, CompactSize
// as on the wire):
//
//   "PGAB"  file magic                    4 bytes
//   version (1)                           u8
//   network magic (the chain's)           4 bytes: another network's file is refused
//   bucketing key                         16 bytes
//   new entry count, tried entry count    CompactSize each (at most 65,536 and 16,384)
//   entries, new ones first:
//     address: network u8, length CompactSize (at most 32), bytes; port u16 big-endian
//     source:  network u8, length CompactSize (at most 32), bytes
//     services u64, time i64, last try i64, last success i64, attempts i32
//     new entries only: bucket count CompactSize (1..8), bucket indexes u16 each
//   checksum                              32 bytes: double SHA-256 of everything before it
//
// Loading never trusts the file: sizes are bounded before anything is allocated, the checksum is
// verified before any entry is used, and entries are re-placed with the key (positions are
// recomputed, never read), so a crafted file can at worst lose entries.
#include <array>
#include <cstddef>
#include <cstdint>
#include <expected>
#include <string>

#include "addrbook/addr_tables.hpp"
#include "util/bytes.hpp"
#include "wire/framing.hpp"

namespace peregrine::addrbook {

inline constexpr std::array<std::uint8_t, 4> kPeersFileMagic = {'P', 'G', 'A', 'B'};
inline constexpr std::uint8_t kPeersFileVersion = 1;
inline constexpr std::uintmax_t kMaxPeersFileSize = 64u << 20; // ~6x a full book

enum class PeersFileErrc : std::uint8_t {
  bad_magic,     // not a peers file at all
  wrong_version, // a format this build does not read
  wrong_network, // written for another chain
  truncated,     // ends early (an interrupted copy, a full disk)
  bad_checksum,  // bytes changed after writing
  malformed,     // checksum fine but contents inconsistent (duplicates, impossible counts)
};

struct PeersFileError {
  PeersFileErrc code = PeersFileErrc::malformed;
  std::string detail;
  std::string message() const; // e.g. "wrong version: file has version 7, this build reads 1"
};

struct LoadedTables {
  AddrTables tables;
  std::size_t dropped = 0; // entries no longer acceptable (e.g. now unroutable) or without room
};

Bytes encode_peers_file(const AddrTables& tables, const wire::Magic& network_magic);
std::expected<LoadedTables, PeersFileError>
decode_peers_file(ByteSpan file, const wire::Magic& network_magic, Rng rng);

} // namespace peregrine::addrbook
