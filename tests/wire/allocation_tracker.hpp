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

} // namespace peregrine::test
