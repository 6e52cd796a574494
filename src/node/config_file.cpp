#include "node/config_file.hpp"

#include <algorithm>
#include <array>
#include <fstream>
#include <set>
#include <sstream>

#include <fmt/format.h>

namespace peregrine::node {
namespace {

constexpr std::array<std::string_view, 5> kSections = {"main", "test", "testnet4", "signet", "regtest"};
// Core applies these from the top section on main only: a test node must not take a main node's
// port or peers by accident.
constexpr std::array<std::string_view, 5> kNetworkOnly = {"connect", "addnode", "port", "bind", "rpcport"};
// Names that choose the chain; read by config_network, not merged.
constexpr std::array<std::string_view, 6> kChainNames = {"network", "chain", "regtest", "testnet", "testnet4", "signet"};

template <std::size_t N>
bool contains(const std::array<std::string_view, N>& names, std::string_view name) {
  return std::find(names.begin(), names.end(), name) != names.end();
}

std::string_view trim(std::string_view s) {
  const auto space = [](char c) { return c == ' ' || c == '\t' || c == '\r' || c == '\f' || c == '\v'; };
  while (!s.empty() && space(s.front())) s.remove_prefix(1);
  while (!s.empty() && space(s.back())) s.remove_suffix(1);
  return s;
}

UsageError at(const ConfigEntry& e, std::string message) { return UsageError{fmt::format("{}: {}", e.origin, message)}; }

const OptionSpec* find_spec(std::span<const OptionSpec> options, std::string_view name) {
  auto it = std::find_if(options.begin(), options.end(), [&](const OptionSpec& o) { return o.name == name; });
  return it == options.end() ? nullptr : &*it;
}

// The option a name sets, and whether it is Core's noNAME form (lists cannot be negated).
struct Resolved {
  const OptionSpec* spec = nullptr;
  bool negated = false;
};

Resolved resolve(std::span<const OptionSpec> options, std::string_view name) {
  if (const auto* spec = find_spec(options, name)) return {spec, false};
  if (name.starts_with("no")) {
    const auto* spec = find_spec(options, name.substr(2));
    if (spec && spec->kind != ArgKind::list) return {spec, true};
  }
  return {};
}

std::optional<consensus::Network> network_named(std::string_view name) {
  if (name == "test") return consensus::Network::testnet3; // Core's name for testnet3
  return consensus::parse_network(name);
}

} // namespace

std::string_view config_section(consensus::Network network) {
  switch (network) {
  case consensus::Network::main: return "main";
  case consensus::Network::testnet3: return "test";
  case consensus::Network::testnet4: return "testnet4";
  case consensus::Network::signet: return "signet";
  case consensus::Network::regtest: return "regtest";
  }
  return "main";
}

std::expected<ConfigFile, UsageError> parse_config_text(std::string_view text, std::string_view file_name) {
  ConfigFile file;
  std::string section;
  std::size_t line_number = 0;
  for (std::size_t pos = 0; pos < text.size();) {
    ++line_number;
    const std::size_t end = std::min(text.find('\n', pos), text.size());
    std::string_view line = text.substr(pos, end - pos);
    pos = end + 1;
    const std::string origin = fmt::format("{}:{}", file_name, line_number);
    auto error = [&](std::string message) { return std::unexpected(UsageError{fmt::format("{}: {}", origin, message)}); };
    if (auto hash = line.find('#'); hash != std::string_view::npos) line = line.substr(0, hash);
    line = trim(line);
    if (line.empty()) continue;
    if (line.front() == '[') {
      if (line.back() != ']') return error(fmt::format("'{}' is not a section header", line));
      const std::string_view name = trim(line.substr(1, line.size() - 2));
      if (!contains(kSections, name))
        return error(fmt::format("unknown section [{}] (expected [main], [test], [testnet4], [signet] or [regtest])", name));
      section = name;
      continue;
    }
    if (line.front() == '-') return error(fmt::format("'{}': write options without the leading dashes", line));
    const std::size_t eq = line.find('=');
    if (eq == std::string_view::npos) return error(fmt::format("'{}' has no value (write {}=1 for a flag)", line, line));
    std::string_view name = trim(line.substr(0, eq));
    const std::string_view value = trim(line.substr(eq + 1));
    std::string entry_section = section;
    // Core's NET.name=value: a setting for one network outside its section.
    if (auto dot = name.find('.'); dot != std::string_view::npos) {
      const std::string_view prefix = name.substr(0, dot);
      if (!contains(kSections, prefix)) return error(fmt::format("unknown network '{}' in '{}'", prefix, name));
      entry_section = prefix;
      name = name.substr(dot + 1);
    }
    if (name.empty()) return error("a setting with no name");
    file.entries.push_back({entry_section, std::string(name), std::string(value), origin});
  }
  return file;
}

std::expected<ConfigFile, UsageError> read_config_file(const std::filesystem::path& path, bool required) {
  std::error_code ec;
  if (!std::filesystem::exists(path, ec)) {
    if (!required) return ConfigFile{};
    return std::unexpected(UsageError{fmt::format("configuration file {} not found", path.string())});
  }
  if (std::filesystem::is_directory(path, ec))
    return std::unexpected(UsageError{fmt::format("configuration file {} is a directory", path.string())});
  std::ifstream in(path, std::ios::binary);
  std::ostringstream text;
  text << in.rdbuf();
  if (!in) return std::unexpected(UsageError{fmt::format("cannot read configuration file {}", path.string())});
  return parse_config_text(text.str(), path.string());
}

std::expected<std::optional<consensus::Network>, UsageError> config_network(const ConfigFile& file) {
  std::optional<consensus::Network> chosen;
  for (const auto& e : file.entries) {
    if (!contains(kChainNames, e.name)) continue;
    if (!e.section.empty()) return std::unexpected(at(e, fmt::format("'{}' chooses the network: put it before any section", e.name)));
    std::optional<consensus::Network> network;
    if (e.name == "network" || e.name == "chain") {
      network = network_named(e.value);
      if (!network)
        return std::unexpected(at(e, fmt::format("invalid value '{}' for {} (expected main, testnet3, testnet4, signet or regtest)", e.value, e.name)));
    } else if (e.value == "1") {
      network = e.name == "testnet" ? consensus::Network::testnet3 : *network_named(e.name);
    } else if (e.value != "0") {
      return std::unexpected(at(e, fmt::format("invalid value '{}' for {} (expected 0 or 1)", e.value, e.name)));
    }
    if (network && chosen && *network != *chosen)
      return std::unexpected(at(e, fmt::format("a second network ({}, after {})", consensus::to_string(*network), consensus::to_string(*chosen))));
    if (network) chosen = network;
  }
  return chosen;
}

std::expected<void, UsageError> merge_config(ParsedArgs& args, const ConfigFile& file,
                                             consensus::Network network,
                                             std::span<const OptionSpec> accepted,
                                             std::span<const OptionSpec> known,
                                             std::vector<std::string>& warnings) {
  const std::string_view own_section = config_section(network);
  std::set<std::string, std::less<>> decided; // single-valued names already set by the file
  // The network's section first: its values beat the top section's.
  for (const bool top : {false, true}) {
    for (const auto& e : file.entries) {
      if (top ? !e.section.empty() : e.section != own_section) continue;
      if (contains(kChainNames, e.name)) continue; // config_network's
      if (e.name == "conf") return std::unexpected(at(e, "conf cannot be set in a configuration file"));
      const Resolved r = resolve(accepted, e.name);
      if (!r.spec) {
        if (resolve(known, e.name).spec) continue; // another command's option
        return std::unexpected(at(e, fmt::format("unknown option '{}'", e.name)));
      }
      const OptionSpec& spec = *r.spec;
      if (top && network != consensus::Network::main && contains(kNetworkOnly, spec.name)) {
        warnings.push_back(fmt::format("{}: {} applies to main only when outside a section: put it under [{}] (or write {}.{}=)",
                                       e.origin, e.name, own_section, own_section, spec.name));
        continue;
      }
      // Flags and negations take 0 or 1, everything else a non-empty value.
      bool on = true;
      if (spec.kind == ArgKind::flag || r.negated) {
        if (e.value != "0" && e.value != "1")
          return std::unexpected(at(e, fmt::format("invalid value '{}' for {} (expected 0 or 1)", e.value, e.name)));
        on = (e.value == "1") != r.negated; // flags; noNAME=1 of a value option means NAME=0
        if (spec.kind == ArgKind::value && e.value == "0")
          return std::unexpected(at(e, fmt::format("{}=0 means nothing: give {}=VALUE", e.name, spec.name)));
      } else if (e.value.empty()) {
        return std::unexpected(at(e, fmt::format("{} needs a value ({})", e.name, spec.metavar)));
      }
      if (spec.kind == ArgKind::list) {
        args.add_option(spec.name, e.value);
        auto origins = args.origins().find(spec.name);
        args.set_origin(spec.name, origins == args.origins().end() ? e.origin : origins->second + ", " + e.origin);
        continue;
      }
      if (args.given(spec.name) || decided.contains(spec.name)) continue; // the command line, or an earlier line
      decided.insert(std::string(spec.name));
      if (spec.kind == ArgKind::flag) {
        if (on) args.add_option(spec.name, "");
      } else {
        args.add_option(spec.name, r.negated ? "0" : e.value);
      }
      args.set_origin(spec.name, e.origin);
    }
  }
  return {};
}

} // namespace peregrine::node
