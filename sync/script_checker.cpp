#include "sync/script_checker.hpp"

#include <atomic>
#include <limits>

#include "consensus/block_scripts.hpp"
#include "consensus/script/precomputed_tx.hpp"
#include "consensus/script/verify_script.hpp"

namespace peregrine::sync {
namespace {

using Clock = std::chrono::steady_clock;
// Inputs per run: small enough that a block's cost (which sits in a few transactions, inputs
// differing a thousandfold) spreads over the workers, large enough that queueing a run is noise.
constexpr std::size_t kInputsPerRun = 16;
constexpr std::size_t kNoFailure = std::numeric_limits<std::size_t>::max();

} // namespace

// One block's checks, shared by its runs; the last run to finish delivers the verdict.
struct ScriptChecker::Job {
  std::shared_ptr<const wire::Block> block;
  std::vector<wire::TxOut> spent;
  consensus::ScriptFlags flags{};
  std::vector<consensus::InputRef> inputs;  // every non-coinbase input, block order
  std::vector<std::size_t> first_spent;     // per transaction: where its inputs start in `spent`
  std::vector<std::optional<consensus::PrecomputedTx>> prepared;
  std::unique_ptr<std::once_flag[]> prepare_once;
  std::vector<consensus::ScriptError> errors; // by input; written only by the run that owns it
  std::atomic<std::size_t> first_failure{kNoFailure};
  std::atomic<std::size_t> runs_left{0};
  std::atomic<Clock::rep> started{0};
  std::mutex exception_mutex;
  std::exception_ptr exception;
  std::promise<ScriptOutcome> verdict;
  std::shared_ptr<std::atomic<bool>> cancelled;

  void run(std::size_t begin, std::size_t end);
  void finish();
};

void ScriptChecker::Job::run(std::size_t begin, std::size_t end) {
  Clock::rep none = 0;
  started.compare_exchange_strong(none, Clock::now().time_since_epoch().count());
  try {
    for (std::size_t k = begin; k < end && !cancelled->load(std::memory_order_relaxed); ++k) {
      if (k > first_failure.load(std::memory_order_relaxed)) break; // a failure earlier in the block decides
      const consensus::InputRef ref = inputs[k];
      std::call_once(prepare_once[ref.tx], [&] {
        const std::size_t first = std::min(first_spent[ref.tx], spent.size());
        const std::size_t n = std::min(block->txs[ref.tx].inputs.size(), spent.size() - first);
        prepared[ref.tx].emplace(block->txs[ref.tx], std::span<const wire::TxOut>(spent).subspan(first, n));
      });
      if (auto verified = consensus::verify_input(*prepared[ref.tx], ref.input, flags); !verified) {
        errors[k] = verified.error();
        std::size_t seen = first_failure.load();
        while (k < seen && !first_failure.compare_exchange_weak(seen, k)) {
        }
        break;
      }
    }
  } catch (...) {
    std::lock_guard lock(exception_mutex);
    if (!exception) exception = std::current_exception(); // e.g. bad_alloc: the chain thread decides
  }
  if (runs_left.fetch_sub(1, std::memory_order_acq_rel) == 1) finish();
}

void ScriptChecker::Job::finish() {
  if (cancelled->load()) return; // no verdict: the promise breaks with the job
  if (exception) {
    verdict.set_exception(exception);
    return;
  }
  ScriptOutcome outcome;
  const Clock::time_point began{Clock::duration(started.load())};
  outcome.time = began.time_since_epoch().count() == 0 ? Clock::duration{0} : Clock::now() - began;
  if (const std::size_t k = first_failure.load(); k != kNoFailure) {
    const consensus::InputRef ref = inputs[k];
    outcome.verdict =
        consensus::BlockFailure{consensus::BlockError::script_failed, ref.tx, std::nullopt, ref.input, errors[k], std::nullopt};
  }
  verdict.set_value(std::move(outcome));
}

ScriptChecker::ScriptChecker(util::ThreadPool& pool) : pool_(pool) {}

ScriptChecker::~ScriptChecker() {
  cancelled_->store(true); // queued runs return at once; their jobs end with no verdict read
}

std::future<ScriptOutcome> ScriptChecker::submit(std::shared_ptr<const wire::Block> block,
                                                 std::vector<wire::TxOut> spent, consensus::ScriptFlags flags) {
  auto job = std::make_shared<Job>();
  job->block = std::move(block);
  job->spent = std::move(spent);
  job->flags = flags;
  job->cancelled = cancelled_;
  const auto& txs = job->block->txs;
  job->first_spent.assign(txs.size(), 0);
  for (std::size_t t = 1; t < txs.size(); ++t) {
    job->first_spent[t] = job->inputs.size();
    for (std::size_t i = 0; i < txs[t].inputs.size(); ++i)
      job->inputs.push_back({static_cast<std::uint32_t>(t), static_cast<std::uint32_t>(i)});
  }
  job->prepared.resize(txs.size());
  job->prepare_once = std::make_unique<std::once_flag[]>(txs.size());
  job->errors.assign(job->inputs.size(), consensus::ScriptError::ok);
  auto verdict = job->verdict.get_future();
  {
    std::lock_guard lock(mutex_);
    if (held_) {
      held_jobs_.push_back(std::move(job));
      return verdict;
    }
  }
  start(job);
  return verdict;
}

void ScriptChecker::start(const std::shared_ptr<Job>& job) {
  const std::size_t runs = (job->inputs.size() + kInputsPerRun - 1) / kInputsPerRun;
  if (runs == 0) {
    job->finish();
    return;
  }
  job->runs_left.store(runs);
  for (std::size_t r = 0; r < runs; ++r) {
    const std::size_t begin = r * kInputsPerRun;
    const std::size_t end = std::min(job->inputs.size(), begin + kInputsPerRun);
    pool_.post([job, begin, end] { job->run(begin, end); });
  }
}

void ScriptChecker::hold(bool held) {
  std::vector<std::shared_ptr<Job>> release;
  {
    std::lock_guard lock(mutex_);
    held_ = held;
    if (!held) release.swap(held_jobs_);
  }
  for (const auto& job : release) start(job);
}

} // namespace peregrine::sync
