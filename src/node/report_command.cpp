#include "node/report_command.hpp"

#include <fstream>
#include <ostream>

#include <fmt/format.h>

#include "node/commands.hpp"
#include "node/report_html.hpp"
#include "node/trace_csv.hpp"
#include "node/trace_profile.hpp"
#include "sync/ibd_profile.hpp"

namespace peregrine::node {
namespace {

constexpr std::string_view kName = "peregrine report";
constexpr std::uint64_t kDefaultPoints = 600;

int fail(const Context& ctx, std::string_view message) { return command_failed(ctx, kName, message); }

std::filesystem::path default_output(const std::filesystem::path& trace) {
  std::filesystem::path out = trace;
  return out.replace_extension(".html");
}

} // namespace

const std::vector<OptionSpec>& report_options() {
  static const std::vector<OptionSpec> options = {
      {"output", ArgKind::value, "FILE", "where to write the page (default: the trace's name with .html)"},
      {"points", ArgKind::value, "N", "points per chart, each summing consecutive rows (default 600, 10-5000)"},
  };
  return options;
}

int run_report_command(const Context& ctx, const ParsedArgs& args) {
  const std::filesystem::path trace_path = args.positional().front();
  const std::filesystem::path output = args.value("output").value_or(default_output(trace_path).string());
  auto points = parse_uint_option(args, "points", kDefaultPoints, 10, 5000);
  if (!points) return command_misused(ctx, kName, points.error().message);
  std::error_code ec;
  if (std::filesystem::equivalent(trace_path, output, ec))
    return fail(ctx, fmt::format("the output {} is the trace itself; choose another with --output", output.string()));

  auto trace = read_trace_file(trace_path, *points);
  if (!trace) return fail(ctx, fmt::format("{}: {}", trace_path.string(), trace.error().text()));
  const std::string summary = sync::format_profile(profile_from_trace(*trace));
  const ReportPage page = render_report(*trace, trace_path.filename().string(), summary);

  std::ofstream out(output, std::ios::binary | std::ios::trunc);
  out << page.html;
  out.close();
  if (!out) return fail(ctx, fmt::format("cannot write {}", output.string()));
  ctx.out << fmt::format("wrote {} ({} blocks, {} charts)\n", output.string(), trace->totals.rows, page.charts);
  return kExitOk;
}

} // namespace peregrine::node
