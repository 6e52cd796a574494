#include "sync/block_undo.hpp"

#include "wire/codec.hpp"
#include "wire/compact_size.hpp"

namespace peregrine::sync {
namespace {

// The smallest coin: a one-byte height code (height 0, so no version), a one-byte amount and a
// one-byte script kind (an empty raw script). Caps reservations for a claimed coin count.
constexpr std::size_t kMinUndoCoinSize = 3;
// An empty CTxUndo is its one-byte count.
constexpr std::size_t kMinTxUndoSize = 1;

void write_coin(wire::Writer& w, const consensus::Coin& coin) {
  consensus::write_varint(w, static_cast<std::uint32_t>(coin.height) * 2u + (coin.coinbase ? 1u : 0u));
  // Core's VARINT(0) is this single byte.
  if (coin.height > 0) w.u8(0);
  consensus::write_compressed_txout(w, coin.output);
}

void read_coin(wire::Reader& r, consensus::Coin& coin) {
  // Core reads both into 32-bit unsigned ints.
  const std::uint64_t code = consensus::read_varint(r, "undo.height", 0xffffffff);
  coin.height = static_cast<int>(code >> 1);
  coin.coinbase = (code & 1) != 0;
  if (coin.height > 0) consensus::read_varint(r, "undo.version", 0xffffffff);
  consensus::read_compressed_txout(r, coin.output);
}

} // namespace

void write(wire::Writer& w, const BlockUndo& undo) {
  wire::write_compact_size(w, undo.txs.size());
  for (const auto& tx : undo.txs) {
    wire::write_compact_size(w, tx.size());
    for (const auto& coin : tx) write_coin(w, coin);
  }
}

void read(wire::Reader& r, BlockUndo& undo) {
  const std::uint64_t tx_count = wire::read_compact_size(r, "undo.tx_count");
  undo.txs.clear();
  undo.txs.reserve(r.reservable(tx_count, kMinTxUndoSize));
  for (std::uint64_t t = 0; t < tx_count && r.ok(); ++t) {
    auto& coins = undo.txs.emplace_back();
    const std::uint64_t coin_count = wire::read_compact_size(r, "undo.coin_count");
    coins.reserve(r.reservable(coin_count, kMinUndoCoinSize));
    for (std::uint64_t c = 0; c < coin_count && r.ok(); ++c) read_coin(r, coins.emplace_back());
  }
}

Bytes encode_undo(const BlockUndo& undo) { return wire::to_bytes(undo); }

std::expected<BlockUndo, wire::DecodeError> decode_undo(ByteSpan bytes) {
  return wire::from_bytes<BlockUndo>(bytes);
}

} // namespace peregrine::sync
