#pragma once
// Checks blocks' scripts in the background, in the order they were submitted, each spread over the
// script thread pool. The chain thread hands block N over and goes on to update the coins for block
// N+1 meanwhile (scripts need only the outputs they spend); it learns each verdict through a future.
#include <chrono>
#include <condition_variable>
#include <deque>
#include <future>
#include <memory>
#include <mutex>
#include <optional>
#include <thread>
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
  std::chrono::nanoseconds time{0}; // wall time of the block's checks on the pool
};

class ScriptChecker {
public:
  explicit ScriptChecker(util::ThreadPool& pool);
  ~ScriptChecker(); // abandons queued blocks (their futures report broken_promise), then joins
  ScriptChecker(const ScriptChecker&) = delete;
  ScriptChecker& operator=(const ScriptChecker&) = delete;

  // spent: the output each non-coinbase input spends, in block order.
  std::future<ScriptOutcome> submit(std::shared_ptr<const wire::Block> block, std::vector<wire::TxOut> spent,
                                    consensus::ScriptFlags flags);

  // While held, queued blocks wait unchecked: lets a test line up blocks behind an undecided one.
  void hold(bool held);

private:
  struct Job {
    std::shared_ptr<const wire::Block> block;
    std::vector<wire::TxOut> spent;
    consensus::ScriptFlags flags{};
    std::promise<ScriptOutcome> verdict;
  };
  void run();

  util::ThreadPool& pool_;
  std::mutex mutex_;
  std::condition_variable wake_;
  std::deque<Job> queue_;
  bool stopping_ = false;
  bool held_ = false;
  std::thread thread_; // last: starts once the rest is built
};

} // namespace peregrine::sync
