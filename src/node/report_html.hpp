#pragma once
// `peregrine report`'s page: one self-contained HTML document (inline CSS and SVG, a CSP that
// forbids any fetch, one line of inline script that marks the page rendered) drawing a trace.
#include <string>
#include <string_view>

#include "node/trace_csv.hpp"

namespace peregrine::node {

struct ReportPage {
  std::string html;
  std::size_t charts = 0; // <svg class="chart"> elements in it
};

// source: the trace's name as shown on the page; summary: the bottleneck report's text.
ReportPage render_report(const TraceSummary& trace, std::string_view source, std::string_view summary);

} // namespace peregrine::node
