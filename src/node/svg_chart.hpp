#pragma once
// Charts as inline SVG elements (no script, no external resource): lines over a numeric x axis,
// shares stacked to 100%, and labelled horizontal bars. Each chart is one
// <svg class="chart" data-series="N"> with a <title>, axes with round ticks, and a legend; each
// series is one element with class "series" and data-name, so tests and readers can find it.
// All text is escaped; points that are not finite numbers are left out.
#include <string>
#include <vector>

namespace peregrine::node {

struct ChartPoint {
  double x = 0;
  double y = 0;
};

struct ChartSeries {
  std::string name;
  std::string color; // CSS colour, from the program, never from input
  std::vector<ChartPoint> points;
};

struct ChartText {
  std::string title;
  std::string x_label;
  std::string y_label;
};

std::string line_chart(const ChartText& text, const std::vector<ChartSeries>& series);
// Every series has a y for each x (same length as x); a column's values are drawn as shares of
// their sum.
std::string stacked_share_chart(const ChartText& text, const std::vector<double>& x,
                                const std::vector<ChartSeries>& series);

struct ChartBar {
  std::string label;
  double value = 0;
  std::string note; // shown after the value
};
std::string bar_chart(const ChartText& text, const std::vector<ChartBar>& bars, const std::string& color);

// "1.5k", "2.3M", "0.25": a short rendering of an axis value.
std::string short_number(double v);
// Round tick values covering [low, high], about `count` of them.
std::vector<double> nice_ticks(double low, double high, int count);

} // namespace peregrine::node
