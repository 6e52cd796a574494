#pragma once
// blocktxn (BIP152): the transactions a getblocktxn asked for, in the order asked.
#include <string_view>
#include <vector>

#include "util/hash256.hpp"
#include "wire/reader.hpp"
#include "wire/transaction.hpp"
#include "wire/writer.hpp"

namespace peregrine::wire {

struct BlockTxnMessage {
  static constexpr std::string_view kCommand = "blocktxn";
  Hash256 block_hash;
  std::vector<Transaction> txs; // with witnesses
  bool operator==(const BlockTxnMessage&) const = default;
};

void read(Reader& r, BlockTxnMessage& m);
void write(Writer& w, const BlockTxnMessage& m);

} // namespace peregrine::wire
