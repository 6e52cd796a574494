#pragma once
// A small declarative command-line parser: each command lists its options; anything else is a
// usage error (exit code 2) with a message naming the offending argument.
#include <expected>
#include <map>
#include <optional>
#include <set>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "util/hash256.hpp"

namespace peregrine::node {

enum class ArgKind {
  flag,  // --name, no value
  value, // --name=V or --name V; given twice, the last wins
  list,  // like value, repeatable: every occurrence kept in order
};

struct OptionSpec {
  std::string_view name; // without the leading dashes
  ArgKind kind;
  std::string_view metavar; // shown in help for value/list options
  std::string_view help;
};

struct UsageError {
  std::string message;
};

class ParsedArgs {
public:
  bool has(std::string_view name) const { return options_.find(name) != options_.end(); }
  std::optional<std::string> value(std::string_view name) const;
  const std::vector<std::string>& values(std::string_view name) const;
  const std::vector<std::string>& positional() const { return positional_; }

  void add_option(std::string_view name, std::string value);
  void add_positional(std::string value) { positional_.push_back(std::move(value)); }

  // --noNAME for a flag: off, and a configuration file cannot turn it on.
  void negate(std::string_view name);
  // Given on the command line at all, set or negated.
  bool given(std::string_view name) const { return has(name) || negated_.contains(name); }

  // Where a value came from when not the command line ("FILE:LINE"), for error messages.
  void set_origin(std::string_view name, std::string origin) { origins_[std::string(name)] = std::move(origin); }
  const std::map<std::string, std::string, std::less<>>& origins() const { return origins_; }

private:
  std::map<std::string, std::vector<std::string>, std::less<>> options_;
  std::set<std::string, std::less<>> negated_;
  std::map<std::string, std::string, std::less<>> origins_;
  std::vector<std::string> positional_;
};

// Parses arguments against the options given ("--" ends options). Single-dash options are
// accepted as a convenience for "-h" only. As Core's -noNAME, --noNAME turns a flag off and gives
// a value option the value 0 (lists cannot be negated).
std::expected<ParsedArgs, UsageError> parse_args(std::span<const std::string> args,
                                                 std::span<const OptionSpec> options);

// Typed values with range checks; the error names the option.
std::expected<std::uint64_t, UsageError> parse_uint_option(const ParsedArgs& args,
                                                           std::string_view name,
                                                           std::uint64_t default_value,
                                                           std::uint64_t min, std::uint64_t max);

// --assumevalid=0|HASH: nullopt when not given, a zero hash for 0 (check every script).
std::expected<std::optional<Hash256>, UsageError> parse_assumevalid_option(const ParsedArgs& args);

// "  --name=METAVAR   help" lines for a help screen.
std::string format_options(std::span<const OptionSpec> options);

} // namespace peregrine::node
