// peregrine: the command-line entry point. Everything else lives in the modules.
#include <malloc.h>

#include <iostream>
#include <string>
#include <vector>

#include "node/commands.hpp"
#include "util/fault_plan.hpp"

int main(int argc, char** argv) {
  // glibc gives each thread that allocates an arena of its own, up to eight per core, and memory
  // freed in one stays there: blocks decoded on the io thread and freed on the chain thread, coins
  // read on prefetch threads. Two arenas keep that slack from growing with the thread count
  // (measured: peak RSS of a 10-million-coin sync 834 -> 733 MiB, the same speed).
  mallopt(M_ARENA_MAX, 2);
  // A fixed threshold: allocations of 4 MiB and more (UTXO flush batches, the coins index) are
  // mapped and unmapped on their own. Left dynamic, glibc raises it to the largest block freed (a
  // 32 MiB flush batch), after which freed block buffers and coin chunks stay resident in the heap:
  // peak RSS of the same sync varied 663-937 MiB at dbcache 450; fixed, 623-625 MiB.
  mallopt(M_MMAP_THRESHOLD, 4 << 20);
  std::ios::sync_with_stdio(false);
  // Tests only: a write fault to inject (doc/durability.md). Read once, before anything is written.
  if (auto fault = peregrine::util::load_fault_plan_from_environment(); !fault) {
    std::cerr << "peregrine: " << fault.error() << "\n";
    return 2;
  }
  std::vector<std::string> args(argv + 1, argv + argc);
  return peregrine::node::run_cli(args, std::cout, std::cerr);
}
