#pragma once
// Coins (unspent outputs) as the UTXO database stores them: Bitcoin Core's compact encoding
// (VARINT, amount and script compression, the Coin record) and the per-coin serialization Core
// hashes into gettxoutsetinfo's hash_serialized_3.
//
// Decoding is as strict as a database we wrote ourselves deserves: anything a correct writer never
// produces (an amount outside 0..MAX_MONEY, an uncompressed key that is not on the curve, a VARINT
// wider than its field) is a typed error, where Core would quietly load a coin it can never spend.
// The one leniency kept from Core is the overlong script, replaced by OP_RETURN when read.
#include <cstdint>
#include <expected>
#include <limits>
#include <string_view>

#include "util/bytes.hpp"
#include "wire/decode_error.hpp"
#include "wire/reader.hpp"
#include "wire/transaction.hpp"
#include "wire/writer.hpp"

namespace peregrine::consensus {

// ---- Core's VARINT (serialize.h) ----
// Base-128, most significant group first, every byte but the last with the high bit set; each
// continuation adds one, so every number has exactly one encoding (unlike CompactSize, no
// canonical-form check is needed). At most 10 bytes for 64 bits.
void write_varint(wire::Writer& w, std::uint64_t n);
// The same into a buffer (for keys built on the stack); returns its length.
std::size_t encode_varint(std::uint64_t n, std::uint8_t (&out)[10]);
// A value above `max` (which must be 2^k - 1: 0xffffffff for Core's 32-bit fields) is bad_value
// at the VARINT's first byte; a missing byte is truncated. Returns 0 on error.
std::uint64_t read_varint(wire::Reader& r, std::string_view field,
                          std::uint64_t max = std::numeric_limits<std::uint64_t>::max());

// ---- Amount compression (compressor.cpp) ----
// Trailing decimal zeros (up to 9) become an exponent and the last non-zero digit is folded in,
// so round amounts take one or two VARINT bytes. Exact inverses over 0..MAX_MONEY; outside it the
// arithmetic wraps as Core's does and no round trip is promised.
std::uint64_t compress_amount(std::uint64_t amount);
std::uint64_t decompress_amount(std::uint64_t compressed);

// ---- Script compression (compressor.h ScriptCompression) ----
// Kinds 0..5 are special forms with a fixed payload; anything else is VARINT(size + 6) and the
// raw script:
//   0x00 + 20: P2PKH      0x02/0x03 + 32: P2PK, compressed key (its prefix, then x)
//   0x01 + 20: P2SH       0x04/0x05 + 32: P2PK, uncompressed key on the curve (4 | y parity, x)
inline constexpr std::uint64_t kSpecialScriptKinds = 6;

void write_compressed_script(wire::Writer& w, ByteSpan script);
// A raw script longer than MAX_SCRIPT_SIZE (10,000) is skipped without a copy and replaced by a
// lone OP_RETURN, as Core does; a claimed size past the input is truncated before any allocation.
void read_compressed_script(wire::Reader& r, Bytes& script);

// VARINT(compress_amount(value)) then the compressed script. value must be in 0..MAX_MONEY.
void write_compressed_txout(wire::Writer& w, const wire::TxOut& out);
void read_compressed_txout(wire::Reader& r, wire::TxOut& out);

// Outputs no one can spend never enter the UTXO set (Core's IsUnspendable): OP_RETURN scripts and
// scripts over MAX_SCRIPT_SIZE.
inline bool is_unspendable(ByteSpan script) { return script.size() > 10'000 || (!script.empty() && script[0] == 0x6a); }

// ---- The coin ----
struct Coin {
  wire::TxOut output;
  int height = 0;        // 0 .. 2^31 - 1, as Core's 31-bit field
  bool coinbase = false;
  bool operator==(const Coin&) const = default;
};

// The database record, Core's Coin: VARINT(height * 2 + coinbase) then the compressed output.
// ADL overloads, so wire::from_bytes<Coin> and wire::to_bytes work.
void write(wire::Writer& w, const Coin& coin);
void read(wire::Reader& r, Coin& coin);

Bytes encode_coin(const Coin& coin);
std::expected<Coin, wire::DecodeError> decode_coin(ByteSpan bytes);

// What hash_serialized_3 hashes per coin, Core's TxOutSer (kernel/coinstats.cpp): the outpoint
// (txid, LE uint32 index), height * 2 + coinbase as a plain LE uint32 (not a VARINT), then the
// output in its ordinary serialization (LE int64 value, CompactSize length, script).
void write_coin_for_hash(wire::Writer& w, const wire::OutPoint& outpoint, const Coin& coin);

} // namespace peregrine::consensus
