#include "node/report_html.hpp"

#include <algorithm>
#include <array>

#include <fmt/format.h>

#include "node/html_text.hpp"
#include "node/svg_chart.hpp"

namespace peregrine::node {
namespace {

constexpr std::array<std::string_view, kTraceStages> kStageNames = {
    "block checks", "coin lookups, cache hit", "coin lookups, cache miss", "waiting for script checks",
    "undo writes", "UTXO flushes"};
constexpr std::array<std::string_view, kTraceStages + 1> kStageColors = {
    "#4e79a7", "#59a14f", "#e15759", "#f28e2b", "#b07aa1", "#9c755f", "#cccccc"};
constexpr std::size_t kPeerBars = 16;
constexpr std::size_t kRatePoints = 150;

double seconds(std::uint64_t us) { return static_cast<double>(us) / 1e6; }
double mid_height(const TraceBucket& b) {
  return (static_cast<double>(b.first_height) + static_cast<double>(b.last_height)) / 2;
}

// Blocks and transactions per second over each point's stretch of time (from the previous point's
// last row; the first from the trace's opening).
std::string rate_charts(const TraceSummary& t, std::size_t& charts) {
  if (!t.has_elapsed)
    return "<p class=\"missing\">This trace has no <code>elapsed_us</code> column (it was written before the "
           "column existed), so rates over time cannot be drawn.</p>";
  ChartSeries blocks{"blocks/s", "#4e79a7", {}};
  ChartSeries txs{"tx/s", "#e15759", {}};
  // A rate over one or two blocks is mostly noise: neighbouring points are merged down to at most
  // kRatePoints.
  const std::size_t group = (t.points.size() + kRatePoints - 1) / kRatePoints;
  std::vector<TraceBucket> merged;
  for (std::size_t i = 0; i < t.points.size(); ++i) {
    if (i % group == 0) merged.emplace_back();
    merged.back().merge(t.points[i]);
  }
  std::uint64_t before = 0;
  for (const auto& p : merged) {
    if (p.last_elapsed_us > before) {
      const double span = seconds(p.last_elapsed_us - before);
      blocks.points.push_back({seconds(p.last_elapsed_us), static_cast<double>(p.rows) / span});
      txs.points.push_back({seconds(p.last_elapsed_us), static_cast<double>(p.txs) / span});
    }
    before = std::max(before, p.last_elapsed_us);
  }
  charts += 2;
  return line_chart({"Blocks connected per second", "time since the trace began (s)", "blocks/s"}, {blocks}) +
         line_chart({"Transactions connected per second", "time since the trace began (s)", "tx/s"}, {txs});
}

std::string stage_chart(const TraceSummary& t, std::size_t& charts) {
  std::vector<double> x;
  std::vector<ChartSeries> series;
  for (std::size_t s = 0; s < kTraceStages; ++s) series.push_back({std::string(kStageNames[s]), std::string(kStageColors[s]), {}});
  if (t.has_elapsed) series.push_back({"not traced: waits, writes, other", std::string(kStageColors[kTraceStages]), {}});
  std::uint64_t before = 0;
  for (const auto& p : t.points) {
    x.push_back(mid_height(p));
    for (std::size_t s = 0; s < kTraceStages; ++s) series[s].points.push_back({x.back(), static_cast<double>(p.stage_us[s])});
    if (t.has_elapsed) {
      const std::uint64_t span = p.last_elapsed_us > before ? p.last_elapsed_us - before : 0;
      const std::uint64_t traced = p.stage_total_us();
      series.back().points.push_back({x.back(), static_cast<double>(span > traced ? span - traced : 0)});
      before = std::max(before, p.last_elapsed_us);
    }
  }
  ++charts;
  return stacked_share_chart({"Chain thread: each stage's share of time", "height", "share of time"}, x, series);
}

std::string coin_chart(const TraceSummary& t, std::size_t& charts) {
  ChartSeries hits{"cache hits per block", "#59a14f", {}};
  ChartSeries misses{"cache misses per block (database reads)", "#e15759", {}};
  for (const auto& p : t.points) {
    const double rows = static_cast<double>(p.rows);
    hits.points.push_back({mid_height(p), static_cast<double>(p.coin_hits) / rows});
    misses.points.push_back({mid_height(p), static_cast<double>(p.coin_misses) / rows});
  }
  ++charts;
  return line_chart({"Coin lookups: cache hits and misses", "height", "lookups per block"}, {hits, misses});
}

std::string flush_chart(const TraceSummary& t, std::size_t& charts) {
  ChartSeries time{"flush time (s)", "#9c755f", {}};
  for (const auto& p : t.points)
    time.points.push_back({mid_height(p), seconds(p.stage_us[static_cast<std::size_t>(TraceStage::utxo_flush)])});
  ++charts;
  return line_chart({fmt::format("UTXO flushes: {} flushes, {:.3f} s", t.totals.flushes,
                                 seconds(t.totals.stage_us[static_cast<std::size_t>(TraceStage::utxo_flush)])),
                     "height (the flush runs after the block)", "seconds flushing"},
                    {time});
}

std::string peer_chart(const TraceSummary& t, std::size_t& charts) {
  if (!t.has_peer)
    return "<p class=\"missing\">This trace has no <code>peer</code> column (it was written before the column "
           "existed), so deliveries by peer cannot be drawn.</p>";
  if (t.peers.empty())
    return fmt::format("<p class=\"missing\">No block in this trace came from a peer: all {} were read from block "
                       "files or from disk (<code>import</code>, or blocks stored by an earlier run).</p>",
                       t.unattributed.blocks);
  std::vector<std::pair<std::uint64_t, PeerDeliveries>> peers(t.peers.begin(), t.peers.end());
  std::sort(peers.begin(), peers.end(), [](const auto& a, const auto& b) { return a.second.blocks > b.second.blocks; });
  std::vector<ChartBar> bars;
  PeerDeliveries rest = t.other_peers;
  for (std::size_t i = 0; i < peers.size(); ++i) {
    const auto& [id, d] = peers[i];
    if (i < kPeerBars) {
      bars.push_back({fmt::format("peer {}", id), static_cast<double>(d.blocks),
                      fmt::format("blocks, {:.2f} MB", static_cast<double>(d.bytes) / 1e6)});
    } else {
      rest.blocks += d.blocks;
      rest.bytes += d.bytes;
    }
  }
  if (rest.blocks)
    bars.push_back({"other peers", static_cast<double>(rest.blocks),
                    fmt::format("blocks, {:.2f} MB", static_cast<double>(rest.bytes) / 1e6)});
  if (t.unattributed.blocks)
    bars.push_back({"no peer (from disk)", static_cast<double>(t.unattributed.blocks),
                    fmt::format("blocks, {:.2f} MB", static_cast<double>(t.unattributed.bytes) / 1e6)});
  ++charts;
  return bar_chart({"Blocks delivered by each peer", "blocks connected, by the peer whose copy was decoded", ""}, bars,
                   "#76b7b2");
}

std::string facts(const TraceSummary& t) {
  const TraceBucket& a = t.totals;
  std::string out = "<table class=\"facts\">";
  auto row = [&out](std::string_view name, const std::string& value) {
    out += fmt::format("<tr><th>{}</th><td>{}</td></tr>", escape_html(name), escape_html(value));
  };
  row("blocks", fmt::format("{} (heights {} to {})", a.rows, a.first_height, a.last_height));
  row("transactions", fmt::format("{} ({} inputs)", a.txs, a.inputs));
  row("block data", fmt::format("{:.2f} MB", static_cast<double>(a.bytes) / 1e6));
  if (t.has_elapsed && a.last_elapsed_us > 0) {
    const double wall = seconds(a.last_elapsed_us);
    row("time", fmt::format("{:.3f} s from opening the trace to its last block", wall));
    row("rates", fmt::format("{:.1f} blocks/s, {:.1f} tx/s, {:.2f} MB/s", static_cast<double>(a.rows) / wall,
                             static_cast<double>(a.txs) / wall, static_cast<double>(a.bytes) / 1e6 / wall));
  }
  row("chart points", fmt::format("{}, each summing {} consecutive rows", t.points.size(), t.rows_per_point));
  return out + "</table>";
}

constexpr std::string_view kStyle =
    "body{font-family:sans-serif;margin:24px auto;max-width:800px;color:#222}"
    "h1{font-size:22px}h2{font-size:17px;margin-top:28px}"
    "table.facts th{text-align:left;padding-right:16px;font-weight:normal;color:#555}"
    "pre{background:#f6f6f6;padding:10px;font-size:12px;white-space:pre-wrap}"
    "p.missing,p.note{color:#555;font-size:14px}svg.chart{display:block;margin:12px 0}";

} // namespace

ReportPage render_report(const TraceSummary& trace, std::string_view source, std::string_view summary) {
  ReportPage page;
  std::string& h = page.html;
  h = "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">"
      // Nothing is fetched: the page is whole as written.
      "<meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'; style-src 'unsafe-inline'; "
      "script-src 'unsafe-inline'\">";
  h += fmt::format("<title>Peregrine sync report: {}</title><style>{}</style></head><body>\n", escape_html(source), kStyle);
  h += fmt::format("<h1>Peregrine sync report</h1><p>Trace: <code>{}</code></p>\n", escape_html(source));
  h += facts(trace);
  h += "\n<h2>Speed</h2>\n" + rate_charts(trace, page.charts);
  h += "\n<h2>Where the chain thread's time went</h2>\n" + stage_chart(trace, page.charts);
  h += "<p class=\"note\">Stages as the trace times them per block. Decoding (the feeder's thread) and script "
       "checks on the pool run beside the chain thread and are not stacked here; see the summary.</p>";
  h += "\n<h2>Coins cache</h2>\n" + coin_chart(trace, page.charts);
  h += "\n<h2>Flushes</h2>\n" + flush_chart(trace, page.charts);
  h += "\n<h2>Peers</h2>\n" + peer_chart(trace, page.charts);
  h += "\n<h2>Summary</h2>\n<pre class=\"summary\">" + escape_html(summary) + "</pre>";
  h += "<p class=\"note\">The summary is the one <code>sync</code> and <code>import</code> print at exit, from what "
       "the trace holds: it has no record of the chain thread's waits for blocks, block writes and bookkeeping "
       "(one \"not traced\" stage, left out of the verdict), of the feeder's network waits, of the script "
       "pool's thread count (taken as 1), of read-ahead, back-pressure, or of peers' addresses and drops. The live "
       "report at the end of a run has them all.</p>\n";
  h += "<script>document.body.dataset.rendered=document.querySelectorAll('svg.chart').length;</script>\n";
  h += "</body></html>\n";
  return page;
}

} // namespace peregrine::node
