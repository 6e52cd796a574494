#pragma once
// A fixed set of worker threads fed from one queue. Work is submitted in batches (TaskGroup) whose
// completion the submitter waits for, blocked on a condition variable: no busy waiting anywhere.
// Script validation uses it for a block's inputs; the chain-state validator reuses it.
#include <condition_variable>
#include <cstddef>
#include <deque>
#include <exception>
#include <functional>
#include <mutex>
#include <thread>
#include <vector>

namespace peregrine::util {

class ThreadPool {
public:
  // workers == 0 means one per hardware thread.
  explicit ThreadPool(std::size_t workers);
  ~ThreadPool(); // finishes queued tasks, then joins
  ThreadPool(const ThreadPool&) = delete;
  ThreadPool& operator=(const ThreadPool&) = delete;

  std::size_t size() const { return workers_.size(); }

  // Runs fn(begin, end) over consecutive ranges of at most `grain` indices covering [0, count),
  // on every worker; ranges are claimed dynamically so uneven costs still balance. Returns when
  // all ranges are done; the first exception thrown by fn is rethrown here.
  void parallel_for(std::size_t count, std::size_t grain,
                    const std::function<void(std::size_t, std::size_t)>& fn);

  // Runs task on a worker, in submission order, with no completion to wait for: the task reports
  // its own result and must not throw.
  void post(std::function<void()> task) { enqueue(std::move(task)); }

private:
  friend class TaskGroup;
  void enqueue(std::function<void()> task);
  void work();

  std::mutex mutex_;
  std::condition_variable wake_;
  std::deque<std::function<void()>> queue_;
  bool stopping_ = false;
  std::vector<std::thread> workers_;
};

// A batch of tasks on a pool; wait() blocks until every task submitted so far has finished.
class TaskGroup {
public:
  explicit TaskGroup(ThreadPool& pool) : pool_(pool) {}
  ~TaskGroup(); // waits, so no task outlives what it captured by reference
  TaskGroup(const TaskGroup&) = delete;
  TaskGroup& operator=(const TaskGroup&) = delete;

  void submit(std::function<void()> task);
  // Rethrows the first exception a task threw (later ones are dropped).
  void wait();

private:
  void finished(std::exception_ptr error);

  ThreadPool& pool_;
  std::mutex mutex_;
  std::condition_variable done_;
  std::size_t pending_ = 0;
  std::exception_ptr error_;
};

} // namespace peregrine::util
