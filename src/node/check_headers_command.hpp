#pragma once
// `peregrine check-headers [--start-height=H] [--context=FILE.csv] FILE`: validates a file of raw
// 80-byte headers with every header rule and prints a JSON summary: count, first and last hash,
// chain work, time, headers per second, and the first error with its height.
#include <cstdint>
#include <expected>
#include <string>
#include <string_view>
#include <vector>

#include "consensus/network.hpp"
#include "node/cli.hpp"
#include "util/bytes.hpp"
#include "util/json.hpp"

namespace peregrine::node {

struct Context;

struct CheckHeadersInput {
  std::string_view file; // shown in the summary
  consensus::Network network = consensus::Network::main;
  int start_height = 0; // height of the file's first header
  std::string_view
      context_csv; // earlier headers (see consensus::parse_header_context); may be empty
  std::int64_t adjusted_now = 0; // the clock "time-too-new" compares with
};

// Why the input cannot be checked at all, and which input is at fault.
struct CheckHeadersInputError {
  bool in_context = false; // the context CSV (else the header file)
  std::string message;
};

// The command without files or clocks, for tests and the fuzzer: the summary (its "error" is null
// when every header passed), or why the input cannot be checked (not whole headers, a bad context
// row).
std::expected<util::json::Value, CheckHeadersInputError>
check_headers(ByteSpan headers, const CheckHeadersInput& input);

std::vector<OptionSpec> check_headers_options();
int run_check_headers_command(const Context& ctx, const ParsedArgs& args);

} // namespace peregrine::node
