#include "consensus/spent_outputs.hpp"

#include <fmt/format.h>

#include <initializer_list>
#include <limits>

#include "util/hex.hpp"
#include "util/json.hpp"

namespace peregrine::consensus {
namespace {

namespace json = util::json;

// The object's members must be exactly `names`, each once.
std::expected<void, std::string> check_members(const json::Value& v, std::string_view what,
                                               std::initializer_list<std::string_view> names) {
  const auto* members = v.as_object();
  if (members == nullptr) return std::unexpected(fmt::format("{} is not an object", what));
  for (const auto& [key, value] : *members) {
    bool known = false;
    for (auto name : names) known = known || key == name;
    if (!known) return std::unexpected(fmt::format("{} has an unexpected field '{}'", what, key));
  }
  for (auto name : names) {
    std::size_t count = 0;
    for (const auto& [key, value] : *members) count += key == name;
    if (count == 0) return std::unexpected(fmt::format("{} lacks field '{}'", what, name));
    if (count > 1) return std::unexpected(fmt::format("{} has field '{}' twice", what, name));
  }
  return {};
}

std::expected<Coin, std::string> parse_entry(const json::Value& entry) {
  if (auto ok =
          check_members(entry, "it", {"txout", "is_coinbase", "creation_height", "creation_time"});
      !ok)
    return std::unexpected(ok.error());
  const json::Value& txout = *entry.find("txout");
  if (auto ok = check_members(txout, "txout", {"value", "script_pubkey"}); !ok)
    return std::unexpected(ok.error());
  Coin coin;
  auto value = txout.find("value")->as_int64();
  if (!value) return std::unexpected("txout.value is not an integer (satoshis)");
  coin.output.value = *value;
  const std::string* script = txout.find("script_pubkey")->as_string();
  if (script == nullptr) return std::unexpected("txout.script_pubkey is not a string");
  auto bytes = util::from_hex(*script);
  if (!bytes) return std::unexpected("txout.script_pubkey is not hex");
  coin.output.script_pubkey = std::move(*bytes);
  auto coinbase = entry.find("is_coinbase")->as_bool();
  if (!coinbase) return std::unexpected("is_coinbase is not true or false");
  coin.coinbase = *coinbase;
  auto height = entry.find("creation_height")->as_int64();
  if (!height || *height < 0 || *height > std::numeric_limits<int>::max())
    return std::unexpected("creation_height is not a block height");
  coin.height = static_cast<int>(*height);
  if (!entry.find("creation_time")->as_int64())
    return std::unexpected("creation_time is not an integer");
  return coin;
}

} // namespace

std::expected<std::vector<Coin>, std::string> parse_spent_outputs(std::string_view json_text) {
  auto doc = json::parse(json_text);
  if (!doc)
    return std::unexpected(
        fmt::format("not JSON: {} at byte {}", doc.error().message, doc.error().offset));
  const auto* entries = doc->as_array();
  if (entries == nullptr) return std::unexpected("not a JSON array of spent outputs");
  std::vector<Coin> coins;
  coins.reserve(entries->size());
  for (std::size_t i = 0; i < entries->size(); ++i) {
    auto coin = parse_entry((*entries)[i]);
    if (!coin) return std::unexpected(fmt::format("entry {}: {}", i, coin.error()));
    coins.push_back(std::move(*coin));
  }
  return coins;
}

} // namespace peregrine::consensus
