#pragma once
// Transactions: outpoints, inputs with witness stacks, outputs; both serializations (BIP144).
#include <cstdint>
#include <vector>

#include "util/bytes.hpp"
#include "util/hash256.hpp"
#include "wire/reader.hpp"
#include "wire/writer.hpp"

namespace peregrine::wire {

struct OutPoint {
  static constexpr std::uint32_t kNullIndex = 0xffffffff;

  Hash256 txid;
  std::uint32_t index = 0;

  // The coinbase's input spends no output: zero txid and index 0xffffffff.
  bool is_null() const { return index == kNullIndex && txid.is_zero(); }
  auto operator<=>(const OutPoint&) const = default;
};

using WitnessStack = std::vector<Bytes>;

struct TxIn {
  OutPoint prevout;
  Bytes script_sig;
  std::uint32_t sequence = 0xffffffff;
  WitnessStack witness;
  bool operator==(const TxIn&) const = default;
};

struct TxOut {
  std::int64_t value = 0; // satoshis
  Bytes script_pubkey;
  bool operator==(const TxOut&) const = default;
};

struct Transaction {
  std::uint32_t version = 1;
  std::vector<TxIn> inputs;
  std::vector<TxOut> outputs;
  std::uint32_t lock_time = 0;

  bool has_witness() const;
  bool is_coinbase() const { return inputs.size() == 1 && inputs[0].prevout.is_null(); }
  bool operator==(const Transaction&) const = default;
};

enum class TxEncoding : std::uint8_t {
  with_witness,    // BIP144 marker, flag and witnesses when any input has a witness
  without_witness, // the legacy serialization: what the txid commits to
};

// Smallest possible serializations, used to bound reservations from claimed counts.
inline constexpr std::size_t kMinTxInSize = 41;  // outpoint 36, empty script 1, sequence 4
inline constexpr std::size_t kMinTxOutSize = 9;  // value 8, empty script 1
inline constexpr std::size_t kMinTxSize = 10;    // version 4, two empty lists, lock time 4

void read(Reader& r, OutPoint& out);
void read(Reader& r, TxIn& in);   // without witness: witnesses follow all outputs
void read(Reader& r, TxOut& out);
// Reads either serialization, exactly as Bitcoin Core does with witnesses allowed: an empty input
// list followed by a non-zero byte is the segwit marker and flag.
void read(Reader& r, Transaction& tx);

void write(Writer& w, const OutPoint& out);
void write(Writer& w, const TxIn& in);
void write(Writer& w, const TxOut& out);
void write(Writer& w, const Transaction& tx, TxEncoding encoding = TxEncoding::with_witness);

Bytes serialize(const Transaction& tx, TxEncoding encoding = TxEncoding::with_witness);
std::size_t serialized_size(const Transaction& tx, TxEncoding encoding = TxEncoding::with_witness);
// BIP141 weight: the size without witness counts four times, witness bytes once.
std::size_t weight(const Transaction& tx);

Hash256 txid(const Transaction& tx);  // double SHA-256 of the serialization without witness
Hash256 wtxid(const Transaction& tx); // of the full serialization; equals txid without witness

} // namespace peregrine::wire
