// Fuzzes the BIP325 solution parser: arbitrary bytes after a block's witness commitment (mode 0:
// as the data of a signet header push; mode 1: as raw script bytes, pushes and all) must give the
// virtual transactions or a typed error, never a crash or an overread. A parsed solution must be
// exactly the input (a scriptSig, a witness stack, nothing more), and the whole check (with the
// script interpreter on a 1-of-1 multisig challenge) must return a verdict.
#include <cstddef>
#include <cstdint>

#include "consensus/signet.hpp"
#include "crypto/sha256.hpp"
#include "wire/compact_size.hpp"

using namespace peregrine;
using namespace peregrine::consensus;

namespace {

wire::Block block_with_commitment_tail(ByteSpan tail) {
  wire::Block block;
  block.header.version = 0x20000000;
  block.header.time = 1598918400 + 600;
  wire::Transaction coinbase;
  wire::TxIn in;
  in.prevout = {Hash256{}, wire::OutPoint::kNullIndex};
  in.script_sig = {0x51, 0x00};
  in.witness = {Bytes(32, 0)};
  coinbase.inputs.push_back(in);
  coinbase.outputs.push_back({5000000000, Bytes{0x51}});
  Bytes script = {0x6a, 0x24, 0xaa, 0x21, 0xa9, 0xed};
  const Hash256 root = crypto::sha256d_pair(Hash256{}, Hash256{});
  script.insert(script.end(), root.bytes.begin(), root.bytes.end());
  script.insert(script.end(), tail.begin(), tail.end());
  coinbase.outputs.push_back({0, script});
  block.txs.push_back(std::move(coinbase));
  return block;
}

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size == 0) return 0;
  const bool raw_script = data[0] & 1;
  const ByteSpan input(data + 1, size - 1);

  Bytes tail;
  Bytes solution;
  if (raw_script) {
    tail.assign(input.begin(), input.end());
  } else {
    solution.assign(input.begin(), input.end());
    Bytes push(kSignetHeader.begin(), kSignetHeader.end());
    push.insert(push.end(), input.begin(), input.end());
    tail.push_back(0x4e); // OP_PUSHDATA4: any length
    for (int i = 0; i < 4; ++i) tail.push_back(static_cast<std::uint8_t>(push.size() >> (8 * i)));
    tail.insert(tail.end(), push.begin(), push.end());
  }
  const wire::Block block = block_with_commitment_tail(tail);

  static const Bytes challenge = [] {
    Bytes c = {0x51, 0x21, 0x02};
    c.resize(35, 0x11);
    c.push_back(0x51);
    c.push_back(0xae);
    return c;
  }();
  auto txs = make_signet_txs(block, challenge);
  if (txs) {
    if (txs->to_spend.inputs.size() != 1 || txs->to_sign.inputs.size() != 1) __builtin_trap();
    if (txs->to_spend.inputs[0].script_sig.size() != 74) __builtin_trap(); // OP_0, PUSH72, 72 bytes
    if (!raw_script && !input.empty()) {
      // Any non-empty data after the header is the solution; parsed, it is exactly the input.
      if (!txs->has_solution) __builtin_trap();
      Bytes again;
      wire::Writer w(again);
      wire::write_var_bytes(w, txs->to_sign.inputs[0].script_sig);
      wire::write_compact_size(w, txs->to_sign.inputs[0].witness.size());
      for (const auto& item : txs->to_sign.inputs[0].witness) wire::write_var_bytes(w, item);
      if (again != solution) __builtin_trap();
    }
  } else if (txs.error().error != SignetError::bad_encoding) {
    __builtin_trap(); // the block has a commitment: only the solution can be wrong
  }
  auto checked = check_signet_solution(block, challenge, Hash256{});
  if (checked) __builtin_trap(); // no signature by a key of all 0x11 bytes can exist
  return 0;
}
