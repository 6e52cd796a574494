#pragma once
// Tasks posted from other threads (the block server's read completions), run on the test's thread
// as the io thread would run them.
#include <chrono>
#include <condition_variable>
#include <deque>
#include <functional>
#include <mutex>

namespace peregrine::test {

class PostedTasks {
public:
  void post(std::function<void()> task) {
    std::lock_guard lock(mutex_);
    tasks_.push_back(std::move(task));
    posted_.notify_all();
  }
  std::function<void(std::function<void()>)> poster() {
    return [this](std::function<void()> task) { post(std::move(task)); };
  }
  // Runs posted tasks here until done() holds; false after 10 s.
  template <class Pred> bool run_until(Pred done) {
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(10);
    while (!done()) {
      std::unique_lock lock(mutex_);
      if (!posted_.wait_until(lock, deadline, [this] { return !tasks_.empty(); })) return false;
      auto task = std::move(tasks_.front());
      tasks_.pop_front();
      lock.unlock();
      task();
    }
    return true;
  }

private:
  std::mutex mutex_;
  std::condition_variable posted_;
  std::deque<std::function<void()>> tasks_;
};

} // namespace peregrine::test
