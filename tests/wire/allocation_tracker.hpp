#pragma once
// Measures heap use inside a scope, so tests can prove that forged counts allocate nothing.
// Replaces the global operator new of the test executable it is linked into.
#include <cstddef>

namespace peregrine::test {

class AllocationScope {
public:
  AllocationScope();
  ~AllocationScope();
  std::size_t total_bytes() const; // bytes requested while this scope was open
  std::size_t largest() const;     // the largest single request
};

// Usable bytes (malloc_usable_size) of every block operator new handed out and delete has not
// taken back, in any scope and thread: what the program really holds through new.
std::size_t live_heap_bytes();

} // namespace peregrine::test
