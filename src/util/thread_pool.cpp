#include "util/thread_pool.hpp"

#include <algorithm>
#include <atomic>
#include <utility>

namespace peregrine::util {

ThreadPool::ThreadPool(std::size_t workers) {
  if (workers == 0) workers = std::max(1u, std::thread::hardware_concurrency());
  workers_.reserve(workers);
  for (std::size_t i = 0; i < workers; ++i) workers_.emplace_back([this] { work(); });
}

ThreadPool::~ThreadPool() {
  {
    std::lock_guard lock(mutex_);
    stopping_ = true;
  }
  wake_.notify_all();
  for (auto& t : workers_) t.join();
}

void ThreadPool::enqueue(std::function<void()> task) {
  {
    std::lock_guard lock(mutex_);
    queue_.push_back(std::move(task));
  }
  wake_.notify_one();
}

void ThreadPool::work() {
  for (;;) {
    std::function<void()> task;
    {
      std::unique_lock lock(mutex_);
      wake_.wait(lock, [this] { return stopping_ || !queue_.empty(); });
      if (queue_.empty()) return; // stopping, and nothing left to run
      task = std::move(queue_.front());
      queue_.pop_front();
    }
    task();
  }
}

void ThreadPool::parallel_for(std::size_t count, std::size_t grain,
                              const std::function<void(std::size_t, std::size_t)>& fn) {
  if (count == 0) return;
  grain = std::max<std::size_t>(grain, 1);
  std::atomic<std::size_t> next{0};
  TaskGroup group(*this);
  std::size_t tasks = std::min(size(), (count + grain - 1) / grain);
  for (std::size_t t = 0; t < tasks; ++t) {
    group.submit([&] {
      for (;;) {
        std::size_t begin = next.fetch_add(grain, std::memory_order_relaxed);
        if (begin >= count) return;
        fn(begin, std::min(count, begin + grain));
      }
    });
  }
  group.wait();
}

TaskGroup::~TaskGroup() {
  std::unique_lock lock(mutex_);
  done_.wait(lock, [this] { return pending_ == 0; });
}

void TaskGroup::submit(std::function<void()> task) {
  {
    std::lock_guard lock(mutex_);
    ++pending_;
  }
  pool_.enqueue([this, task = std::move(task)]() mutable {
    std::exception_ptr error;
    try {
      task();
    } catch (...) {
      error = std::current_exception();
    }
    task = nullptr; // drop what the task captured before the group can be destroyed
    finished(error);
  });
}

void TaskGroup::finished(std::exception_ptr error) {
  std::lock_guard lock(mutex_);
  if (error && !error_) error_ = error;
  // Notify under the lock: the waiter may destroy this group as soon as it sees pending_ == 0.
  if (--pending_ == 0) done_.notify_all();
}

void TaskGroup::wait() {
  std::unique_lock lock(mutex_);
  done_.wait(lock, [this] { return pending_ == 0; });
  if (error_) {
    std::exception_ptr error = std::exchange(error_, nullptr);
    lock.unlock();
    std::rethrow_exception(error);
  }
}

} // namespace peregrine::util
