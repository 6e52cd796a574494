// Fuzzes the undo data of the block store: arbitrary bytes decoded as a BlockUndo must give undo
// data or a typed error inside the input, never a crash, an overread or an allocation the input
// does not pay for. Decoded undo data must be stable: encode → decode gives the same coins and
// encode gives the same bytes again (the first encoding may differ from the input: the version
// byte is written as 0, a raw P2PKH takes its special form, an overlong script becomes OP_RETURN).
#include <cstddef>
#include <cstdint>

#include "consensus/tx_check.hpp"
#include "sync/block_undo.hpp"

using namespace peregrine;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  auto undo = sync::decode_undo(ByteSpan(data, size));
  if (!undo) {
    if (undo.error().offset > size) __builtin_trap();
    return 0;
  }
  for (const auto& tx : undo->txs)
    for (const auto& coin : tx)
      if (coin.height < 0 || !consensus::money_range(coin.output.value)) __builtin_trap();
  const Bytes encoded = sync::encode_undo(*undo);
  auto again = sync::decode_undo(encoded);
  if (!again || !(*again == *undo)) __builtin_trap();
  if (sync::encode_undo(*again) != encoded) __builtin_trap();
  return 0;
}
