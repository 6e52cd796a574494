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
ns at_least_zero(ns t) { return std::max(t, ns{0}); }

// Time by resource over a thread's stages.
std::array<ns, 4> by_resource(const ThreadProfile& t) {
  std::array<ns, 4> out{};
  for (const auto& s : t.stages) out[static_cast<std::size_t>(s.resource)] += s.time;
  return out;
}

constexpr std::array<std::string_view, 3> kResourceNames = {"network", "cpu", "disk"};

// The chain thread's time by resource, its wait for blocks charged to what the feeder was doing.
std::array<double, 3> chain_resources(const ProfileTotals& t) {
  std::array<double, 3> out{};
  double waiting = 0;
  for (const auto& s : t.chain.stages) {
    if (s.key == "waiting_for_blocks") waiting += seconds(s.time);
    else if (s.resource != Resource::idle) out[static_cast<std::size_t>(s.resource)] += seconds(s.time);
  }
  const auto feeder = by_resource(t.feeder);
  const double busy = seconds(feeder[0] + feeder[1] + feeder[2]);
  for (std::size_t r = 0; r < 3; ++r)
    out[r] += busy > 0 ? waiting * seconds(feeder[r]) / busy : (r == 0 ? waiting : 0);
  return out;
}

std::string table(const ThreadProfile& t) {
  const double wall = std::max(seconds(t.wall()), 1e-9);
  std::string out = fmt::format("  {} thread: {:.3f} s\n", t.name, seconds(t.wall()));
  for (const auto& s : t.stages)
    out += fmt::format("    {:<36} {:>10.3f} {:>6.1f}%\n", s.label, seconds(s.time), 100 * seconds(s.time) / wall);
  return out;
}

json::Value thread_json(const ThreadProfile& t) {
  json::Value out = json::Value::object();
  out.set("wall_seconds", seconds(t.wall()));
  for (const auto& s : t.stages) out.set(fmt::format("{}_seconds", s.key), seconds(s.time));
  return out;
}

} // namespace

ns ThreadProfile::wall() const {
  ns total{0};
  for (const auto& s : stages) total += s.time;
  return total;
}

ThreadProfile chain_thread_profile(const ChainTimings& c, const ChainThreadTimes& thread) {
  const ns stages = c.block_write + c.block_check + c.coins_hit + c.coins_miss + c.script_wait + c.undo_write + c.utxo_flush;
  return {"chain",
          {{"waiting_for_blocks", "waiting for blocks", thread.waiting, Resource::network},
           {"block_write", "block writes", c.block_write, Resource::disk},
           {"block_check", "block checks (no scripts)", c.block_check, Resource::cpu},
           {"coins_hit", "coin lookups, cache hit", c.coins_hit, Resource::cpu},
           {"coins_miss", "coin lookups, cache miss", c.coins_miss, Resource::disk},
           {"script_wait", "waiting for script checks", c.script_wait, Resource::cpu},
           {"undo_write", "undo writes", c.undo_write, Resource::disk},
           {"utxo_flush", "UTXO flushes", c.utxo_flush, Resource::disk},
           {"other", "other (queues, bookkeeping)", at_least_zero(thread.busy - stages), Resource::cpu},
           {"idle", "idle (at the best header)", thread.idle, Resource::idle}}};
}

ThreadProfile io_thread_profile(const BlockSync& sync, ns deserialize) {
  // Decoding happens between handlers, mostly while blocks come in: taken out of the waiting first.
  const ns waiting = sync.waiting_time();
  const ns network = at_least_zero(waiting - deserialize);
  const ns idle = at_least_zero(sync.idle_time() - at_least_zero(deserialize - waiting));
  return {"io",
          {{"network_wait", "waiting for the network", network, Resource::network},
           {"deserialize", "deserialization", deserialize, Resource::cpu},
           {"header_check", "blocks checked against headers", sync.check_time(), Resource::cpu},
           {"other", "other (headers, peers, scheduling)", at_least_zero(sync.busy_time() - sync.check_time()),
            Resource::cpu},
           {"idle", "idle (at the best header)", idle, Resource::idle}}};
}

ThreadProfile reader_thread_profile(const ImportTimes& times) {
  return {"reader",
          {{"read", "reading block files", times.read, Resource::disk},
           {"decode", "decoding, header checks, hashing", times.decode, Resource::cpu},
           {"waiting_for_chain", "waiting for the chain (queue full)", times.wait, Resource::idle}}};
}

IbdProfile::~IbdProfile() {
  if (trace_) std::fclose(trace_);
}

std::expected<void, std::string> IbdProfile::open_trace(const std::filesystem::path& path) {
  trace_ = std::fopen(path.c_str(), "w");
  if (!trace_) return std::unexpected(fmt::format("cannot write {}", path.string()));
  fmt::print(trace_, "height,hash,bytes,txs,inputs,coin_hits,coin_misses,deserialize_us,block_check_us,"
                     "coins_hit_us,coins_miss_us,script_cpu_us,script_wait_us,undo_write_us,utxo_flush_us,elapsed_us,peer\n");
  trace_start_ = std::chrono::steady_clock::now();
  return {};
}

void IbdProfile::message_decoded(ns decode_time) {
  std::lock_guard lock(mutex_);
  deserialize_ += decode_time;
}

ns IbdProfile::deserialize_time() const {
  std::lock_guard lock(mutex_);
  return deserialize_;
}

void IbdProfile::block_decoded(const Hash256& hash, ns decode_time, std::optional<peer::PeerId> from) {
  std::lock_guard lock(mutex_);
  // Bounded by the download window: entries leave when their block is connected, and a block that
  // never is (invalid, or a peer's unrequested copy) only matters until the map is trimmed.
  if (decoded_.size() > 100'000) decoded_.clear();
  Decoded& d = decoded_[hash];
  d.time += decode_time;
  if (from) d.from = from;
}

void IbdProfile::block_traced(const BlockTrace& t) {
  std::lock_guard lock(mutex_);
  Decoded decoded;
  if (auto it = decoded_.find(t.hash); it != decoded_.end()) {
    decoded = it->second;
    decoded_.erase(it);
  }
  if (!trace_) return;
  const ns elapsed = std::chrono::steady_clock::now() - trace_start_;
  fmt::print(trace_, "{},{},{},{},{},{},{},{},{},{},{},{},{},{},{},{},{}\n", t.height, t.hash.to_hex(), t.bytes, t.txs,
             t.inputs, t.coin_hits, t.coin_misses, micros(decoded.time), micros(t.block_check), micros(t.coins_hit),
             micros(t.coins_miss), micros(t.script_cpu), micros(t.script_wait), micros(t.undo_write),
             micros(t.utxo_flush), micros(elapsed), decoded.from ? fmt::format("{}", *decoded.from) : std::string());
}

std::string_view bottleneck(const ProfileTotals& t) {
  const auto r = chain_resources(t);
  const auto most = std::max_element(r.begin(), r.end()) - r.begin();
  return kResourceNames[static_cast<std::size_t>(most)];
}

std::string format_profile(const ProfileTotals& t, const std::map<peer::PeerId, PeerDelivery>& deliveries) {
  const double wall = std::max(seconds(t.wall), 1e-9);
  std::string out = fmt::format("IBD bottleneck report: {:.3f} s of wall time\n", seconds(t.wall));
  out += fmt::format("    {:<36} {:>10} {:>7}\n", "stage", "seconds", "share");
  out += table(t.chain);
  out += table(t.feeder);
  const auto& c = t.timings;
  const std::uint64_t lookups = c.coin_hits + c.coin_misses;
  out += fmt::format("  coin lookups: {} from the cache, {} from the database ({:.1f}% hits; {} of the database's "
                     "were BIP30's checks that a new output is not there yet, most answered by its bloom filter)\n",
                     c.coin_hits, c.coin_misses,
                     lookups ? 100.0 * static_cast<double>(c.coin_hits) / static_cast<double>(lookups) : 0.0,
                     c.bip30_probes);
  if (t.prefetch.requested)
    out += fmt::format("  coins read ahead: {} asked, {} in the cache in time, {} too late, {} not in the database\n",
                       t.prefetch.requested, t.prefetch.found, t.prefetch.stale, t.prefetch.absent);
  out += fmt::format("  UTXO flushes: {}, {:.3f} s; the feeder held back by the memory bound {:.3f} s, {:.3f} s of it "
                     "during flushes\n",
                     t.flushes, seconds(c.utxo_flush), seconds(t.backpressure), seconds(t.backpressure_in_flush));
  out += fmt::format("  script checks on {} thread{}: {:.3f} s of pool time, {:.1f}% of its capacity over the wall time\n",
                     t.script_threads, t.script_threads == 1 ? "" : "s", seconds(c.script_cpu),
                     100 * seconds(c.script_cpu) / (wall * t.script_threads));
  const auto r = chain_resources(t);
  out += fmt::format("  bottleneck: {} (the chain thread's time by resource, its waits charged to the {} thread: "
                     "network {:.3f} s, cpu {:.3f} s, disk {:.3f} s)\n",
                     bottleneck(t), t.feeder.name, r[0], r[1], r[2]);
  for (const auto& [id, d] : deliveries)
    out += fmt::format("  peer {} {}: {} blocks, {:.2f} MB{}\n", id, d.address, d.blocks, static_cast<double>(d.bytes) / 1e6,
                       d.dropped.empty() ? "" : fmt::format(" (dropped: {})", d.dropped));
  return out;
}

json::Value profile_json(const ProfileTotals& t) {
  json::Value out = json::Value::object();
  out.set("wall_seconds", seconds(t.wall));
  out.set("chain", thread_json(t.chain));
  out.set(t.feeder.name, thread_json(t.feeder));
  out.set("script_cpu_seconds", seconds(t.timings.script_cpu));
  out.set("script_threads", static_cast<std::uint64_t>(t.script_threads));
  out.set("coin_hits", t.timings.coin_hits);
  out.set("coin_misses", t.timings.coin_misses);
  out.set("bip30_probes", t.timings.bip30_probes);
  out.set("prefetch_requested", t.prefetch.requested);
  out.set("prefetch_found", t.prefetch.found);
  out.set("flushes", t.flushes);
  out.set("backpressure_seconds", seconds(t.backpressure));
  out.set("backpressure_in_flush_seconds", seconds(t.backpressure_in_flush));
  out.set("bottleneck", std::string(bottleneck(t)));
  return out;
}

} // namespace peregrine::sync
