#include "sync/script_checker.hpp"

#include "consensus/block_inputs.hpp"

namespace peregrine::sync {

ScriptChecker::ScriptChecker(util::ThreadPool& pool) : pool_(pool), thread_([this] { run(); }) {}

ScriptChecker::~ScriptChecker() {
  {
    std::lock_guard lock(mutex_);
    stopping_ = true;
    queue_.clear();
  }
  wake_.notify_all();
  thread_.join();
}

std::future<ScriptOutcome> ScriptChecker::submit(std::shared_ptr<const wire::Block> block,
                                                 std::vector<wire::TxOut> spent, consensus::ScriptFlags flags) {
  Job job{std::move(block), std::move(spent), flags, {}};
  auto verdict = job.verdict.get_future();
  {
    std::lock_guard lock(mutex_);
    queue_.push_back(std::move(job));
  }
  wake_.notify_one();
  return verdict;
}

void ScriptChecker::hold(bool held) {
  {
    std::lock_guard lock(mutex_);
    held_ = held;
  }
  wake_.notify_all();
}

void ScriptChecker::run() {
  for (;;) {
    Job job;
    {
      std::unique_lock lock(mutex_);
      wake_.wait(lock, [this] { return stopping_ || (!held_ && !queue_.empty()); });
      if (stopping_) return;
      job = std::move(queue_.front());
      queue_.pop_front();
    }
    try {
      const auto started = std::chrono::steady_clock::now();
      auto checked = consensus::check_block_scripts(*job.block, job.spent, job.flags, &pool_);
      job.verdict.set_value(ScriptOutcome{checked ? ScriptVerdict{} : ScriptVerdict{checked.error()},
                                          std::chrono::steady_clock::now() - started});
    } catch (...) {
      job.verdict.set_exception(std::current_exception()); // e.g. bad_alloc: the chain thread decides
    }
  }
}

} // namespace peregrine::sync
