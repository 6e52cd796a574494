#pragma once
// Undo data of one block: the coins it spent, so disconnecting it restores the UTXO set exactly.
//
// Encoded as Bitcoin Core's CBlockUndo (undo.h): CompactSize count of transactions; per transaction
// a CompactSize count of coins; per coin Core's TxInUndoFormatter: VARINT(height * 2 + coinbase),
// then, when height > 0, a VARINT version kept for compatibility with old undo files (written as 0,
// read and ignored whatever its value, as Core does), then the compressed output (consensus/coin).
//
// Decoding is hostile-input safe: a typed error names the field and byte, counts reserve no more
// than the remaining bytes could hold, and the coin rules are the UTXO database's (an amount
// outside the money range or an uncompressed key off the curve is an error).
#include <expected>
#include <vector>

#include "consensus/coin.hpp"
#include "util/bytes.hpp"
#include "wire/decode_error.hpp"
#include "wire/reader.hpp"
#include "wire/writer.hpp"

namespace peregrine::sync {

// The coins a block spent, per non-coinbase transaction in block order, per input in order
// (Core's CBlockUndo / CTxUndo).
struct BlockUndo {
  std::vector<std::vector<consensus::Coin>> txs;
  bool operator==(const BlockUndo&) const = default;
};

// ADL overloads, so wire::from_bytes<BlockUndo> and wire::to_bytes work. Coin heights must be in
// 0 .. 2^31 - 1 and values in the money range (what the UTXO set holds).
void write(wire::Writer& w, const BlockUndo& undo);
void read(wire::Reader& r, BlockUndo& undo);

Bytes encode_undo(const BlockUndo& undo);
// The whole input must be one BlockUndo: trailing bytes are an error.
std::expected<BlockUndo, wire::DecodeError> decode_undo(ByteSpan bytes);

} // namespace peregrine::sync
