#pragma once
// JSON descriptions of decoded objects, shared by `decode` and the commands that report on blocks.
#include <cstddef>

#include "util/json.hpp"
#include "wire/block.hpp"
#include "wire/transaction.hpp"

namespace peregrine::node {

// A description and whether the object passed every check that needs no chain context
// (merkle root, mutation, witness commitment).
struct Description {
  util::json::Value json;
  bool ok = true;
};

util::json::Value describe_header(const wire::BlockHeader& header);
Description describe_block(const wire::Block& block);
util::json::Value describe_transaction(const wire::Transaction& tx);

} // namespace peregrine::node
