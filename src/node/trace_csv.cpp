#include "node/trace_csv.hpp"

#include <algorithm>
#include <charconv>
#include <fstream>

#include <fmt/format.h>

namespace peregrine::node {
namespace {

constexpr std::array<std::string_view, kTraceStages> kStageColumns = {
    "block_check_us", "coins_hit_us", "coins_miss_us", "script_wait_us", "undo_write_us", "utxo_flush_us"};

// The columns every trace has had; others after them are optional or ignored.
enum Column : std::size_t {
  height, hash, bytes, txs, inputs, coin_hits, coin_misses, deserialize_us, block_check_us, coins_hit_us,
  coins_miss_us, script_cpu_us, script_wait_us, undo_write_us, utxo_flush_us, elapsed_us, peer, kColumns
};
constexpr std::array<std::string_view, kColumns> kColumnNames = {
    "height", "hash", "bytes", "txs", "inputs", "coin_hits", "coin_misses", "deserialize_us", "block_check_us",
    "coins_hit_us", "coins_miss_us", "script_cpu_us", "script_wait_us", "undo_write_us", "utxo_flush_us",
    "elapsed_us", "peer"};
constexpr std::size_t kRequiredColumns = elapsed_us;

using Fail = std::unexpected<TraceError>;

// One line without its end of line, at most kMaxTraceLine characters: nothing longer is kept.
enum class LineRead { ok, end, too_long };
LineRead read_line(std::istream& in, std::string& line) {
  line.clear();
  int c = in.get();
  if (c == std::char_traits<char>::eof()) return LineRead::end;
  while (c != std::char_traits<char>::eof() && c != '\n') {
    if (line.size() == kMaxTraceLine) {
      in.ignore(std::numeric_limits<std::streamsize>::max(), '\n'); // skip the rest, unread
      return LineRead::too_long;
    }
    line.push_back(static_cast<char>(c));
    c = in.get();
  }
  if (!line.empty() && line.back() == '\r') line.pop_back();
  return LineRead::ok;
}

std::vector<std::string_view> split(std::string_view line) {
  std::vector<std::string_view> out;
  std::size_t start = 0;
  while (true) {
    const std::size_t comma = line.find(',', start);
    out.push_back(line.substr(start, comma == std::string_view::npos ? std::string_view::npos : comma - start));
    if (comma == std::string_view::npos) return out;
    start = comma + 1;
  }
}

// A printable rendering of a field for an error message, cut short.
std::string shown(std::string_view field) {
  std::string out;
  for (char c : field.substr(0, 40)) out.push_back(c >= 0x20 && c < 0x7f ? c : '?');
  return field.size() > 40 ? out + "..." : out;
}

std::optional<std::uint64_t> parse_number(std::string_view s) {
  std::uint64_t v = 0;
  if (s.empty()) return std::nullopt;
  auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
  if (ec != std::errc{} || end != s.data() + s.size()) return std::nullopt;
  return v;
}

bool is_hash(std::string_view s) {
  return s.size() == 64 && std::all_of(s.begin(), s.end(), [](char c) {
           return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F');
         });
}

struct Layout {
  std::array<std::optional<std::size_t>, kColumns> index{}; // where each known column is
  std::size_t fields = 0;
};

std::expected<Layout, TraceError> parse_header(std::string_view line) {
  Layout layout;
  const auto names = split(line);
  layout.fields = names.size();
  for (std::size_t i = 0; i < names.size(); ++i) {
    for (std::size_t c = 0; c < kColumns; ++c) {
      if (names[i] != kColumnNames[c]) continue;
      if (layout.index[c]) return Fail(TraceError{1, fmt::format("column '{}' appears twice in the header", names[i])});
      layout.index[c] = i;
    }
  }
  for (std::size_t c = 0; c < kRequiredColumns; ++c) {
    if (!layout.index[c])
      return Fail(TraceError{1, fmt::format("the header has no column '{}' (not a --trace file? the header "
                                            "starts with height,hash,bytes,...)", kColumnNames[c])});
  }
  return layout;
}

std::expected<TraceRow, TraceError> parse_row(std::string_view line, const Layout& layout, std::uint64_t number) {
  const auto fields = split(line);
  if (fields.size() != layout.fields)
    return Fail(TraceError{number, fmt::format("{} fields where the header has {}", fields.size(), layout.fields)});
  auto field = [&](Column c) { return fields[*layout.index[c]]; };
  auto count = [&](Column c) -> std::expected<std::uint64_t, TraceError> {
    if (auto v = parse_number(field(c))) return *v;
    return Fail(TraceError{number, fmt::format("column '{}' is '{}', not a whole number", kColumnNames[c], shown(field(c)))});
  };
  if (!is_hash(field(hash)))
    return Fail(TraceError{number, fmt::format("column 'hash' is '{}', not 64 hex digits", shown(field(hash)))});

  TraceRow row;
  struct Target { Column column; std::uint64_t* into; };
  const std::array<Target, 14> targets = {{{height, &row.height}, {bytes, &row.bytes}, {txs, &row.txs},
      {inputs, &row.inputs}, {coin_hits, &row.coin_hits}, {coin_misses, &row.coin_misses},
      {deserialize_us, &row.deserialize_us}, {script_cpu_us, &row.script_cpu_us},
      {block_check_us, &row.stage_us[0]}, {coins_hit_us, &row.stage_us[1]}, {coins_miss_us, &row.stage_us[2]},
      {script_wait_us, &row.stage_us[3]}, {undo_write_us, &row.stage_us[4]}, {utxo_flush_us, &row.stage_us[5]}}};
  for (const auto& t : targets) {
    auto v = count(t.column);
    if (!v) return Fail(v.error());
    *t.into = *v;
  }
  if (layout.index[elapsed_us]) {
    auto v = count(elapsed_us);
    if (!v) return Fail(v.error());
    row.elapsed_us = *v;
  }
  if (layout.index[peer] && !field(peer).empty()) {
    auto v = count(peer);
    if (!v) return Fail(v.error());
    row.peer = *v;
  }
  return row;
}

void credit(PeerDeliveries& d, const TraceRow& row) {
  ++d.blocks;
  d.bytes += row.bytes;
}

} // namespace

std::string_view trace_stage_column(TraceStage stage) { return kStageColumns[static_cast<std::size_t>(stage)]; }

std::string TraceError::text() const { return line ? fmt::format("line {}: {}", line, message) : message; }

void TraceBucket::add(const TraceRow& row) {
  TraceBucket one;
  one.rows = 1;
  one.first_height = one.last_height = row.height;
  one.bytes = row.bytes;
  one.txs = row.txs;
  one.inputs = row.inputs;
  one.coin_hits = row.coin_hits;
  one.coin_misses = row.coin_misses;
  one.flushes = row.stage_us[static_cast<std::size_t>(TraceStage::utxo_flush)] > 0 ? 1 : 0;
  one.deserialize_us = row.deserialize_us;
  one.script_cpu_us = row.script_cpu_us;
  one.stage_us = row.stage_us;
  one.first_elapsed_us = one.last_elapsed_us = row.elapsed_us.value_or(0);
  merge(one);
}

void TraceBucket::merge(const TraceBucket& later) {
  if (later.rows == 0) return;
  if (rows == 0) {
    *this = later;
    return;
  }
  // Hostile numbers may wrap these sums; they only ever feed the charts, never an index.
  rows += later.rows;
  last_height = later.last_height;
  bytes += later.bytes;
  txs += later.txs;
  inputs += later.inputs;
  coin_hits += later.coin_hits;
  coin_misses += later.coin_misses;
  flushes += later.flushes;
  deserialize_us += later.deserialize_us;
  script_cpu_us += later.script_cpu_us;
  for (std::size_t s = 0; s < kTraceStages; ++s) stage_us[s] += later.stage_us[s];
  last_elapsed_us = later.last_elapsed_us;
}

std::uint64_t TraceBucket::stage_total_us() const {
  std::uint64_t total = 0;
  for (auto t : stage_us) total += t;
  return total;
}

TraceDownsampler::TraceDownsampler(std::size_t max_points) : max_points_(std::max<std::size_t>(max_points, 2)) {}

void TraceDownsampler::add(const TraceRow& row) {
  filling_.add(row);
  if (filling_.rows < rows_per_bucket_) return;
  full_.push_back(filling_);
  filling_ = {};
  if (full_.size() < max_points_) return;
  std::vector<TraceBucket> merged;
  merged.reserve(max_points_);
  for (std::size_t i = 0; i + 1 < full_.size(); i += 2) {
    merged.push_back(full_[i]);
    merged.back().merge(full_[i + 1]);
  }
  if (full_.size() % 2) filling_ = full_.back(); // an odd one out keeps filling at the new width
  full_ = std::move(merged);
  rows_per_bucket_ *= 2;
}

std::vector<TraceBucket> TraceDownsampler::points() const {
  std::vector<TraceBucket> out = full_;
  if (filling_.rows) out.push_back(filling_);
  return out;
}

std::expected<TraceSummary, TraceError> read_trace(std::istream& in, std::size_t max_points) {
  std::string line;
  if (read_line(in, line) != LineRead::ok || line.empty())
    return Fail(TraceError{1, "no header (the file is empty)"});
  auto layout = parse_header(line);
  if (!layout) return Fail(layout.error());

  TraceSummary summary;
  summary.has_elapsed = layout->index[elapsed_us].has_value();
  summary.has_peer = layout->index[peer].has_value();
  TraceDownsampler sampler(max_points);
  std::uint64_t number = 1;
  while (true) {
    const LineRead read = read_line(in, line);
    if (read == LineRead::end) break;
    ++number;
    if (read == LineRead::too_long)
      return Fail(TraceError{number, fmt::format("longer than {} characters", kMaxTraceLine)});
    if (line.empty()) continue;
    auto row = parse_row(line, *layout, number);
    if (!row) return Fail(row.error());
    summary.totals.add(*row);
    sampler.add(*row);
    if (!row->peer) {
      credit(summary.unattributed, *row);
    } else if (auto it = summary.peers.find(*row->peer); it != summary.peers.end()) {
      credit(it->second, *row);
    } else if (summary.peers.size() < kMaxTracePeers) {
      credit(summary.peers[*row->peer], *row);
    } else {
      credit(summary.other_peers, *row);
    }
  }
  if (in.bad()) return Fail(TraceError{number, "read error"});
  if (summary.totals.rows == 0) return Fail(TraceError{0, "the trace has no rows (no block was connected)"});
  summary.points = sampler.points();
  summary.rows_per_point = sampler.rows_per_point();
  return summary;
}

std::expected<TraceSummary, TraceError> read_trace_file(const std::filesystem::path& path, std::size_t max_points) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return Fail(TraceError{0, fmt::format("cannot read {}", path.string())});
  return read_trace(in, max_points);
}

} // namespace peregrine::node
