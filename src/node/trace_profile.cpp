#include "node/trace_profile.hpp"

#include <algorithm>

namespace peregrine::node {
namespace {

std::chrono::nanoseconds from_us(std::uint64_t us) {
  // A hostile trace's sums can be huge: each is kept under 2^48 us (9 years), so the report's own
  // sums of a few dozen of them still fit in int64 nanoseconds.
  constexpr std::uint64_t kMaxUs = std::uint64_t{1} << 48;
  return std::chrono::microseconds(static_cast<std::int64_t>(std::min(us, kMaxUs)));
}

} // namespace

sync::ProfileTotals profile_from_trace(const TraceSummary& trace) {
  const TraceBucket& t = trace.totals;
  auto stage = [&](TraceStage s) { return from_us(t.stage_us[static_cast<std::size_t>(s)]); };
  sync::ChainTimings timings;
  timings.block_check = stage(TraceStage::block_check);
  timings.coins_hit = stage(TraceStage::coins_hit);
  timings.coins_miss = stage(TraceStage::coins_miss);
  timings.script_wait = stage(TraceStage::script_wait);
  timings.undo_write = stage(TraceStage::undo_write);
  timings.utxo_flush = stage(TraceStage::utxo_flush);
  timings.script_cpu = from_us(t.script_cpu_us);
  timings.coin_hits = t.coin_hits;
  timings.coin_misses = t.coin_misses;

  const auto traced = from_us(t.stage_total_us());
  const auto wall = trace.has_elapsed ? std::max(from_us(t.last_elapsed_us), traced) : traced;
  sync::ChainThreadTimes thread;
  thread.busy = traced;
  thread.waiting = wall - traced;

  sync::ProfileTotals totals;
  totals.wall = wall;
  totals.timings = timings;
  totals.flushes = t.flushes;
  totals.chain = sync::chain_thread_profile(timings, thread);
  // The chain's own table, relabelled where a trace knows less than the live report.
  std::erase_if(totals.chain.stages, [](const sync::Stage& s) { return s.key == "block_write" || s.key == "other" || s.key == "idle"; });
  for (auto& s : totals.chain.stages) {
    if (s.key != "waiting_for_blocks") continue;
    s.key = "untraced";
    s.label = "not traced: waits, writes, other";
    s.resource = sync::Resource::idle;
  }
  totals.feeder = {"feeder", {{"deserialize", "decoding blocks", from_us(t.deserialize_us), sync::Resource::cpu}}};
  return totals;
}

} // namespace peregrine::node
