#include "consensus/chainparams.hpp"

#include <charconv>
#include <cstdio>
#include <cstdlib>
#include <limits>
#include <optional>

#include <fmt/format.h>

#include "consensus/signet.hpp"
#include "util/hex.hpp"
#include "util/json.hpp"

namespace peregrine::consensus {

extern const std::string_view kChainParamsJson; // generated from chainparams.json by CMake

namespace {

namespace json = util::json;

// Reads typed fields out of one JSON object, remembering the first problem with its full path
// ("networks.main.genesis.nonce: expected an unsigned 32-bit integer").
class Fields {
public:
  Fields(const json::Value* object, std::string path, std::optional<std::string>* error)
      : object_(object), path_(std::move(path)), error_(error) {
    if (object_ && !object_->is_object()) fail("", "expected an object");
  }

  const json::Value* get(std::string_view key) {
    const json::Value* v = object_ && object_->is_object() ? object_->find(key) : nullptr;
    if (!v) fail(key, "missing");
    return v;
  }
  const json::Value* find(std::string_view key) const {
    return object_ && object_->is_object() ? object_->find(key) : nullptr;
  }

  template <class Int>
  Int integer(std::string_view key) {
    const json::Value* v = get(key);
    if (!v) return 0;
    if constexpr (std::is_signed_v<Int>) {
      auto n = v->as_int64();
      if (n && *n >= std::numeric_limits<Int>::min() && *n <= std::numeric_limits<Int>::max()) {
        return static_cast<Int>(*n);
      }
    } else {
      auto n = v->as_uint64();
      if (n && *n <= std::numeric_limits<Int>::max()) return static_cast<Int>(*n);
    }
    fail(key, "expected an integer in range");
    return 0;
  }

  double number(std::string_view key) {
    const json::Value* v = get(key);
    auto d = v ? v->as_double() : std::nullopt;
    if (v && !d) fail(key, "expected a number");
    return d.value_or(0);
  }

  bool boolean(std::string_view key) {
    const json::Value* v = get(key);
    auto b = v ? v->as_bool() : std::nullopt;
    if (v && !b) fail(key, "expected true or false");
    return b.value_or(false);
  }

  std::string string(std::string_view key) {
    const json::Value* v = get(key);
    const std::string* s = v ? v->as_string() : nullptr;
    if (v && !s) fail(key, "expected a string");
    return s ? *s : std::string();
  }

  Bytes hex(std::string_view key) {
    auto bytes = util::from_hex(string(key));
    if (!bytes) fail(key, "expected hex");
    return bytes.value_or(Bytes{});
  }

  Hash256 hash(std::string_view key) {
    auto h = Hash256::from_hex(string(key));
    if (!h) fail(key, "expected 64 hex digits");
    return h.value_or(Hash256{});
  }

  // "0x1d00ffff" style compact targets.
  std::uint32_t hex_u32(std::string_view key) {
    std::string s = string(key);
    std::uint32_t value = 0;
    const char* begin = s.data() + (s.starts_with("0x") ? 2 : 0);
    auto [end, ec] = std::from_chars(begin, s.data() + s.size(), value, 16);
    if (ec != std::errc() || end != s.data() + s.size() || begin == end) fail(key, "expected 0x-hex");
    return value;
  }

  const std::vector<json::Value>& array(std::string_view key) {
    static const std::vector<json::Value> empty;
    const json::Value* v = get(key);
    const auto* a = v ? v->as_array() : nullptr;
    if (v && !a) fail(key, "expected an array");
    return a ? *a : empty;
  }

  Fields object(std::string_view key) { return Fields(get(key), join(key), error_); }
  Fields element(const json::Value& v, std::size_t index) {
    return Fields(&v, fmt::format("{}[{}]", path_, index), error_);
  }
  std::string join(std::string_view key) const { return path_.empty() ? std::string(key) : path_ + "." + std::string(key); }

  void fail(std::string_view key, std::string_view what) {
    if (!*error_) *error_ = fmt::format("{}: {}", key.empty() ? path_ : join(key), what);
  }

private:
  const json::Value* object_;
  std::string path_;
  std::optional<std::string>* error_;
};

ChainParams read_network(Network network, Fields f) {
  ChainParams p;
  p.network = network;
  Bytes magic = f.hex("message_start");
  if (magic.size() == p.magic.size()) {
    std::copy(magic.begin(), magic.end(), p.magic.begin());
  } else {
    f.fail("message_start", "expected 4 bytes");
  }
  p.default_port = f.integer<std::uint16_t>("default_port");
  p.rpc_port = f.integer<std::uint16_t>("rpc_port");
  p.datadir_suffix = f.string("datadir_suffix");
  p.bech32_hrp = f.string("bech32_hrp");
  p.base58_pubkey_prefix = f.integer<std::uint8_t>("base58_pubkey_prefix");
  p.base58_script_prefix = f.integer<std::uint8_t>("base58_script_prefix");
  for (const auto& seed : f.array("dns_seeds")) {
    if (const std::string* s = seed.as_string()) p.dns_seeds.push_back(*s);
    else f.fail("dns_seeds", "expected strings");
  }
  if (f.find("signet_challenge")) p.signet_challenge = f.hex("signet_challenge");

  p.subsidy_halving_interval = f.integer<int>("subsidy_halving_interval");
  p.bip34_height = f.integer<int>("bip34_height");
  if (f.find("bip34_hash")) p.bip34_hash = f.hash("bip34_hash");
  p.bip65_height = f.integer<int>("bip65_height");
  p.bip66_height = f.integer<int>("bip66_height");
  p.csv_height = f.integer<int>("csv_height");
  p.segwit_height = f.integer<int>("segwit_height");
  p.taproot_height = f.integer<int>("taproot_height");
  const auto& exceptions = f.array("script_flag_exceptions");
  for (std::size_t i = 0; i < exceptions.size(); ++i) {
    Fields e = f.element(exceptions[i], i);
    ScriptFlagException ex{e.hash("block"), {}};
    for (const auto& flag : e.array("flags")) {
      if (const std::string* s = flag.as_string()) ex.flags.push_back(*s);
      else e.fail("flags", "expected strings");
    }
    p.script_flag_exceptions.push_back(std::move(ex));
  }

  p.pow_limit = f.hash("pow_limit");
  p.pow_target_timespan = f.integer<std::int64_t>("pow_target_timespan");
  p.pow_target_spacing = f.integer<std::int64_t>("pow_target_spacing");
  p.pow_allow_min_difficulty_blocks = f.boolean("pow_allow_min_difficulty_blocks");
  p.pow_no_retargeting = f.boolean("pow_no_retargeting");
  p.enforce_bip94 = f.boolean("enforce_bip94");
  p.minimum_chain_work = f.hash("minimum_chain_work");
  Fields assume_valid = f.object("assume_valid");
  p.assume_valid = assume_valid.hash("hash");
  p.assume_valid_height = assume_valid.integer<int>("height");
  p.prune_after_height = f.integer<int>("prune_after_height");

  const auto& checkpoints = f.array("checkpoints");
  for (std::size_t i = 0; i < checkpoints.size(); ++i) {
    Fields c = f.element(checkpoints[i], i);
    p.checkpoints.push_back({c.integer<int>("height"), c.hash("hash")});
  }
  const auto& snapshots = f.array("assumeutxo");
  for (std::size_t i = 0; i < snapshots.size(); ++i) {
    Fields s = f.element(snapshots[i], i);
    p.assumeutxo.push_back({s.integer<int>("height"), s.hash("block_hash"), s.hash("hash_serialized"),
                            s.integer<std::uint64_t>("chain_tx_count")});
  }
  Fields tx_data = f.object("chain_tx_data");
  p.chain_tx_data = {tx_data.integer<std::int64_t>("time"), tx_data.integer<std::uint64_t>("tx_count"),
                     tx_data.number("tx_rate")};
  Fields headers_sync = f.object("headers_sync");
  p.headers_sync = {headers_sync.integer<int>("commitment_period"),
                    headers_sync.integer<int>("redownload_buffer_size")};

  Fields g = f.object("genesis");
  GenesisParams& gp = p.genesis_params;
  gp.coinbase_message = g.string("coinbase_message");
  gp.output_script = g.hex("output_script");
  gp.reward = g.integer<std::int64_t>("reward");
  gp.version = g.integer<std::int32_t>("version");
  gp.time = g.integer<std::uint32_t>("time");
  gp.bits = g.hex_u32("bits");
  gp.nonce = g.integer<std::uint32_t>("nonce");
  gp.hash = g.hash("hash");
  return p;
}

} // namespace

std::expected<std::vector<ChainParams>, std::string> load_chain_params(std::string_view text) {
  auto doc = json::parse(text);
  if (!doc) {
    return std::unexpected(fmt::format("chain parameters: {} at byte {}", doc.error().message,
                                       doc.error().offset));
  }
  std::optional<std::string> error;
  Fields root(&*doc, "", &error);
  Fields networks = root.object("networks");
  std::vector<ChainParams> out;
  for (Network n : kAllNetworks) {
    ChainParams p = read_network(n, networks.object(to_string(n)));
    if (error) return std::unexpected("chain parameters: " + *error);
    p.genesis = build_genesis_block(p.genesis_params);
    p.genesis_hash = wire::block_hash(p.genesis.header);
    if (p.genesis_hash != p.genesis_params.hash) {
      return std::unexpected(fmt::format("chain parameters: {} genesis rebuilds to {}, expected {}",
                                         to_string(n), p.genesis_hash.to_hex(),
                                         p.genesis_params.hash.to_hex()));
    }
    out.push_back(std::move(p));
  }
  return out;
}

const ChainParams& chain_params(Network network) {
  static const std::vector<ChainParams> all = [] {
    auto loaded = load_chain_params(kChainParamsJson);
    if (!loaded) {
      std::fprintf(stderr, "fatal: embedded %s\n", loaded.error().c_str());
      std::abort();
    }
    return std::move(*loaded);
  }();
  return all[static_cast<std::size_t>(network)];
}

ChainParams custom_signet_params(ByteSpan challenge) {
  ChainParams p = chain_params(Network::signet);
  p.signet_challenge.assign(challenge.begin(), challenge.end());
  p.custom_signet = true;
  p.magic = signet_message_start(challenge);
  p.dns_seeds.clear();
  p.minimum_chain_work = Hash256{};
  p.assume_valid = Hash256{};
  p.assume_valid_height = 0;
  p.checkpoints.clear();
  p.assumeutxo.clear();
  p.chain_tx_data = {};
  return p;
}

std::string_view embedded_chain_params_json() { return kChainParamsJson; }

} // namespace peregrine::consensus
