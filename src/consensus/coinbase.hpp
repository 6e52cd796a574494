#pragma once
// What a block's coinbase may claim and the height it must state (BIP34).
#include <cstdint>
#include <optional>

#include "wire/transaction.hpp"

namespace peregrine::consensus {

// The height a coinbase's scriptSig begins with, if it begins with one in the exact form BIP34
// prescribes (the script push of the number). Blocks before BIP34 may begin with anything,
// including what reads as a (wrong) height.
std::optional<int> coinbase_height(const wire::Transaction& coinbase);

// The new coins a block at this height may create: 50 BTC halved every interval.
std::int64_t block_subsidy(int height, int halving_interval);

} // namespace peregrine::consensus
