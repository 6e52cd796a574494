#pragma once
// Test-only fault injection for the node's durable writes. Every write that must survive a crash
// goes through util/file_io, which asks the process's fault plan about each call; a plan names a
// site (which file), an operation and a kind of failure, and fires on the Nth matching call.
//
// Tests install a plan with set_fault_plan(); the binary reads one from PEREGRINE_FAULT at startup
// ("site:op:kind:nth", e.g. "blocks:sync:eio:3"). With no plan the cost is one relaxed atomic load
// per call. Never set it on a node whose data matters: that is its whole purpose.
#include <atomic>
#include <cstdint>
#include <expected>
#include <filesystem>
#include <optional>
#include <string>
#include <string_view>

namespace peregrine::util {

enum class FaultOp : std::uint8_t { open, write, sync, rename };

enum class FaultKind : std::uint8_t {
  enospc,  // the call fails with ENOSPC, writing nothing
  eio,     // the call fails with EIO, writing nothing (on sync: a failed fsync; on rename: a failed rename)
  short_write,   // write only: part of the bytes are written, then the rest fails with ENOSPC (a disk filling up)
  partial_write, // write only: part of the bytes are written, the rest goes on normally (write_all must loop)
  crash,   // the call succeeds, then the process is killed with SIGKILL (as a power cut right after it)
};

struct FaultPlan {
  std::string site;        // fault_site() of the file, or "*" for any file
  FaultOp op = FaultOp::write;
  FaultKind kind = FaultKind::eio;
  std::uint64_t nth = 1;   // the Nth matching call (from 1). Failures go on for every later matching
                           // call too: a full or broken disk stays so, and a retry must not succeed.
  bool operator==(const FaultPlan&) const = default;
};

inline constexpr char kFaultVariable[] = "PEREGRINE_FAULT";

// "site:op:kind:nth": op open|write|sync|rename; kind enospc|eio|short|partial|crash (short and
// partial for write only); nth a decimal from 1. The error says what is wrong.
std::expected<FaultPlan, std::string> parse_fault_plan(std::string_view text);
std::string to_string(FaultOp op);
std::string to_string(FaultKind kind);
std::string to_string(const FaultPlan& plan);

// Installs the process's plan (nullopt: none) and resets its counters. Call while no writes run.
void set_fault_plan(std::optional<FaultPlan> plan);
// Reads PEREGRINE_FAULT once: unset or empty installs nothing; a malformed value is an error that
// names the variable.
std::expected<void, std::string> load_fault_plan_from_environment();
// Calls the plan matched so far, and how many of them it failed or crashed.
std::uint64_t fault_matches();
std::uint64_t faults_injected();

// The site of a file, for plans: "blocks" (blk*.dat), "undo" (rev*.dat), a LevelDB file's database
// folder ("chainstate", "headers"), "snapshot" for a UTXO snapshot being written (*.incomplete),
// otherwise the file's own name without a ".tmp" suffix
// ("peers.dat", "banlist.json").
std::string fault_site(const std::filesystem::path& file);

namespace detail {
extern std::atomic<bool> fault_armed;
std::optional<FaultKind> match_fault(FaultOp op, const std::filesystem::path& file);
} // namespace detail

// What the plan does to this call: nullopt (almost always) to do it normally. A match is noted on
// stderr ("PEREGRINE_FAULT: ...") so that a test can tell the fault was reached.
inline std::optional<FaultKind> fault_for(FaultOp op, const std::filesystem::path& file) {
  if (!detail::fault_armed.load(std::memory_order_relaxed)) return std::nullopt;
  return detail::match_fault(op, file);
}

// The crash kind: SIGKILL, which nothing can catch, right now.
[[noreturn]] void crash_now();

} // namespace peregrine::util
