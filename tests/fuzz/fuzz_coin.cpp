// Fuzzes the UTXO database's coin record: arbitrary bytes decoded as a Coin must give a coin or a
// typed error, never a crash, an overread or an allocation the input does not pay for. A decoded
// coin must be stable: encode → decode gives the same coin and encode gives the same bytes again
// (the first encoding may differ from the input, e.g. a raw P2PKH becomes its special form).
// The leading bytes also exercise the VARINT and amount codecs on their own.
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <span>

#include "consensus/coin.hpp"
#include "consensus/tx_check.hpp"
#include "wire/codec.hpp"

using namespace peregrine;
using namespace peregrine::consensus;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const ByteSpan input(data, size);

  auto coin = decode_coin(input);
  if (coin) {
    if (!money_range(coin->output.value) || coin->height < 0) __builtin_trap();
    const Bytes encoded = encode_coin(*coin);
    auto again = decode_coin(encoded);
    if (!again || !(*again == *coin)) __builtin_trap();
    if (encode_coin(*again) != encoded) __builtin_trap();
    Bytes hashed;
    wire::Writer w(hashed);
    write_coin_for_hash(w, wire::OutPoint{}, *coin);
    if (hashed.size() != 36 + 4 + wire::to_bytes(coin->output).size()) __builtin_trap();
  } else if (coin.error().offset > size) {
    __builtin_trap();
  }

  // The first VARINT of the input, re-encoded, reads back to itself and is exactly as long.
  wire::Reader r(input);
  const std::uint64_t n = read_varint(r, "n");
  if (r.ok()) {
    Bytes out;
    wire::Writer w(out);
    write_varint(w, n);
    if (out.size() != r.position() || std::memcmp(out.data(), data, out.size()) != 0)
      __builtin_trap();
  }

  // Amount compression is exact over the money range.
  if (size >= 8) {
    std::uint64_t amount = 0;
    std::memcpy(&amount, data, 8);
    amount %= static_cast<std::uint64_t>(kMaxMoney) + 1;
    if (decompress_amount(compress_amount(amount)) != amount) __builtin_trap();
  }
  return 0;
}
