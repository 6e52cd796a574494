#include "util/fault_plan.hpp"

#include <charconv>
#include <csignal>
#include <cstdlib>
#include <mutex>
#include <vector>

#include <unistd.h>

#include <fmt/format.h>

namespace peregrine::util {
namespace detail {
std::atomic<bool> fault_armed{false};
} // namespace detail

namespace {

// The plan and its counters; read only once armed, so the lock costs nothing without a plan.
struct State {
  std::mutex mutex;
  std::optional<FaultPlan> plan;
  std::uint64_t matches = 0;
  std::uint64_t injected = 0;
};

State& state() {
  static State* s = new State; // never destroyed: LevelDB's background thread may write at exit
  return *s;
}

bool all_digits(std::string_view s) {
  return !s.empty() && s.find_first_not_of("0123456789") == std::string_view::npos;
}

// A name LevelDB gives the files of a database: CURRENT, LOCK, LOG, LOG.old, MANIFEST-N, N.log,
// N.ldb, N.sst, N.dbtmp.
bool leveldb_file(std::string_view name) {
  if (name == "CURRENT" || name == "LOCK" || name == "LOG" || name == "LOG.old") return true;
  if (name.starts_with("MANIFEST-")) return all_digits(name.substr(9));
  const auto dot = name.find('.');
  if (dot == std::string_view::npos || !all_digits(name.substr(0, dot))) return false;
  const std::string_view ext = name.substr(dot);
  return ext == ".log" || ext == ".ldb" || ext == ".sst" || ext == ".dbtmp";
}

bool numbered(std::string_view name, std::string_view prefix) {
  return name.starts_with(prefix) && name.ends_with(".dat") &&
         all_digits(name.substr(prefix.size(), name.size() - prefix.size() - 4));
}

template <class E>
std::optional<E> find_name(std::string_view text, std::initializer_list<std::pair<std::string_view, E>> names) {
  for (const auto& [name, value] : names)
    if (name == text) return value;
  return std::nullopt;
}

} // namespace

std::string to_string(FaultOp op) {
  switch (op) {
  case FaultOp::open: return "open";
  case FaultOp::write: return "write";
  case FaultOp::sync: return "sync";
  case FaultOp::rename: return "rename";
  }
  return "?";
}

std::string to_string(FaultKind kind) {
  switch (kind) {
  case FaultKind::enospc: return "enospc";
  case FaultKind::eio: return "eio";
  case FaultKind::short_write: return "short";
  case FaultKind::partial_write: return "partial";
  case FaultKind::crash: return "crash";
  }
  return "?";
}

std::string to_string(const FaultPlan& plan) {
  return fmt::format("{}:{}:{}:{}", plan.site, to_string(plan.op), to_string(plan.kind), plan.nth);
}

std::expected<FaultPlan, std::string> parse_fault_plan(std::string_view text) {
  // Split from the right: the last three fields are fixed words, the site is the rest.
  std::vector<std::string_view> fields;
  std::string_view rest = text;
  for (int i = 0; i < 3; ++i) {
    const auto colon = rest.rfind(':');
    if (colon == std::string_view::npos)
      return std::unexpected(fmt::format("\"{}\" is not site:op:kind:nth", text));
    fields.insert(fields.begin(), rest.substr(colon + 1));
    rest = rest.substr(0, colon);
  }
  FaultPlan plan;
  plan.site = std::string(rest);
  if (plan.site.empty()) return std::unexpected(fmt::format("\"{}\": the site is empty", text));
  auto op = find_name<FaultOp>(fields[0], {{"open", FaultOp::open}, {"write", FaultOp::write},
                                           {"sync", FaultOp::sync}, {"rename", FaultOp::rename}});
  if (!op) return std::unexpected(fmt::format("\"{}\": unknown operation \"{}\" (open, write, sync, rename)", text, fields[0]));
  auto kind = find_name<FaultKind>(fields[1], {{"enospc", FaultKind::enospc}, {"eio", FaultKind::eio},
                                               {"short", FaultKind::short_write},
                                               {"partial", FaultKind::partial_write}, {"crash", FaultKind::crash}});
  if (!kind)
    return std::unexpected(fmt::format("\"{}\": unknown kind \"{}\" (enospc, eio, short, partial, crash)", text, fields[1]));
  if ((*kind == FaultKind::short_write || *kind == FaultKind::partial_write) && *op != FaultOp::write)
    return std::unexpected(fmt::format("\"{}\": a {} write is a write fault (op write)", text, fields[1]));
  const std::string_view n = fields[2];
  auto [end, ec] = std::from_chars(n.data(), n.data() + n.size(), plan.nth);
  if (n.empty() || ec != std::errc{} || end != n.data() + n.size() || plan.nth == 0)
    return std::unexpected(fmt::format("\"{}\": the occurrence \"{}\" is not a number from 1", text, n));
  plan.op = *op;
  plan.kind = *kind;
  return plan;
}

void set_fault_plan(std::optional<FaultPlan> plan) {
  State& s = state();
  std::lock_guard lock(s.mutex);
  s.plan = std::move(plan);
  s.matches = 0;
  s.injected = 0;
  detail::fault_armed.store(s.plan.has_value(), std::memory_order_relaxed);
}

std::expected<void, std::string> load_fault_plan_from_environment() {
  const char* value = std::getenv(kFaultVariable);
  if (!value || !*value) return {};
  auto plan = parse_fault_plan(value);
  if (!plan) return std::unexpected(fmt::format("{}: {}", kFaultVariable, plan.error()));
  set_fault_plan(std::move(*plan));
  return {};
}

std::uint64_t fault_matches() {
  State& s = state();
  std::lock_guard lock(s.mutex);
  return s.matches;
}

std::uint64_t faults_injected() {
  State& s = state();
  std::lock_guard lock(s.mutex);
  return s.injected;
}

std::string fault_site(const std::filesystem::path& file) {
  std::string name = file.filename().string();
  if (numbered(name, "blk")) return "blocks";
  if (numbered(name, "rev")) return "undo";
  if (leveldb_file(name)) return file.parent_path().filename().string();
  if (name.ends_with(".incomplete")) return "snapshot"; // a UTXO snapshot being written (sync/snapshot_dump)
  if (name.ends_with(".tmp")) name.resize(name.size() - 4);
  return name;
}

namespace detail {

std::optional<FaultKind> match_fault(FaultOp op, const std::filesystem::path& file) {
  State& s = state();
  std::unique_lock lock(s.mutex);
  if (!s.plan || s.plan->op != op) return std::nullopt;
  if (s.plan->site != "*" && s.plan->site != fault_site(file)) return std::nullopt;
  const std::uint64_t n = ++s.matches;
  if (n < s.plan->nth) return std::nullopt;
  // A crash happens once (there is no later call); a failure goes on, as a broken disk does.
  if (s.plan->kind == FaultKind::crash && n > s.plan->nth) return std::nullopt;
  ++s.injected;
  const FaultKind kind = s.plan->kind;
  const std::string line = fmt::format("{}: {} {} of {} (call {})\n", kFaultVariable, to_string(kind),
                                       to_string(op), file.string(), n);
  lock.unlock();
  // Straight to the descriptor: the node's logger may be the thing being tested.
  [[maybe_unused]] const ssize_t written = ::write(STDERR_FILENO, line.data(), line.size());
  return kind;
}

} // namespace detail

void crash_now() {
  ::raise(SIGKILL);
  std::_Exit(137); // not reached: SIGKILL cannot be caught
}

} // namespace peregrine::util
