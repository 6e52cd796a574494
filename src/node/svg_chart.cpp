#include "node/svg_chart.hpp"

#include <algorithm>
#include <cmath>

#include <fmt/format.h>

#include "node/html_text.hpp"

namespace peregrine::node {
namespace {

constexpr double kWidth = 760;
constexpr double kLeft = 64;   // room for the y ticks
constexpr double kRight = 20;
constexpr double kTop = 34;    // room for the title
constexpr double kPlotHeight = 190;
constexpr double kLegendLine = 18;

// A range of width > 0 even where adding 1 is lost in a double's precision.
double above(double low) { return low + std::max(1.0, std::abs(low) * 1e-6); }

bool finite(ChartPoint p) { return std::isfinite(p.x) && std::isfinite(p.y); }

// Maps data to pixels inside the plot area.
struct Frame {
  double x0 = 0, x1 = 1, y0 = 0, y1 = 1;
  double px(double x) const { return kLeft + (x - x0) / (x1 - x0) * (kWidth - kLeft - kRight); }
  double py(double y) const { return kTop + kPlotHeight - (y - y0) / (y1 - y0) * kPlotHeight; }
};

struct LegendEntry {
  std::string name;
  std::string color;
};

// Legend items laid out left to right, wrapping: how many lines they take.
int legend_lines(const std::vector<LegendEntry>& entries) {
  double x = kLeft;
  int lines = entries.empty() ? 0 : 1;
  for (const auto& e : entries) {
    const double w = 24 + 7.0 * static_cast<double>(e.name.size());
    if (x + w > kWidth - kRight && x > kLeft) {
      ++lines;
      x = kLeft;
    }
    x += w;
  }
  return lines;
}

std::string legend(const std::vector<LegendEntry>& entries, double top) {
  std::string out = "<g class=\"legend\" font-size=\"12\">";
  double x = kLeft, y = top;
  for (const auto& e : entries) {
    const double w = 24 + 7.0 * static_cast<double>(e.name.size());
    if (x + w > kWidth - kRight && x > kLeft) {
      y += kLegendLine;
      x = kLeft;
    }
    out += fmt::format("<rect x=\"{:.1f}\" y=\"{:.1f}\" width=\"12\" height=\"12\" fill=\"{}\"/>"
                       "<text x=\"{:.1f}\" y=\"{:.1f}\">{}</text>",
                       x, y, e.color, x + 16, y + 10, escape_html(e.name));
    x += w;
  }
  return out + "</g>";
}

// The <svg> element's opening, title and axis labels; the plot area's height is fixed, the legend's
// lines add to it.
std::string open_svg(const ChartText& text, std::size_t series, double height) {
  std::string out = fmt::format("<svg class=\"chart\" data-series=\"{}\" xmlns=\"http://www.w3.org/2000/svg\" "
                                "viewBox=\"0 0 {} {:.0f}\" width=\"{}\" height=\"{:.0f}\" role=\"img\" "
                                "font-family=\"sans-serif\"><title>{}</title>",
                                series, kWidth, height, kWidth, height, escape_html(text.title));
  out += fmt::format("<text x=\"{}\" y=\"20\" font-size=\"15\" font-weight=\"bold\">{}</text>", kLeft,
                     escape_html(text.title));
  out += fmt::format("<text x=\"{:.1f}\" y=\"{:.1f}\" font-size=\"12\" text-anchor=\"middle\">{}</text>",
                     kLeft + (kWidth - kLeft - kRight) / 2, kTop + kPlotHeight + 34, escape_html(text.x_label));
  out += fmt::format("<text transform=\"translate(14 {:.1f}) rotate(-90)\" font-size=\"12\" "
                     "text-anchor=\"middle\">{}</text>",
                     kTop + kPlotHeight / 2, escape_html(text.y_label));
  return out;
}

std::string axes(const Frame& f, const std::vector<double>& x_ticks, const std::vector<double>& y_ticks,
                 bool percent) {
  std::string out = "<g class=\"axes\" font-size=\"11\" stroke-width=\"1\">";
  for (double y : y_ticks) {
    out += fmt::format("<line x1=\"{:.1f}\" x2=\"{:.1f}\" y1=\"{:.1f}\" y2=\"{:.1f}\" stroke=\"#ddd\"/>"
                       "<text x=\"{:.1f}\" y=\"{:.1f}\" text-anchor=\"end\">{}</text>",
                       kLeft, kWidth - kRight, f.py(y), f.py(y), kLeft - 6, f.py(y) + 4,
                       percent ? fmt::format("{:.0f}%", y * 100) : short_number(y));
  }
  for (double x : x_ticks) {
    if (x < f.x0 - 1e-9 * std::abs(f.x1 - f.x0) || x > f.x1 + 1e-9 * std::abs(f.x1 - f.x0)) continue;
    out += fmt::format("<line x1=\"{:.1f}\" x2=\"{:.1f}\" y1=\"{:.1f}\" y2=\"{:.1f}\" stroke=\"#888\"/>"
                       "<text x=\"{:.1f}\" y=\"{:.1f}\" text-anchor=\"middle\">{}</text>",
                       f.px(x), f.px(x), kTop + kPlotHeight, kTop + kPlotHeight + 5, f.px(x),
                       kTop + kPlotHeight + 17, short_number(x));
  }
  out += fmt::format("<rect x=\"{}\" y=\"{}\" width=\"{}\" height=\"{}\" fill=\"none\" stroke=\"#888\"/>", kLeft,
                     kTop, kWidth - kLeft - kRight, kPlotHeight);
  return out + "</g>";
}

double chart_height(int legend_line_count) { return kTop + kPlotHeight + 48 + kLegendLine * legend_line_count; }

std::string no_data(const Frame& f) {
  return fmt::format("<text class=\"no-data\" x=\"{:.1f}\" y=\"{:.1f}\" text-anchor=\"middle\" fill=\"#888\">"
                     "no data</text>",
                     (f.px(f.x0) + f.px(f.x1)) / 2, kTop + kPlotHeight / 2);
}

} // namespace

std::string short_number(double v) {
  const double a = std::abs(v);
  if (a >= 1e9) return fmt::format("{:.3g}G", v / 1e9);
  if (a >= 1e6) return fmt::format("{:.3g}M", v / 1e6);
  if (a >= 1e4) return fmt::format("{:.3g}k", v / 1e3);
  if (a >= 100 || a == 0) return fmt::format("{:.0f}", v);
  return fmt::format("{:.3g}", v);
}

std::vector<double> nice_ticks(double low, double high, int count) {
  if (!std::isfinite(low) || !std::isfinite(high)) return {0, 1};
  if (!(high > low)) high = above(low);
  const double raw = (high - low) / std::max(count, 1);
  if (!(raw > 0) || !std::isfinite(raw)) return {low, high};
  const double magnitude = std::pow(10.0, std::floor(std::log10(raw)));
  const double norm = raw / magnitude;
  const double step = (norm < 1.5 ? 1 : norm < 3 ? 2 : norm < 7 ? 5 : 10) * magnitude;
  std::vector<double> out{std::floor(low / step) * step};
  while (out.back() < high - step * 1e-9 && out.size() < 50) out.push_back(out.back() + step);
  return out;
}

std::string line_chart(const ChartText& text, const std::vector<ChartSeries>& series) {
  Frame f;
  bool any = false;
  double y_max = 0, y_min = 0;
  for (const auto& s : series) {
    for (const auto& p : s.points) {
      if (!finite(p)) continue;
      f.x0 = any ? std::min(f.x0, p.x) : p.x;
      f.x1 = any ? std::max(f.x1, p.x) : p.x;
      y_max = std::max(y_max, p.y);
      y_min = std::min(y_min, p.y);
      any = true;
    }
  }
  if (!(f.x1 > f.x0)) f.x1 = above(f.x0);
  const auto y_ticks = nice_ticks(y_min, y_max > y_min ? y_max : above(y_min), 5);
  f.y0 = y_ticks.front();
  f.y1 = y_ticks.back();

  std::vector<LegendEntry> entries;
  for (const auto& s : series) entries.push_back({s.name, s.color});
  const int lines = legend_lines(entries);
  std::string out = open_svg(text, series.size(), chart_height(lines));
  out += axes(f, nice_ticks(f.x0, f.x1, 8), y_ticks, false);
  if (!any) out += no_data(f);
  for (const auto& s : series) {
    std::string d;
    std::size_t drawn = 0;
    for (const auto& p : s.points) {
      if (!finite(p)) continue;
      d += fmt::format("{}{:.1f} {:.1f}", drawn++ ? " L" : "M", f.px(p.x), f.py(p.y));
    }
    out += fmt::format("<path class=\"series\" data-name=\"{}\" d=\"{}\" fill=\"none\" stroke=\"{}\" "
                       "stroke-width=\"1.6\" stroke-linejoin=\"round\" stroke-linecap=\"round\"><title>{}</title></path>",
                       escape_html(s.name), d, s.color, escape_html(s.name));
  }
  out += legend(entries, kTop + kPlotHeight + 44);
  return out + "</svg>";
}

std::string stacked_share_chart(const ChartText& text, const std::vector<double>& x,
                                const std::vector<ChartSeries>& series) {
  // Columns whose x or values are not usable are left out.
  std::vector<std::size_t> columns;
  std::vector<double> sums;
  for (std::size_t i = 0; i < x.size(); ++i) {
    double sum = 0;
    bool ok = std::isfinite(x[i]);
    for (const auto& s : series) {
      if (i >= s.points.size() || !std::isfinite(s.points[i].y) || s.points[i].y < 0) ok = false;
      else sum += s.points[i].y;
    }
    if (ok && sum > 0 && std::isfinite(sum)) {
      columns.push_back(i);
      sums.push_back(sum);
    }
  }
  Frame f;
  if (!columns.empty()) {
    f.x0 = x[columns.front()];
    f.x1 = x[columns.back()];
    for (auto i : columns) {
      f.x0 = std::min(f.x0, x[i]);
      f.x1 = std::max(f.x1, x[i]);
    }
  }
  if (!(f.x1 > f.x0)) f.x1 = above(f.x0);
  std::vector<LegendEntry> entries;
  for (const auto& s : series) entries.push_back({s.name, s.color});
  const int lines = legend_lines(entries);
  std::string out = open_svg(text, series.size(), chart_height(lines));
  out += axes(f, nice_ticks(f.x0, f.x1, 8), {0, 0.25, 0.5, 0.75, 1}, true);
  if (columns.empty()) out += no_data(f);

  std::vector<double> below(columns.size(), 0);
  for (const auto& s : series) {
    std::string d;
    for (std::size_t c = 0; c < columns.size(); ++c) {
      const double top = below[c] + s.points[columns[c]].y / sums[c];
      d += fmt::format("{}{:.1f} {:.1f}", c ? " L" : "M", f.px(x[columns[c]]), f.py(top));
    }
    for (std::size_t c = columns.size(); c-- > 0;)
      d += fmt::format(" L{:.1f} {:.1f}", f.px(x[columns[c]]), f.py(below[c]));
    if (!d.empty()) d += " Z";
    for (std::size_t c = 0; c < columns.size(); ++c) below[c] += s.points[columns[c]].y / sums[c];
    out += fmt::format("<path class=\"series\" data-name=\"{}\" d=\"{}\" fill=\"{}\" stroke=\"none\">"
                       "<title>{}</title></path>",
                       escape_html(s.name), d, s.color, escape_html(s.name));
  }
  out += legend(entries, kTop + kPlotHeight + 44);
  return out + "</svg>";
}

std::string bar_chart(const ChartText& text, const std::vector<ChartBar>& bars, const std::string& color) {
  constexpr double kLabelWidth = 170, kBar = 16, kGap = 6, kValueRoom = 190;
  const double height = kTop + static_cast<double>(std::max<std::size_t>(bars.size(), 1)) * (kBar + kGap) + 30;
  std::string out = fmt::format("<svg class=\"chart\" data-series=\"1\" xmlns=\"http://www.w3.org/2000/svg\" "
                                "viewBox=\"0 0 {} {:.0f}\" width=\"{}\" height=\"{:.0f}\" role=\"img\" "
                                "font-family=\"sans-serif\"><title>{}</title>",
                                kWidth, height, kWidth, height, escape_html(text.title));
  out += fmt::format("<text x=\"{}\" y=\"20\" font-size=\"15\" font-weight=\"bold\">{}</text>", kLeft,
                     escape_html(text.title));
  double most = 0;
  for (const auto& b : bars)
    if (std::isfinite(b.value)) most = std::max(most, b.value);
  out += fmt::format("<g class=\"series\" data-name=\"{}\" font-size=\"12\">", escape_html(text.x_label));
  double y = kTop;
  for (const auto& b : bars) {
    const double value = std::isfinite(b.value) && b.value > 0 ? b.value : 0;
    const double w = most > 0 ? value / most * (kWidth - kLabelWidth - kValueRoom) : 0;
    out += fmt::format("<text x=\"{:.1f}\" y=\"{:.1f}\" text-anchor=\"end\">{}</text>"
                       "<rect class=\"bar\" x=\"{:.1f}\" y=\"{:.1f}\" width=\"{:.1f}\" height=\"{}\" fill=\"{}\">"
                       "<title>{}: {}</title></rect>"
                       "<text x=\"{:.1f}\" y=\"{:.1f}\">{} {}</text>",
                       kLabelWidth - 6, y + 12, escape_html(b.label), kLabelWidth, y, w, kBar, color,
                       escape_html(b.label), short_number(value), kLabelWidth + w + 6, y + 12, short_number(value),
                       escape_html(b.note));
    y += kBar + kGap;
  }
  if (bars.empty())
    out += fmt::format("<text class=\"no-data\" x=\"{:.1f}\" y=\"{:.1f}\" fill=\"#888\">no data</text>", kLabelWidth,
                       kTop + 12);
  out += "</g>";
  out += fmt::format("<text x=\"{}\" y=\"{:.1f}\" font-size=\"12\" fill=\"#555\">{}</text>", kLabelWidth,
                     height - 8, escape_html(text.x_label));
  return out + "</svg>";
}

} // namespace peregrine::node
