#pragma once
// UTXO snapshot files (sync/snapshot_*) with a set of N coins of today's script mix: dump, read
// through (checks, statistics, chunk leaves) and load into a new database. Each against a baseline
// measured in the same run on the same data: the dump against the same pass over the database
// with hash_serialized_3 (nothing written); the read against reading the file's bytes and hashing
// them once (the chunk leaves alone); the load against writing the same
// records into a new database in the same 16 MiB parts (no file, no checks).
#include <cstddef>
#include <filesystem>
#include <iosfwd>

namespace peregrine::bench {

struct SnapshotBenchOptions {
  std::size_t coins = 1'000'000;
  std::filesystem::path scratch; // the databases and the file are made, and removed, inside
  bool json = false;
};

bool run_snapshot_bench(std::ostream& out, std::ostream& err, const SnapshotBenchOptions& options);

} // namespace peregrine::bench
