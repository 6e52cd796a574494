#include "node/bench_command.hpp"

#include <filesystem>
#include <ostream>

#include <fmt/format.h>

#include "bench/decode_bench.hpp"
#include "node/commands.hpp"

namespace peregrine::node {

std::vector<OptionSpec> bench_options() {
  return {
      {"seconds", ArgKind::value, "S", "time spent on each measured phase (default 2)"},
      {"json", ArgKind::flag, "", "print the figures as one JSON object instead of a table"},
  };
}

int run_bench_command(const Context& ctx, const ParsedArgs& args) {
  auto seconds = parse_uint_option(args, "seconds", 2, 1, 3600);
  if (!seconds) {
    ctx.err << "peregrine bench: " << seconds.error().message << "\n";
    return kExitUsage;
  }
  const std::string& name = args.positional().at(0);
  if (name == "decode") {
    std::filesystem::path file = args.positional().size() > 1
                                     ? std::filesystem::path(args.positional()[1])
                                     : bench::default_decode_block();
    bool ok = bench::run_decode_bench(ctx.out, ctx.err, file, static_cast<double>(*seconds),
                                      args.has("json"));
    return ok ? kExitOk : kExitFailure;
  }
  ctx.err << fmt::format("peregrine bench: unknown benchmark '{}' (available: decode)\n", name);
  return kExitUsage;
}

} // namespace peregrine::node
