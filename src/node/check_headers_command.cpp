#include "node/check_headers_command.hpp"

#include <chrono>
#include <ostream>

#include <fmt/format.h>

#include "consensus/chainparams.hpp"
#include "consensus/header_run.hpp"
#include "node/commands.hpp"
#include "util/file.hpp"
#include "wire/block.hpp"
#include "util/unix_time.hpp"

namespace peregrine::node {
namespace {

namespace json = util::json;
using namespace consensus;

// Says what went wrong on stderr, pointing at the help for a wrong command line.
int report(const Context& ctx, int code, std::string_view message) {
  ctx.err << "peregrine check-headers: " << message << "\n";
  if (code == kExitUsage) ctx.err << "Run 'peregrine check-headers --help' for usage.\n";
  return code;
}

json::Value hash_or_null(const Hash256& hash, bool present) {
  return present ? json::Value(hash.to_hex()) : json::Value();
}

} // namespace

std::expected<json::Value, CheckHeadersInputError> check_headers(ByteSpan headers,
                                                                 const CheckHeadersInput& input) {
  using Error = CheckHeadersInputError;
  const std::size_t count = headers.size() / wire::kBlockHeaderSize;
  if (headers.empty()) return std::unexpected(Error{false, "the file holds no headers"});
  if (headers.size() % wire::kBlockHeaderSize != 0) {
    return std::unexpected(Error{
        false, fmt::format("{} bytes is not a whole number of 80-byte headers ({} headers and {} "
                           "bytes over: truncated?)",
                           headers.size(), count, headers.size() % wire::kBlockHeaderSize)});
  }
  if (input.start_height < 0 || input.start_height > kMaxRunHeight ||
      count > static_cast<std::size_t>(kMaxRunHeight - input.start_height))
    return std::unexpected(
        Error{false, fmt::format("heights beyond {} are not supported", kMaxRunHeight)});
  auto context = parse_header_context(input.context_csv);
  if (!context) return std::unexpected(Error{true, context.error()});
  std::size_t context_used = 0;
  for (const auto& c : *context) context_used += c.height < input.start_height;

  const ChainParams& params = chain_params(input.network);
  const auto start = std::chrono::steady_clock::now();
  const HeaderRunResult r =
      check_header_run(headers, input.start_height, *context, input.adjusted_now, params);
  const double seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  const std::size_t checked = r.valid + (r.failure ? 1 : 0);

  json::Value doc = json::Value::object();
  if (!input.file.empty()) doc.set("file", input.file);
  doc.set("network", std::string(to_string(input.network)));
  doc.set("start_height", input.start_height);
  doc.set("context_headers", static_cast<std::uint64_t>(context_used));
  doc.set("count", static_cast<std::uint64_t>(r.count));
  doc.set("valid", static_cast<std::uint64_t>(r.valid));
  doc.set("first_hash", r.first_hash.to_hex());
  doc.set("last_hash", hash_or_null(r.last_hash, r.valid > 0));
  doc.set("last_height", r.valid > 0
                             ? json::Value(input.start_height + static_cast<int>(r.valid) - 1)
                             : json::Value());
  doc.set("work", r.work.to_hex());
  doc.set("chain_work", r.chain_work ? json::Value(r.chain_work->to_hex()) : json::Value());
  doc.set("seconds", seconds);
  doc.set("headers_per_second",
          seconds > 0 ? json::Value(static_cast<double>(checked) / seconds) : json::Value());
  json::Value error;
  if (r.failure) {
    error = json::Value::object();
    error.set("height", r.failure->height);
    error.set("hash", r.failure->hash.to_hex());
    error.set("reason", r.failure->reason);
  }
  doc.set("error", std::move(error));
  return doc;
}

std::vector<OptionSpec> check_headers_options() {
  return {
      {"start-height", ArgKind::value, "H",
       "height of the file's first header (default 0: genesis)"},
      {"context", ArgKind::value, "FILE.csv",
       "earlier headers as height,header_hex[,chainwork_hex] rows (e.g. the retarget boundaries)"},
  };
}

int run_check_headers_command(const Context& ctx, const ParsedArgs& args) {
  auto start_height = parse_uint_option(args, "start-height", 0, 0, kMaxRunHeight);
  if (!start_height) return report(ctx, kExitUsage, start_height.error().message);
  std::string csv;
  if (auto path = args.value("context")) {
    auto text = util::read_text_file(*path);
    if (!text) return report(ctx, kExitFailure, text.error());
    csv = std::move(*text);
  }
  const std::string& path = args.positional().at(0);
  auto file = util::read_file(path);
  if (!file) return report(ctx, kExitFailure, file.error());

  CheckHeadersInput input{path, ctx.network, static_cast<int>(*start_height), csv, util::unix_time()};
  auto summary = check_headers(*file, input);
  if (!summary) {
    const auto& e = summary.error();
    return report(ctx, kExitFailure,
                  fmt::format("{}: {}", e.in_context ? *args.value("context") : path, e.message));
  }
  ctx.out << summary->dump_pretty() << "\n";
  return summary->find("error")->is_null() ? kExitOk : kExitFailure;
}

} // namespace peregrine::node
