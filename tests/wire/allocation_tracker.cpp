#include "allocation_tracker.hpp"

#include <malloc.h>

#include <atomic>
#include <cstdlib>
#include <new>

namespace {

std::atomic<bool> g_tracking{false};
std::atomic<std::size_t> g_total{0};
std::atomic<std::size_t> g_largest{0};
std::atomic<std::size_t> g_live{0}; // usable bytes of every block new handed out and delete did not take back

void* noted(void* p) {
  if (p) g_live += malloc_usable_size(p);
  return p;
}

void release(void* p) {
  if (!p) return;
  g_live -= malloc_usable_size(p);
  std::free(p);
}

void note(std::size_t size) {
  if (!g_tracking.load(std::memory_order_relaxed)) return;
  g_total += size;
  std::size_t prev = g_largest.load();
  while (size > prev && !g_largest.compare_exchange_weak(prev, size)) {
  }
}

} // namespace

void* operator new(std::size_t size) {
  note(size);
  if (void* p = noted(std::malloc(size ? size : 1))) return p;
  throw std::bad_alloc();
}
void* operator new[](std::size_t size) { return ::operator new(size); }
void operator delete(void* p) noexcept { release(p); }
void operator delete[](void* p) noexcept { release(p); }
void operator delete(void* p, std::size_t) noexcept { release(p); }
void operator delete[](void* p, std::size_t) noexcept { release(p); }
// The nothrow forms too (std::stable_sort's temporary buffer uses them): every new and delete
// must come from the same allocator, or ASan reports a mismatch.
void* operator new(std::size_t size, const std::nothrow_t&) noexcept {
  note(size);
  return noted(std::malloc(size ? size : 1));
}
void* operator new[](std::size_t size, const std::nothrow_t& tag) noexcept { return ::operator new(size, tag); }
void operator delete(void* p, const std::nothrow_t&) noexcept { release(p); }
void operator delete[](void* p, const std::nothrow_t&) noexcept { release(p); }

namespace peregrine::test {

AllocationScope::AllocationScope() {
  g_total = 0;
  g_largest = 0;
  g_tracking = true;
}
AllocationScope::~AllocationScope() { g_tracking = false; }
std::size_t AllocationScope::total_bytes() const { return g_total; }
std::size_t AllocationScope::largest() const { return g_largest; }
std::size_t live_heap_bytes() { return g_live; }

} // namespace peregrine::test
