#pragma once
// Every script of a block against the outputs its inputs spend, spread over a thread pool:
// first each transaction's signature-hash midstates, then the inputs in small ranges claimed by
// whichever worker is free (inputs differ in cost by a thousand times).
#include <cstdint>
#include <optional>
#include <span>
#include <vector>

#include "consensus/script/script_error.hpp"
#include "consensus/script/script_flags.hpp"
#include "util/hash256.hpp"
#include "util/thread_pool.hpp"
#include "wire/block.hpp"

namespace peregrine::consensus {

struct InputRef {
  std::uint32_t tx = 0;    // index in the block (never the coinbase, 0)
  std::uint32_t input = 0; // index in the transaction
};

struct BlockScriptResult {
  std::vector<InputRef> inputs;    // every non-coinbase input, block order
  std::vector<ScriptError> errors; // by input; ScriptError::ok when it verified
  std::size_t valid = 0;
  std::size_t invalid = 0;
  // The first failing input in block order, if any (index into inputs).
  std::optional<std::size_t> first_failure;
};

// spent[k] is the output that the k-th non-coinbase input (block order) spends; an input
// without one fails with unknown_error. With pool == nullptr everything runs on this thread.
BlockScriptResult verify_block_scripts(const wire::Block& block, std::span<const wire::TxOut> spent,
                                       ScriptFlags flags, util::ThreadPool* pool);

} // namespace peregrine::consensus
