#pragma once
// Checks blocks' scripts in the background on the script thread pool. The chain thread hands block
// N over and goes on to update the coins for block N+1 meanwhile (scripts need only the outputs they
// spend); it learns each verdict through a future.
//
// Every submitted block is cut at once into small runs of inputs queued on the pool, so the
// workers go from one block's inputs to the next block's without waiting at block boundaries: small
// blocks keep every core busy too. A transaction's signature-hash midstates are computed by the
// first run that needs them. A block's verdict names its first failing input in block order
// (runs past a failure already found are skipped), whatever order the runs finished in.
#include <chrono>
#include <future>
#include <memory>
#include <mutex>
#include <optional>
#include <vector>

#include "consensus/block_check.hpp"
#include "consensus/script/script_flags.hpp"
#include "util/thread_pool.hpp"
#include "wire/block.hpp"

namespace peregrine::sync {

// nullopt: every script verified.
using ScriptVerdict = std::optional<consensus::BlockFailure>;

struct ScriptOutcome {
  ScriptVerdict verdict;
  std::chrono::nanoseconds time{0}; // from the first run starting to the last one ending
};

class ScriptChecker {
public:
  explicit ScriptChecker(util::ThreadPool& pool);
  ~ScriptChecker(); // runs not started yet are dropped (their futures report broken_promise)
  ScriptChecker(const ScriptChecker&) = delete;
  ScriptChecker& operator=(const ScriptChecker&) = delete;

  // spent: the output each non-coinbase input spends, in block order.
  std::future<ScriptOutcome> submit(std::shared_ptr<const wire::Block> block, std::vector<wire::TxOut> spent,
                                    consensus::ScriptFlags flags);

  // While held, submitted blocks wait unchecked: lets a test line up blocks behind an undecided one.
  void hold(bool held);

private:
  struct Job;
  void start(const std::shared_ptr<Job>& job);

  util::ThreadPool& pool_;
  std::mutex mutex_;
  std::vector<std::shared_ptr<Job>> held_jobs_;
  bool held_ = false;
  std::shared_ptr<std::atomic<bool>> cancelled_ = std::make_shared<std::atomic<bool>>(false);
};

} // namespace peregrine::sync
