#include <doctest/doctest.h>

#include <atomic>
#include <chrono>
#include <stdexcept>
#include <thread>
#include <vector>

#include "util/thread_pool.hpp"

using peregrine::util::TaskGroup;
using peregrine::util::ThreadPool;

TEST_CASE("parallel_for covers every index exactly once, whatever the grain") {
  ThreadPool pool(3);
  CHECK(pool.size() == 3);
  for (std::size_t grain : {1u, 7u, 1000u, 5000u}) {
    CAPTURE(grain);
    std::vector<std::atomic<int>> hits(1000);
    pool.parallel_for(hits.size(), grain, [&](std::size_t begin, std::size_t end) {
      CHECK(begin < end);
      CHECK(end - begin <= grain);
      for (std::size_t i = begin; i < end; ++i) hits[i].fetch_add(1);
    });
    for (auto& h : hits) CHECK(h.load() == 1);
  }
  pool.parallel_for(0, 4, [](std::size_t, std::size_t) { FAIL("no work, no call"); });
}

TEST_CASE("work runs on the pool's threads, several at once") {
  ThreadPool pool(2);
  std::atomic<int> running{0}, peak{0};
  pool.parallel_for(2, 1, [&](std::size_t, std::size_t) {
    int now = ++running;
    int seen = peak.load();
    while (now > seen && !peak.compare_exchange_weak(seen, now)) {
    }
    // Wait (bounded) until the other task has started too, to see them overlap.
    for (int i = 0; i < 10000 && peak.load() < 2; ++i)
      std::this_thread::sleep_for(std::chrono::milliseconds(1));
    --running;
  });
  CHECK(peak.load() == 2);
}

TEST_CASE("a task group waits for what it submitted and passes on the first exception") {
  ThreadPool pool(2);
  std::atomic<int> done{0};
  {
    TaskGroup group(pool);
    for (int i = 0; i < 50; ++i) group.submit([&] { ++done; });
    group.wait();
    CHECK(done.load() == 50);
    group.submit([] { throw std::runtime_error("boom"); });
    group.submit([&] { ++done; });
    CHECK_THROWS_AS(group.wait(), std::runtime_error);
    CHECK(done.load() == 51);
    group.wait(); // the error was reported once
  }
  // Exceptions thrown by parallel_for's body reach the caller too.
  CHECK_THROWS_AS(pool.parallel_for(10, 1,
                                    [](std::size_t b, std::size_t) {
                                      if (b == 3) throw std::logic_error("three");
                                    }),
                  std::logic_error);
}

TEST_CASE("destroying a pool finishes queued work first; zero workers means one per core") {
  std::atomic<int> done{0};
  {
    ThreadPool pool(1);
    TaskGroup group(pool);
    for (int i = 0; i < 20; ++i) group.submit([&] { ++done; });
  } // the group's destructor waits, then the pool joins
  CHECK(done.load() == 20);
  ThreadPool automatic(0);
  CHECK(automatic.size() >= 1);
}
