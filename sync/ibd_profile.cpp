#include "sync/ibd_profile.hpp"

#include <algorithm>
#include <array>

#include <fmt/format.h>

namespace peregrine::sync {
namespace {

namespace json = util::json;
using ns = std::chrono::nanoseconds;

double seconds(ns t) { return std::chrono::duration<double>(t).count(); }
long long micros(ns t) { return static_cast<long long>(std::chrono::duration_cast<std::chrono::microseconds>(t).count()); }

struct Row {
  std::string_view key;
  std::string_view label;
  ns time;
};

// The io thread's wall time, stage by stage (they add up to the wall time).
std::array<Row, 11> rows(const ProfileTotals& t) {
  return {{
      {"network_wait", "waiting for the network", t.network_wait},
      {"deserialize", "deserialization", t.deserialize},
      {"block_check", "block checks (no scripts)", t.chain.block_check},
      {"block_write", "block writes", t.chain.block_write},
      {"coins_hit", "coin lookups, cache hit", t.chain.coins_hit},
      {"coins_miss", "coin lookups, cache miss", t.chain.coins_miss},
      {"script_wait", "waiting for script checks", t.chain.script_wait},
      {"undo_write", "undo writes", t.chain.undo_write},
      {"utxo_flush", "UTXO flushes", t.chain.utxo_flush},
      {"other", "other (headers, peers)", t.other},
      {"idle", "idle (at the best header)", t.idle},
  }};
}

} // namespace

IbdProfile::~IbdProfile() {
  if (trace_) std::fclose(trace_);
}

std::expected<void, std::string> IbdProfile::open_trace(const std::filesystem::path& path) {
  trace_ = std::fopen(path.c_str(), "w");
  if (!trace_) return std::unexpected(fmt::format("cannot write {}", path.string()));
  fmt::print(trace_, "height,hash,bytes,txs,inputs,coin_hits,coin_misses,deserialize_us,block_check_us,"
                     "coins_hit_us,coins_miss_us,script_cpu_us,script_wait_us,undo_write_us,utxo_flush_us\n");
  return {};
}

void IbdProfile::block_decoded(const Hash256& hash, ns decode_time) {
  // Bounded by the download window: entries leave when their block is connected, and a block that
  // never is (invalid, or a peer's unrequested copy) only matters until the map is trimmed.
  if (decode_times_.size() > 100'000) decode_times_.clear();
  decode_times_[hash] += decode_time;
}

void IbdProfile::block_traced(const BlockTrace& t) {
  ns decode{0};
  if (auto it = decode_times_.find(t.hash); it != decode_times_.end()) {
    decode = it->second;
    decode_times_.erase(it);
  }
  if (!trace_) return;
  fmt::print(trace_, "{},{},{},{},{},{},{},{},{},{},{},{},{},{},{}\n", t.height, t.hash.to_hex(), t.bytes, t.txs,
             t.inputs, t.coin_hits, t.coin_misses, micros(decode), micros(t.block_check), micros(t.coins_hit),
             micros(t.coins_miss), micros(t.script_cpu), micros(t.script_wait), micros(t.undo_write),
             micros(t.utxo_flush));
}

ProfileTotals IbdProfile::totals(const ChainTimings& chain, unsigned script_threads, const BlockSync& sync) const {
  ProfileTotals t;
  t.wall = sync.busy_time() + sync.waiting_time() + sync.idle_time();
  t.deserialize = deserialize_;
  // Decoding happens between handlers, mostly while blocks are coming in: not waiting.
  t.network_wait = std::max(sync.waiting_time() - deserialize_, ns{0});
  t.idle = std::max(sync.idle_time() - std::max(deserialize_ - sync.waiting_time(), ns{0}), ns{0});
  t.chain = chain;
  t.script_threads = std::max(script_threads, 1u);
  const ns chain_work = chain.block_check + chain.block_write + chain.coins_hit + chain.coins_miss +
                        chain.script_wait + chain.undo_write + chain.utxo_flush;
  t.other = std::max(sync.busy_time() - chain_work, ns{0});
  return t;
}

std::string_view bottleneck(const ProfileTotals& t) {
  const ns network = t.network_wait;
  const ns cpu = t.deserialize + t.chain.block_check + t.chain.coins_hit + t.chain.script_wait + t.other;
  const ns disk = t.chain.block_write + t.chain.coins_miss + t.chain.undo_write + t.chain.utxo_flush;
  if (network >= cpu && network >= disk) return "network";
  return cpu >= disk ? "cpu" : "disk";
}

std::string format_profile(const ProfileTotals& t, const std::map<peer::PeerId, PeerDelivery>& deliveries) {
  const double wall = std::max(seconds(t.wall), 1e-9);
  std::string out = fmt::format("IBD bottleneck report: {:.3f} s of wall time on the sync thread\n", seconds(t.wall));
  out += fmt::format("  {:<30} {:>10} {:>7}\n", "stage", "seconds", "share");
  for (const auto& r : rows(t))
    out += fmt::format("  {:<30} {:>10.3f} {:>6.1f}%\n", r.label, seconds(r.time), 100 * seconds(r.time) / wall);
  out += fmt::format("  coin lookups: {} from the cache, {} from the database\n", t.chain.coin_hits, t.chain.coin_misses);
  out += fmt::format("  script checks on {} thread{}: {:.3f} s of pool time, {:.1f}% of its capacity over the wall time\n",
                     t.script_threads, t.script_threads == 1 ? "" : "s", seconds(t.chain.script_cpu),
                     100 * seconds(t.chain.script_cpu) / (wall * t.script_threads));
  out += fmt::format("  bottleneck: {}\n", bottleneck(t));
  for (const auto& [id, d] : deliveries)
    out += fmt::format("  peer {} {}: {} blocks, {:.2f} MB{}\n", id, d.address, d.blocks, static_cast<double>(d.bytes) / 1e6,
                       d.dropped.empty() ? "" : fmt::format(" (dropped: {})", d.dropped));
  return out;
}

json::Value profile_json(const ProfileTotals& t) {
  json::Value out = json::Value::object();
  out.set("wall_seconds", seconds(t.wall));
  for (const auto& r : rows(t)) out.set(fmt::format("{}_seconds", r.key), seconds(r.time));
  out.set("script_cpu_seconds", seconds(t.chain.script_cpu));
  out.set("script_threads", static_cast<std::uint64_t>(t.script_threads));
  out.set("coin_hits", t.chain.coin_hits);
  out.set("coin_misses", t.chain.coin_misses);
  out.set("bottleneck", std::string(bottleneck(t)));
  return out;
}

} // namespace peregrine::sync
