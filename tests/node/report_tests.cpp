// `peregrine report`: reading a --trace CSV (old and new column sets, bad input named by line),
// downsampling to a fixed number of points, HTML escaping, the SVG charts' series, the summary
// derived through sync/ibd_profile, and the command end to end.
#include <doctest/doctest.h>

#include "temp_dir.hpp"

#include <fstream>
#include <random>
#include <sstream>
#include <string>

#include "node/html_text.hpp"
#include "node/report_html.hpp"
#include "node/svg_chart.hpp"
#include "node/trace_csv.hpp"
#include "node/trace_profile.hpp"
#include "run_cli.hpp"
#include "sync/ibd_profile.hpp"

using namespace peregrine;
using namespace peregrine::node;

namespace {

constexpr std::string_view kOldHeader =
    "height,hash,bytes,txs,inputs,coin_hits,coin_misses,deserialize_us,block_check_us,coins_hit_us,coins_miss_us,"
    "script_cpu_us,script_wait_us,undo_write_us,utxo_flush_us";
const std::string kHeader = std::string(kOldHeader) + ",elapsed_us,peer";
const std::string kHash(64, 'a');

// A row of the current format; flush_us > 0 makes it a flush.
std::string row(int height, int txs, int hits, int misses, int flush_us, long elapsed_us, std::string peer) {
  return fmt::format("{},{},1000,{},{},{},{},5,100,20,30,400,50,10,{},{},{}\n", height, kHash, txs, txs - 1, hits, misses,
                     flush_us, elapsed_us, peer);
}

std::expected<TraceSummary, TraceError> read(const std::string& text, std::size_t points = 100) {
  std::istringstream in(text);
  return read_trace(in, points);
}

std::size_t count(const std::string& haystack, std::string_view needle) {
  std::size_t n = 0;
  for (auto at = haystack.find(needle); at != std::string::npos; at = haystack.find(needle, at + 1)) ++n;
  return n;
}

std::string error_of(const std::string& text) {
  auto r = read(text);
  REQUIRE_FALSE(r.has_value());
  return r.error().text();
}

} // namespace

TEST_CASE("a trace's rows are summed, flushes counted and deliveries credited to their peer") {
  const std::string text = kHeader + "\n" + row(0, 1, 0, 0, 0, 1000, "") + row(1, 3, 4, 1, 0, 2000, "7") +
                           row(2, 5, 6, 2, 900, 4000, "7") + row(3, 2, 1, 0, 0, 5000, "9");
  auto t = read(text);
  REQUIRE_MESSAGE(t.has_value(), t.error().text());
  CHECK(t->has_elapsed);
  CHECK(t->has_peer);
  CHECK(t->totals.rows == 4);
  CHECK(t->totals.first_height == 0);
  CHECK(t->totals.last_height == 3);
  CHECK(t->totals.txs == 11);
  CHECK(t->totals.coin_hits == 11);
  CHECK(t->totals.coin_misses == 3);
  CHECK(t->totals.flushes == 1);
  CHECK(t->totals.stage_us[static_cast<std::size_t>(TraceStage::utxo_flush)] == 900);
  CHECK(t->totals.last_elapsed_us == 5000);
  REQUIRE(t->peers.size() == 2);
  CHECK(t->peers.at(7).blocks == 2);
  CHECK(t->peers.at(7).bytes == 2000);
  CHECK(t->peers.at(9).blocks == 1);
  CHECK(t->unattributed.blocks == 1);
  CHECK(t->points.size() == 4);
}

TEST_CASE("a trace written before elapsed_us and peer existed is read, without them") {
  auto t = read(std::string(kOldHeader) + "\r\n5," + kHash + ",10,1,0,0,0,0,1,2,3,4,5,6,0\r\n");
  REQUIRE_MESSAGE(t.has_value(), t.error().text());
  CHECK_FALSE(t->has_elapsed);
  CHECK_FALSE(t->has_peer);
  CHECK(t->totals.rows == 1);
  CHECK(t->totals.stage_us[0] == 1);
  CHECK(t->totals.stage_us[3] == 5); // script_wait_us: script_cpu_us (4) is kept apart
  CHECK(t->totals.stage_us[4] == 6);
  const ReportPage page = render_report(*t, "old.csv", "summary");
  CHECK(page.html.find("no <code>elapsed_us</code> column") != std::string::npos);
  CHECK(page.html.find("no <code>peer</code> column") != std::string::npos);
  CHECK(page.charts == 3); // stages, coins, flushes
  CHECK(count(page.html, "<svg class=\"chart\"") == 3);
}

TEST_CASE("bad input is an error naming the line") {
  CHECK(error_of("") == "line 1: no header (the file is empty)");
  CHECK(error_of("height,hash,bytes\n1,2,3\n").starts_with("line 1: the header has no column 'txs'"));
  CHECK(error_of(kHeader + ",height\n").starts_with("line 1: column 'height' appears twice"));
  CHECK(error_of(kHeader + "\n").starts_with("the trace has no rows"));
  CHECK(error_of(kHeader + "\n" + row(0, 1, 0, 0, 0, 1, "") + "1,2,3\n") == "line 3: 3 fields where the header has 17");
  std::string bad_number = row(1, 1, 0, 0, 0, 1, "");
  bad_number.replace(bad_number.find(",1000,"), 6, ",-5,");
  CHECK(error_of(kHeader + "\n" + bad_number) == "line 2: column 'bytes' is '-5', not a whole number");
  CHECK(error_of(kHeader + "\n" + row(1, 1, 0, 0, 0, 1, "x<y>")) == "line 2: column 'peer' is 'x<y>', not a whole number");
  CHECK(error_of(kHeader + "\n" + row(1, 1, 0, 0, 0, 1, "99999999999999999999999")).find("not a whole number") !=
        std::string::npos); // beyond 64 bits
  std::string bad_hash = row(1, 1, 0, 0, 0, 1, "");
  bad_hash.replace(bad_hash.find(kHash), 2, "zz");
  CHECK(error_of(kHeader + "\n" + bad_hash) == "line 2: column 'hash' is 'zz" + kHash.substr(2, 38) +
                                                   "...', not 64 hex digits");
  // A line far longer than any row is refused without being kept whole.
  CHECK(error_of(kHeader + "\n" + std::string(1'000'000, '1') + "\n") == "line 2: longer than 4096 characters");
  CHECK(error_of(std::string("\x01\xff,\n", 4)).starts_with("line 1: the header has no column 'height'"));
}

TEST_CASE("downsampling keeps at most the asked number of points, covering every row") {
  TraceDownsampler sampler(10);
  TraceRow r;
  for (int h = 0; h < 1000; ++h) {
    r.height = static_cast<std::uint64_t>(h);
    r.txs = 2;
    r.elapsed_us = static_cast<std::uint64_t>(h) * 10;
    sampler.add(r);
    CHECK(sampler.points().size() <= 10);
  }
  const auto points = sampler.points();
  REQUIRE(points.size() >= 5);
  std::uint64_t rows = 0, txs = 0;
  std::uint64_t next_height = 0;
  for (const auto& p : points) {
    CHECK(p.first_height == next_height); // consecutive, in order, none lost
    next_height = p.last_height + 1;
    rows += p.rows;
    txs += p.txs;
  }
  CHECK(rows == 1000);
  CHECK(txs == 2000);
  CHECK(points.back().last_elapsed_us == 9990);
  CHECK(sampler.rows_per_point() == 128);
}

TEST_CASE("a large trace is read into a bounded number of points") {
  std::string text = kHeader + "\n";
  for (int h = 0; h < 20'000; ++h) text += row(h, 2, 1, 1, h % 1000 == 0 ? 50 : 0, 100L * (h + 1), std::to_string(h % 3));
  auto t = read(text, 600);
  REQUIRE(t.has_value());
  CHECK(t->points.size() <= 600);
  CHECK(t->points.size() >= 300);
  CHECK(t->totals.rows == 20'000);
  CHECK(t->totals.flushes == 20);
  CHECK(t->peers.size() == 3);
}

TEST_CASE("text is escaped for HTML") {
  CHECK(escape_html("<script>alert('x') & \"y\"</script>") ==
        "&lt;script&gt;alert(&#39;x&#39;) &amp; &quot;y&quot;&lt;/script&gt;");
  CHECK(escape_html(std::string_view("a\0b", 3)) == "a\xEF\xBF\xBD" "b");
  CHECK(escape_html("plain 1.5 MB") == "plain 1.5 MB");
}

TEST_CASE("charts carry their series, escaped, and skip points that are not numbers") {
  const std::string svg = line_chart({"Rate <of> things", "x", "y"},
                                     {{"a&b", "#123456", {{0, 1}, {1, 2}, {2, std::numeric_limits<double>::quiet_NaN()}}},
                                      {"second", "#654321", {{0, 3}, {2, 4}}}});
  CHECK(svg.starts_with("<svg class=\"chart\" data-series=\"2\""));
  CHECK(svg.ends_with("</svg>"));
  CHECK(count(svg, "class=\"series\"") == 2);
  CHECK(svg.find("data-name=\"a&amp;b\"") != std::string::npos);
  CHECK(svg.find("Rate &lt;of&gt; things") != std::string::npos);
  CHECK(svg.find("Rate <of>") == std::string::npos);
  CHECK(svg.find("nan") == std::string::npos);
  CHECK(svg.find("inf") == std::string::npos);
  const auto first = svg.find("data-name=\"a&amp;b\" d=\"");
  const auto path = svg.substr(first, svg.find('"', first + 24) - first);
  CHECK(count(path, "L") == 1); // two drawn points, the NaN left out

  const std::string empty = line_chart({"Nothing", "x", "y"}, {{"none", "#000", {}}});
  CHECK(empty.find("no data") != std::string::npos);

  const std::string shares = stacked_share_chart({"Shares", "h", "%"}, {0, 1},
                                                 {{"p", "#111", {{0, 1}, {1, 3}}}, {"q", "#222", {{0, 3}, {1, 1}}}});
  CHECK(count(shares, "class=\"series\"") == 2);
  CHECK(shares.find("data-name=\"q\"") != std::string::npos);

  const std::string bars = bar_chart({"Peers", "blocks", ""}, {{"peer 1", 10, "blocks"}, {"peer <2>", 5, "blocks"}}, "#333");
  CHECK(count(bars, "class=\"bar\"") == 2);
  CHECK(bars.find("peer &lt;2&gt;") != std::string::npos);
}

TEST_CASE("axis ticks are round and cover the range") {
  const auto ticks = nice_ticks(0, 97, 5);
  CHECK(ticks.front() == 0);
  CHECK(ticks.back() >= 97);
  CHECK(ticks[1] == 20);
  CHECK(short_number(1500000) == "1.5M");
  CHECK(short_number(25000) == "25k");
  CHECK(short_number(0.25) == "0.25");
}

TEST_CASE("the page has every chart, the peers by delivery, and the summary sync prints") {
  const std::string text = kHeader + "\n" + row(0, 1, 0, 0, 0, 1000, "3") + row(1, 3, 4, 1, 900, 3000, "3") +
                           row(2, 5, 6, 2, 0, 4000, "8");
  auto t = read(text);
  REQUIRE(t.has_value());
  const sync::ProfileTotals totals = profile_from_trace(*t);
  CHECK(totals.flushes == 1);
  CHECK(totals.wall == std::chrono::milliseconds(4));
  CHECK(totals.timings.coin_hits == 10);
  const std::string summary = sync::format_profile(totals);
  CHECK(summary.find("IBD bottleneck report: 0.004 s of wall time") != std::string::npos);
  CHECK(summary.find("UTXO flushes: 1, 0.001 s") != std::string::npos);
  CHECK(summary.find("not traced: waits, writes, other") != std::string::npos);
  // Measured: cpu 3 x (100 + 20 + 50) µs, disk 3 x (30 + 10) µs and a 900 µs flush; the untraced rest is not weighed.
  CHECK_MESSAGE(summary.find("bottleneck: disk") != std::string::npos, summary);

  const ReportPage page = render_report(*t, "a<b>.csv", summary);
  CHECK(page.charts == 6);
  CHECK(count(page.html, "<svg class=\"chart\"") == 6);
  for (std::string_view title : {"Blocks connected per second", "Transactions connected per second",
                                 "each stage&#39;s share of time", "cache hits and misses", "UTXO flushes: 1 flushes",
                                 "Blocks delivered by each peer"})
    CHECK_MESSAGE(page.html.find(title) != std::string::npos, title);
  CHECK(page.html.find("a&lt;b&gt;.csv") != std::string::npos);
  CHECK(page.html.find("a<b>") == std::string::npos);
  CHECK(page.html.find("data-name=\"blocks/s\"") != std::string::npos);
  CHECK(page.html.find("data-name=\"cache misses per block (database reads)\"") != std::string::npos);
  CHECK(page.html.find("data-name=\"not traced: waits, writes, other\"") != std::string::npos);
  CHECK(page.html.find("<title>peer 3: 2</title>") != std::string::npos);
  CHECK(page.html.find("IBD bottleneck report") != std::string::npos);
  CHECK(page.html.find("http://") == page.html.find("http://www.w3.org/2000/svg")); // no other address
  CHECK(page.html.find("src=") == std::string::npos);
}

TEST_CASE("peregrine report writes the page next to the trace, or where --output says") {
  test::TempDir dir;
  std::filesystem::create_directories(dir.path);
  const auto trace = dir.path / "run.csv";
  std::ofstream(trace) << kHeader << "\n" << row(0, 1, 0, 0, 0, 1000, "") << row(1, 2, 1, 0, 0, 2000, "");
  auto r = test::run_cli({"report", trace.string()});
  CHECK_MESSAGE(r.code == 0, r.err);
  CHECK(r.out == fmt::format("wrote {} (2 blocks, 5 charts)\n", (dir.path / "run.html").string()));
  CHECK(std::filesystem::file_size(dir.path / "run.html") > 1000);

  r = test::run_cli({"report", trace.string(), "--output=" + (dir.path / "x.html").string(), "--points=10"});
  CHECK(r.code == 0);
  CHECK(std::filesystem::exists(dir.path / "x.html"));

  r = test::run_cli({"report", trace.string(), "--output=" + trace.string()});
  CHECK(r.code == 1);
  CHECK(r.err.find("is the trace itself") != std::string::npos);

  std::ofstream(dir.path / "bad.csv") << kHeader << "\n" << "1,2\n";
  r = test::run_cli({"report", (dir.path / "bad.csv").string()});
  CHECK(r.code == 1);
  CHECK(r.err == fmt::format("peregrine report: {}: line 2: 2 fields where the header has 17\n",
                             (dir.path / "bad.csv").string()));

  r = test::run_cli({"report", (dir.path / "missing.csv").string()});
  CHECK(r.code == 1);
  CHECK(r.err.find("cannot read") != std::string::npos);

  r = test::run_cli({"report", trace.string(), "--points=3"});
  CHECK(r.code == 2);
}

TEST_CASE("hostile but well-formed numbers draw a page with only finite coordinates") {
  const std::string max = "18446744073709551615";
  std::string text = kHeader + "\n";
  for (int i = 0; i < 50; ++i) {
    std::string r = max + "," + kHash;
    for (int c = 0; c < 13; ++c) r += "," + max;
    r += "," + std::string(i % 2 ? "0" : max) + "," + max + "\n"; // elapsed going back and forth
    text += r;
  }
  auto t = read(text, 10);
  REQUIRE(t.has_value());
  const std::string summary = sync::format_profile(profile_from_trace(*t));
  const ReportPage page = render_report(*t, "max.csv", summary);
  CHECK(page.charts == 6);
  for (std::string_view bad : {"nan", "inf", "NaN"}) CHECK_MESSAGE(page.html.find(bad) == std::string::npos, bad);
}

TEST_CASE("random bytes are read or refused, never a crash") {
  std::mt19937 rng(7);
  const std::string alphabet = "0123456789abcdef,\n\r-x ";
  for (int i = 0; i < 2000; ++i) {
    std::string text = i % 2 ? kHeader + "\n" : "";
    const int length = static_cast<int>(rng() % 400);
    for (int c = 0; c < length; ++c)
      text.push_back(i % 3 ? alphabet[rng() % alphabet.size()] : static_cast<char>(rng() % 256));
    auto t = read(text, 10);
    if (t) CHECK(render_report(*t, "r", "").html.ends_with("</html>\n"));
    else CHECK_FALSE(t.error().message.empty());
  }
}
