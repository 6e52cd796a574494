#pragma once
// The chain thread (DESIGN.md): ChainState, the coins cache and every block, undo and UTXO write
// run here, so the thread that talks to peers (or reads files, for import) goes on while the chain
// connects blocks and flushes. Blocks come in by move through a queue whose bytes the owner reads
// to slow its supply (backpressure); what the chain did goes back as a published snapshot and a
// notification that the owner turns into work on its own thread.
//
// The tree's shape stays with the owner's thread (see HeaderTree): a block found invalid here is
// handed back through take_invalidations(), the owner invalidates it in the tree, stores the
// changed headers and calls activate().
//
// Mode::inline_ runs every call at once on the caller's thread, with no thread of its own: tests
// and fuzz targets stay deterministic on the same code path, and the chain invalidates in the tree
// itself (the caller owns both).
#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstddef>
#include <deque>
#include <expected>
#include <functional>
#include <future>
#include <mutex>
#include <string>
#include <thread>
#include <type_traits>
#include <vector>

#include "sync/chain_state.hpp"

namespace peregrine::sync {

// What the chain has done, as of its last step.
struct ChainSnapshot {
  const HeaderEntry* tip = nullptr;
  std::uint64_t chain_tx = 0;
  ChainStats stats;
  std::size_t cache_bytes = 0;
  std::size_t parked_bytes = 0;
  PrefetchStats prefetch;
  std::vector<InvalidBlock> invalid;
  std::string fatal; // a store failed: the chain stopped
};

// The chain thread's wall time: working, waiting for blocks while the chain is behind the best
// header (the network's share), and idle with nothing to do.
struct ChainThreadTimes {
  std::chrono::nanoseconds busy{0};
  std::chrono::nanoseconds waiting{0};
  std::chrono::nanoseconds idle{0};
};

class ChainWorker {
public:
  enum class Mode { thread, inline_ };

  // notify: called (from the chain thread) after a step that changed something, at most once until
  // the owner calls notification_handled(); the owner posts the handling to its own thread.
  ChainWorker(ChainState& chain, const HeaderTree& tree, Mode mode, std::function<void()> notify = {});
  ~ChainWorker(); // abandons what is queued: call stop() first to keep it
  ChainWorker(const ChainWorker&) = delete;
  ChainWorker& operator=(const ChainWorker&) = delete;

  // A block whose header the tree accepted. Never blocks.
  void submit(ReceivedBlock block);
  // Blocks the caller while more than max_bytes of blocks wait for the chain (import's reader).
  void wait_for_room(std::size_t max_bytes);
  // The best header changed (new headers, or an invalidation the owner made).
  void activate();
  // Inline mode: waits for the script checks under way and commits them (a thread of its own does
  // that by itself, so there this does nothing).
  void settle();
  // Runs fn(chain) on the chain thread between blocks and returns its result (RPC, figures), the
  // snapshot published after it.
  template <class Fn> auto call(Fn&& fn) -> std::invoke_result_t<Fn, ChainState&>;

  // Blocks the chain found invalid, for the owner to invalidate in the tree (thread mode only).
  std::vector<const HeaderEntry*> take_invalidations();
  void notification_handled() { notify_pending_.store(false); }

  // Processes what is queued, settles the script checks and flushes; the thread then ends.
  std::expected<void, std::string> stop();

  const HeaderEntry& tip() const { return *tip_.load(std::memory_order_acquire); }
  // Bytes of blocks held for the chain: queued, or decoded and waiting for a parent.
  std::size_t buffered_bytes() const { return queued_bytes_.load() + parked_bytes_.load(); }
  std::size_t queued_blocks() const;
  ChainSnapshot snapshot() const;
  // Single figures of the snapshot, for reports that read one or two.
  std::uint64_t chain_tx() const;
  ChainStats stats() const;
  std::size_t cache_bytes() const;
  std::vector<InvalidBlock> invalid_blocks() const;
  ChainThreadTimes thread_times() const;
  // Any thread: the chain is writing its coins cache out.
  bool flushing() const { return chain_.flushing(); }

private:
  void run();
  // One round: the queued blocks, an activation, the tasks; then publish.
  void step(std::vector<ReceivedBlock>& blocks, bool activate, std::deque<std::function<void()>>& tasks);
  void publish();
  void post_task(std::function<void()> task);

  ChainState& chain_;
  const HeaderTree& tree_;
  const Mode mode_;
  std::function<void()> notify_;
  std::atomic<bool> notify_pending_{false};
  std::atomic<const HeaderEntry*> tip_;
  std::atomic<std::size_t> queued_bytes_{0};
  std::atomic<std::size_t> parked_bytes_{0};

  mutable std::mutex mutex_;
  std::condition_variable wake_;      // work for the chain thread
  std::condition_variable room_;      // the queue shrank
  std::vector<ReceivedBlock> queue_;
  std::deque<std::function<void()>> tasks_;
  std::vector<const HeaderEntry*> invalidations_;
  bool activate_ = false;
  bool stopping_ = false;
  bool finished_ = false;             // the thread ran its last task: calls run on the caller's thread
  ChainSnapshot snapshot_;             // under mutex_
  ChainThreadTimes times_;             // under mutex_
  std::thread thread_;                 // last: starts once the rest is built
};

template <class Fn> auto ChainWorker::call(Fn&& fn) -> std::invoke_result_t<Fn, ChainState&> {
  using R = std::invoke_result_t<Fn, ChainState&>;
  // Published before the caller has the result, so what fn did (a new tip) is what it reads next.
  auto run = [this, &fn]() -> R {
    if constexpr (std::is_void_v<R>) {
      fn(chain_);
      publish();
    } else {
      R result = fn(chain_);
      publish();
      return result;
    }
  };
  if (mode_ == Mode::inline_) return run();
  std::packaged_task<R()> task(run);
  auto result = task.get_future();
  post_task([&task] { task(); });
  return result.get();
}

} // namespace peregrine::sync
