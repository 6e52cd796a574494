#include "sync/chain_worker.hpp"

#include <exception>

namespace peregrine::sync {
namespace {

using Clock = std::chrono::steady_clock;
// With script verdicts outstanding and no block to work on, the chain looks for verdicts this
// often (so the tip moves as soon as they are in, without blocking new blocks behind a wait).
constexpr std::chrono::milliseconds kVerdictPoll{1};

} // namespace

ChainWorker::ChainWorker(ChainState& chain, const HeaderTree& tree, Mode mode, std::function<void()> notify)
    : chain_(chain), tree_(tree), mode_(mode), notify_(std::move(notify)), tip_(&chain.tip()) {
  if (mode_ == Mode::thread) {
    chain_.defer_invalidation = [this](const HeaderEntry& entry) {
      // With the snapshot's list, so that an owner who takes the invalidation finds its reason.
      std::lock_guard lock(mutex_);
      invalidations_.push_back(&entry);
      snapshot_.invalid = chain_.invalid_blocks();
    };
  }
  publish();
  if (mode_ == Mode::thread) thread_ = std::thread([this] { run(); });
}

ChainWorker::~ChainWorker() {
  if (thread_.joinable()) {
    {
      std::lock_guard lock(mutex_);
      stopping_ = true;
      queue_.clear();
    }
    wake_.notify_all();
    thread_.join();
  }
  if (mode_ == Mode::thread) chain_.defer_invalidation = nullptr;
}

void ChainWorker::submit(ReceivedBlock block) {
  const std::size_t bytes = block.memory_bytes();
  if (mode_ == Mode::inline_) {
    std::vector<ReceivedBlock> one;
    one.push_back(std::move(block));
    std::deque<std::function<void()>> none;
    step(one, false, none);
    return;
  }
  queued_bytes_ += bytes;
  {
    std::lock_guard lock(mutex_);
    queue_.push_back(std::move(block));
  }
  wake_.notify_one();
}

void ChainWorker::wait_for_room(std::size_t max_bytes) {
  if (mode_ == Mode::inline_) return;
  std::unique_lock lock(mutex_);
  room_.wait(lock, [&] { return stopping_ || !snapshot_.fatal.empty() || queued_bytes_.load() <= max_bytes; });
}

void ChainWorker::activate() {
  if (mode_ == Mode::inline_) {
    std::vector<ReceivedBlock> none;
    std::deque<std::function<void()>> no_tasks;
    step(none, true, no_tasks);
    return;
  }
  {
    std::lock_guard lock(mutex_);
    activate_ = true;
  }
  wake_.notify_one();
}

void ChainWorker::settle() {
  if (mode_ != Mode::inline_) return;
  if (auto w = chain_.wait_for_checks(); !w) {
    std::lock_guard lock(mutex_);
    if (snapshot_.fatal.empty()) snapshot_.fatal = w.error();
  }
  publish();
}

void ChainWorker::post_task(std::function<void()> task) {
  {
    std::lock_guard lock(mutex_);
    if (thread_.joinable() && !finished_) {
      tasks_.push_back(std::move(task));
      task = nullptr;
    }
  }
  if (task) {
    task(); // the thread has ended: the chain is the caller's alone
    return;
  }
  wake_.notify_one();
}

std::vector<const HeaderEntry*> ChainWorker::take_invalidations() {
  std::lock_guard lock(mutex_);
  return std::exchange(invalidations_, {});
}

std::size_t ChainWorker::queued_blocks() const {
  std::lock_guard lock(mutex_);
  return queue_.size();
}

ChainSnapshot ChainWorker::snapshot() const {
  std::lock_guard lock(mutex_);
  return snapshot_;
}

std::uint64_t ChainWorker::chain_tx() const {
  std::lock_guard lock(mutex_);
  return snapshot_.chain_tx;
}

ChainStats ChainWorker::stats() const {
  std::lock_guard lock(mutex_);
  return snapshot_.stats;
}

std::size_t ChainWorker::cache_bytes() const {
  std::lock_guard lock(mutex_);
  return snapshot_.cache_bytes;
}

std::vector<InvalidBlock> ChainWorker::invalid_blocks() const {
  std::lock_guard lock(mutex_);
  return snapshot_.invalid;
}

ChainThreadTimes ChainWorker::thread_times() const {
  std::lock_guard lock(mutex_);
  return times_;
}

std::expected<void, std::string> ChainWorker::stop() {
  std::expected<void, std::string> result;
  auto finish = [&](ChainState& chain) {
    if (auto w = chain.wait_for_checks(); !w) result = std::unexpected(w.error());
    else if (auto f = chain.flush(); !f) result = std::unexpected(f.error());
  };
  if (mode_ == Mode::inline_ || !thread_.joinable()) {
    finish(chain_);
    publish();
    return result;
  }
  // A last task behind every queued block, then the thread ends.
  call([&](ChainState& chain) {
    finish(chain);
    std::lock_guard lock(mutex_);
    stopping_ = true;
  });
  thread_.join();
  publish();
  return result;
}

void ChainWorker::run() {
  auto last = Clock::now();
  for (;;) {
    std::vector<ReceivedBlock> blocks;
    std::deque<std::function<void()>> tasks;
    bool activate = false;
    {
      std::unique_lock lock(mutex_);
      // The gap before this round: waiting for blocks while behind the best header, else idle.
      auto has_work = [&] { return stopping_ || !queue_.empty() || activate_ || !tasks_.empty(); };
      if (chain_.pending_checks() > 0) wake_.wait_for(lock, kVerdictPoll, has_work);
      else wake_.wait(lock, has_work);
      if (stopping_) {
        // Calls queued before the stop (or a failure) still get their answer, or their callers
        // would wait forever; once finished_, the chain is the callers' (post_task runs inline).
        while (!tasks_.empty()) {
          tasks.swap(tasks_);
          lock.unlock();
          for (auto& task : tasks) task();
          tasks.clear();
          lock.lock();
        }
        finished_ = true;
        return;
      }
      const auto now = Clock::now();
      (&chain_.tip() != &tree_.best() ? times_.waiting : times_.idle) += now - last;
      last = now;
      blocks.swap(queue_);
      tasks.swap(tasks_);
      activate = std::exchange(activate_, false);
    }
    room_.notify_all();
    step(blocks, activate || blocks.empty(), tasks);
    const auto now = Clock::now();
    {
      std::lock_guard lock(mutex_);
      times_.busy += now - last;
      if (!snapshot_.fatal.empty()) stopping_ = true;
    }
    last = now;
    room_.notify_all();
  }
}

void ChainWorker::step(std::vector<ReceivedBlock>& blocks, bool activate, std::deque<std::function<void()>>& tasks) {
  std::string fatal;
  try {
    // While the first block is connected, the coins of the others are read ahead.
    if (blocks.size() > 1) chain_.prefetch(std::span<const ReceivedBlock>(blocks).subspan(1));
    for (auto& block : blocks) {
      const std::size_t bytes = block.memory_bytes();
      if (fatal.empty()) {
        if (auto r = chain_.process_block(std::move(block)); !r) fatal = r.error();
      }
      if (mode_ == Mode::thread) queued_bytes_ -= bytes;
      parked_bytes_ = chain_.parked_bytes();
    }
    // Also settles script verdicts that came in meanwhile.
    if (activate && fatal.empty())
      if (auto r = chain_.activate_best_chain(); !r) fatal = r.error();
  } catch (const std::exception& e) {
    fatal = std::string("the chain thread stopped: ") + e.what();
  }
  blocks.clear();
  for (auto& task : tasks) task();
  tasks.clear();
  if (!fatal.empty()) {
    std::lock_guard lock(mutex_);
    if (snapshot_.fatal.empty()) snapshot_.fatal = std::move(fatal);
  }
  publish();
}

void ChainWorker::publish() {
  const HeaderEntry* tip = &chain_.tip();
  bool changed = false;
  {
    std::lock_guard lock(mutex_);
    // The owner hears of what it acts on: a new tip, invalid blocks, a failure, room in the buffers.
    changed = snapshot_.tip != tip || snapshot_.invalid.size() != chain_.invalid_blocks().size() ||
              !snapshot_.fatal.empty() || !invalidations_.empty() || snapshot_.parked_bytes != chain_.parked_bytes() ||
              snapshot_.stats.blocks_connected != chain_.stats().blocks_connected;
    snapshot_.tip = tip;
    snapshot_.chain_tx = chain_.chain_tx();
    snapshot_.stats = chain_.stats();
    snapshot_.cache_bytes = chain_.cache_bytes();
    snapshot_.parked_bytes = chain_.parked_bytes();
    snapshot_.prefetch = chain_.prefetch_stats();
    if (snapshot_.invalid.size() != chain_.invalid_blocks().size()) snapshot_.invalid = chain_.invalid_blocks();
  }
  parked_bytes_ = chain_.parked_bytes();
  tip_.store(tip, std::memory_order_release);
  if (changed && notify_ && mode_ == Mode::thread && !notify_pending_.exchange(true)) notify_();
}

} // namespace peregrine::sync
