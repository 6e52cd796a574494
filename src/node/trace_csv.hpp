#pragma once
// Reads a `--trace` CSV (doc/sync.md) into what `peregrine report` draws: run totals, at most a
// fixed number of chart points (consecutive rows summed, so a mainnet trace of 900k rows takes
// the same memory as one of 600), and the blocks and bytes each peer delivered. Rows are read
// one at a time; a malformed file is an error naming its line.
#include <array>
#include <cstddef>
#include <cstdint>
#include <expected>
#include <filesystem>
#include <istream>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace peregrine::node {

// The chain thread's stages a row times, in the trace's column order (script_cpu_us is the pool's
// time and overlaps the rest, deserialize_us the feeder's: both kept apart).
enum class TraceStage { block_check, coins_hit, coins_miss, script_wait, undo_write, utxo_flush };
inline constexpr std::size_t kTraceStages = 6;
std::string_view trace_stage_column(TraceStage stage); // "block_check_us", ...

struct TraceRow {
  std::uint64_t height = 0;
  std::uint64_t bytes = 0;
  std::uint64_t txs = 0;
  std::uint64_t inputs = 0;
  std::uint64_t coin_hits = 0;
  std::uint64_t coin_misses = 0;
  std::uint64_t deserialize_us = 0;
  std::uint64_t script_cpu_us = 0;
  std::array<std::uint64_t, kTraceStages> stage_us{};
  std::optional<std::uint64_t> elapsed_us; // traces written before the column existed have none
  std::optional<std::uint64_t> peer;       // none: read from a file or from disk
};

// The sums of a run of consecutive rows: one chart point.
struct TraceBucket {
  std::uint64_t rows = 0;
  std::uint64_t first_height = 0;
  std::uint64_t last_height = 0;
  std::uint64_t bytes = 0;
  std::uint64_t txs = 0;
  std::uint64_t inputs = 0;
  std::uint64_t coin_hits = 0;
  std::uint64_t coin_misses = 0;
  std::uint64_t flushes = 0; // rows with utxo_flush_us > 0
  std::uint64_t deserialize_us = 0;
  std::uint64_t script_cpu_us = 0;
  std::array<std::uint64_t, kTraceStages> stage_us{};
  std::uint64_t first_elapsed_us = 0; // 0 without the elapsed_us column
  std::uint64_t last_elapsed_us = 0;

  void add(const TraceRow& row);
  void merge(const TraceBucket& later); // `later` follows this run
  std::uint64_t stage_total_us() const;
};

// Keeps at most max_points buckets: when they are all full, neighbours are merged in pairs and
// each bucket takes twice as many rows from then on.
class TraceDownsampler {
public:
  explicit TraceDownsampler(std::size_t max_points);
  void add(const TraceRow& row);
  // The full buckets and the one being filled.
  std::vector<TraceBucket> points() const;
  std::uint64_t rows_per_point() const { return rows_per_bucket_; }

private:
  std::size_t max_points_;
  std::uint64_t rows_per_bucket_ = 1;
  std::vector<TraceBucket> full_;
  TraceBucket filling_;
};

struct PeerDeliveries {
  std::uint64_t blocks = 0;
  std::uint64_t bytes = 0;
};

struct TraceSummary {
  bool has_elapsed = false; // the elapsed_us column (rates over time)
  bool has_peer = false;    // the peer column
  TraceBucket totals;
  std::vector<TraceBucket> points;
  std::uint64_t rows_per_point = 1;
  std::map<std::uint64_t, PeerDeliveries> peers; // at most kMaxTracePeers ids
  PeerDeliveries other_peers;                    // senders beyond that bound
  PeerDeliveries unattributed;                   // rows with no peer (files, disk)
};

inline constexpr std::size_t kMaxTracePeers = 4096;
inline constexpr std::size_t kMaxTraceLine = 4096;

struct TraceError {
  std::uint64_t line = 0; // 1 is the header; 0: not about a line
  std::string message;
  std::string text() const; // "line N: message"
};

std::expected<TraceSummary, TraceError> read_trace(std::istream& in, std::size_t max_points);
std::expected<TraceSummary, TraceError> read_trace_file(const std::filesystem::path& path, std::size_t max_points);

} // namespace peregrine::node
