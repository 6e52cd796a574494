#include "consensus/coinbase.hpp"

#include <algorithm>

#include "consensus/script/opcodes.hpp"
#include "consensus/script/script_num.hpp"
#include "consensus/script/script_pattern.hpp"
#include "consensus/tx_check.hpp"

namespace peregrine::consensus {

std::optional<int> coinbase_height(const wire::Transaction& coinbase) {
  if (coinbase.inputs.empty()) return std::nullopt;
  const Bytes& script = coinbase.inputs[0].script_sig;
  ScriptReader reader(script);
  Instruction ins;
  if (!reader.next(ins)) return std::nullopt;
  std::int64_t height = 0;
  if (auto small = small_int_value(ins.opcode)) {
    height = *small;
  } else if (ins.opcode >= 1 && ins.opcode <= 4) {
    auto n = decode_script_num(ins.data, true, 4);
    if (!n || *n < 0) return std::nullopt;
    height = *n;
  } else {
    return std::nullopt;
  }
  // Only the canonical form counts (as Core builds it: OP_0..OP_16 or the minimal push).
  Bytes expected;
  if (height <= 16) {
    expected.push_back(small_int_opcode(static_cast<int>(height)));
  } else {
    encode_push(encode_script_num(height).span(), expected);
  }
  if (script.size() < expected.size() ||
      !std::equal(expected.begin(), expected.end(), script.begin()))
    return std::nullopt;
  return static_cast<int>(height);
}

std::int64_t block_subsidy(int height, int halving_interval) {
  if (halving_interval <= 0 || height < 0) return 0;
  const int halvings = height / halving_interval;
  if (halvings >= 64) return 0;
  return (50 * kCoin) >> halvings;
}

} // namespace peregrine::consensus
