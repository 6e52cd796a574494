#include "node/cli.hpp"

#include <algorithm>
#include <charconv>

#include <fmt/format.h>

namespace peregrine::node {

std::optional<std::string> ParsedArgs::value(std::string_view name) const {
  auto it = options_.find(name);
  if (it == options_.end() || it->second.empty()) return std::nullopt;
  return it->second.back();
}

const std::vector<std::string>& ParsedArgs::values(std::string_view name) const {
  static const std::vector<std::string> none;
  auto it = options_.find(name);
  return it == options_.end() ? none : it->second;
}

void ParsedArgs::add_option(std::string_view name, std::string value) {
  if (auto it = negated_.find(name); it != negated_.end()) negated_.erase(it);
  options_[std::string(name)].push_back(std::move(value));
}

void ParsedArgs::negate(std::string_view name) {
  if (auto it = options_.find(name); it != options_.end()) options_.erase(it);
  negated_.insert(std::string(name));
}

std::expected<ParsedArgs, UsageError> parse_args(std::span<const std::string> args,
                                                 std::span<const OptionSpec> options) {
  ParsedArgs parsed;
  bool options_ended = false;
  for (std::size_t i = 0; i < args.size(); ++i) {
    const std::string& arg = args[i];
    if (options_ended || arg == "-" || !arg.starts_with("-")) {
      parsed.add_positional(arg);
      continue;
    }
    if (arg == "--") {
      options_ended = true;
      continue;
    }
    std::string_view body = arg == "-h" ? std::string_view("help") : std::string_view(arg);
    if (arg != "-h") {
      if (!body.starts_with("--")) {
        return std::unexpected(UsageError{fmt::format("unknown option '{}'", arg)});
      }
      body.remove_prefix(2);
    }
    std::string_view name = body;
    std::optional<std::string> inline_value;
    if (auto eq = body.find('='); eq != std::string_view::npos) {
      name = body.substr(0, eq);
      inline_value = std::string(body.substr(eq + 1));
    }
    auto find = [&](std::string_view n) {
      return std::find_if(options.begin(), options.end(), [&](const OptionSpec& o) { return o.name == n; });
    };
    auto spec = find(name);
    if (spec == options.end() && name.starts_with("no") && !inline_value) {
      auto positive = find(name.substr(2));
      if (positive != options.end() && positive->kind == ArgKind::flag) {
        parsed.negate(positive->name);
        continue;
      }
      if (positive != options.end() && positive->kind == ArgKind::value) {
        parsed.add_option(positive->name, "0");
        continue;
      }
    }
    if (spec == options.end()) {
      return std::unexpected(UsageError{fmt::format("unknown option '--{}'", name)});
    }
    if (spec->kind == ArgKind::flag) {
      if (inline_value) {
        return std::unexpected(UsageError{fmt::format("option '--{}' takes no value", name)});
      }
      parsed.add_option(name, "");
      continue;
    }
    if (!inline_value) {
      if (i + 1 >= args.size()) {
        return std::unexpected(
            UsageError{fmt::format("option '--{}' needs a value ({})", name, spec->metavar)});
      }
      inline_value = args[++i];
    }
    if (inline_value->empty()) {
      return std::unexpected(UsageError{fmt::format("option '--{}' needs a non-empty value", name)});
    }
    parsed.add_option(name, std::move(*inline_value));
  }
  return parsed;
}

std::expected<std::uint64_t, UsageError> parse_uint_option(const ParsedArgs& args,
                                                           std::string_view name,
                                                           std::uint64_t default_value,
                                                           std::uint64_t min, std::uint64_t max) {
  auto text = args.value(name);
  if (!text) return default_value;
  std::uint64_t v = 0;
  auto [end, ec] = std::from_chars(text->data(), text->data() + text->size(), v);
  if (ec != std::errc() || end != text->data() + text->size() || v < min || v > max) {
    return std::unexpected(UsageError{fmt::format(
        "invalid value '{}' for --{} (expected a whole number from {} to {})", *text, name, min, max)});
  }
  return v;
}

std::expected<std::optional<Hash256>, UsageError> parse_assumevalid_option(const ParsedArgs& args) {
  auto text = args.value("assumevalid");
  if (!text) return std::nullopt;
  if (*text == "0") return Hash256{};
  auto hash = Hash256::from_hex(*text);
  if (!hash) return std::unexpected(UsageError{fmt::format("--assumevalid: '{}' is neither 0 nor a block hash", *text)});
  return *hash;
}

std::string format_options(std::span<const OptionSpec> options) {
  std::string out;
  for (const auto& o : options) {
    std::string left = o.kind == ArgKind::flag ? fmt::format("--{}", o.name)
                                               : fmt::format("--{}={}", o.name, o.metavar);
    if (o.kind == ArgKind::list) left += " (repeatable)";
    out += fmt::format("  {:<30} {}\n", left, o.help);
  }
  return out;
}

} // namespace peregrine::node
