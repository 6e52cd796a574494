#include "consensus/coin.hpp"

#include <algorithm>
#include <cstring>

#include "consensus/script/ecc.hpp"
#include "consensus/script/interpreter.hpp"
#include "consensus/script/opcodes.hpp"
#include "consensus/script/script_pattern.hpp"
#include "consensus/tx_check.hpp"
#include "wire/codec.hpp"

namespace peregrine::consensus {

using wire::DecodeErrc;

std::size_t encode_varint(std::uint64_t n, std::uint8_t (&out)[10]) {
  // Built least significant group first, then reversed.
  std::size_t count = 0;
  out[count++] = static_cast<std::uint8_t>(n & 0x7f);
  while (n > 0x7f) {
    n = (n >> 7) - 1;
    out[count++] = static_cast<std::uint8_t>(0x80 | (n & 0x7f));
  }
  std::reverse(out, out + count);
  return count;
}

void write_varint(wire::Writer& w, std::uint64_t n) {
  std::uint8_t bytes[10];
  w.bytes(ByteSpan(bytes, encode_varint(n, bytes)));
}

std::uint64_t read_varint(wire::Reader& r, std::string_view field, std::uint64_t max) {
  const std::size_t start = r.position();
  std::uint64_t n = 0;
  // Each byte either ends the number or shifts it left by 7, so the bound check stops a run of
  // continuation bytes after at most 10 of them.
  for (;;) {
    const std::uint8_t byte = r.u8(field);
    if (!r.ok()) return 0;
    if (n > (max >> 7)) break;
    n = (n << 7) | (byte & 0x7f);
    if ((byte & 0x80) == 0) return n;
    if (n == max) break;
    ++n;
  }
  r.fail_at(DecodeErrc::bad_value, field, start);
  return 0;
}

std::uint64_t compress_amount(std::uint64_t n) {
  if (n == 0) return 0;
  std::uint64_t e = 0;
  while (n % 10 == 0 && e < 9) {
    n /= 10;
    ++e;
  }
  if (e < 9) {
    const std::uint64_t last_digit = n % 10; // 1..9: the zeros were stripped above
    n /= 10;
    return 1 + (n * 9 + last_digit - 1) * 10 + e;
  }
  return 1 + (n - 1) * 10 + 9;
}

std::uint64_t decompress_amount(std::uint64_t x) {
  if (x == 0) return 0;
  --x;
  std::uint64_t e = x % 10;
  x /= 10;
  std::uint64_t n = 0;
  if (e < 9) {
    const std::uint64_t last_digit = x % 9 + 1;
    n = x / 9 * 10 + last_digit;
  } else {
    n = x + 1;
  }
  for (; e > 0; --e) n *= 10;
  return n;
}

namespace {

constexpr std::size_t kHashPayload = 20; // kinds 0 and 1
constexpr std::size_t kKeyPayload = 32;  // kinds 2 to 5

// OP_DUP OP_HASH160 <20> OP_EQUALVERIFY OP_CHECKSIG, exactly.
bool is_p2pkh(ByteSpan s) {
  return s.size() == 25 && s[0] == OP_DUP && s[1] == OP_HASH160 && s[2] == kHashPayload &&
         s[23] == OP_EQUALVERIFY && s[24] == OP_CHECKSIG;
}

// <33-byte key starting 02 or 03> OP_CHECKSIG. The key is not checked: x alone round-trips.
bool is_compressed_p2pk(ByteSpan s) {
  return s.size() == 35 && s[0] == 33 && s[34] == OP_CHECKSIG && (s[1] == 0x02 || s[1] == 0x03);
}

// <65-byte key starting 04> OP_CHECKSIG, with the key on the curve: only then do x and the parity
// of y rebuild it.
bool is_uncompressed_p2pk_on_curve(ByteSpan s) {
  secp256k1_pubkey key;
  return s.size() == 67 && s[0] == 65 && s[66] == OP_CHECKSIG && s[1] == 0x04 &&
         parse_pubkey(s.subspan(1, 65), key);
}

void append(Bytes& out, ByteSpan bytes) { out.insert(out.end(), bytes.begin(), bytes.end()); }

// Rebuilds the script of special kind 0..5 from its payload; false if an uncompressed key's x is
// not on the curve.
bool decompress_script(std::uint64_t kind, ByteSpan payload, Bytes& script) {
  switch (kind) {
  case 0:
    script = {OP_DUP, OP_HASH160, kHashPayload};
    append(script, payload);
    script.insert(script.end(), {OP_EQUALVERIFY, OP_CHECKSIG});
    return true;
  case 1:
    script = {OP_HASH160, kHashPayload};
    append(script, payload);
    script.push_back(OP_EQUAL);
    return true;
  case 2:
  case 3:
    script = {33, static_cast<std::uint8_t>(kind)};
    append(script, payload);
    script.push_back(OP_CHECKSIG);
    return true;
  default: {
    std::uint8_t compressed[33];
    compressed[0] = static_cast<std::uint8_t>(kind - 2); // 4|parity becomes 2|parity
    std::memcpy(compressed + 1, payload.data(), kKeyPayload);
    secp256k1_pubkey key;
    if (!parse_pubkey(compressed, key)) return false;
    std::uint8_t full[65];
    std::size_t full_size = sizeof full;
    secp256k1_ec_pubkey_serialize(secp256k1_verify_context(), full, &full_size, &key,
                                  SECP256K1_EC_UNCOMPRESSED);
    script = {65};
    append(script, full);
    script.push_back(OP_CHECKSIG);
    return true;
  }
  }
}

// Core's height-and-coinbase code, 32 bits wide in both of its encodings.
std::uint32_t height_code(const Coin& coin) {
  return static_cast<std::uint32_t>(coin.height) * 2u + (coin.coinbase ? 1u : 0u);
}

} // namespace

void write_compressed_script(wire::Writer& w, ByteSpan s) {
  if (is_p2pkh(s)) {
    w.u8(0x00);
    w.bytes(s.subspan(3, kHashPayload));
  } else if (is_p2sh(s)) {
    w.u8(0x01);
    w.bytes(s.subspan(2, kHashPayload));
  } else if (is_compressed_p2pk(s)) {
    w.u8(s[1]);
    w.bytes(s.subspan(2, kKeyPayload));
  } else if (is_uncompressed_p2pk_on_curve(s)) {
    w.u8(static_cast<std::uint8_t>(0x04 | (s[65] & 0x01)));
    w.bytes(s.subspan(2, kKeyPayload));
  } else {
    write_varint(w, s.size() + kSpecialScriptKinds);
    w.bytes(s);
  }
}

void read_compressed_script(wire::Reader& r, Bytes& script) {
  script.clear();
  const std::size_t start = r.position();
  // Core reads the kind into a 32-bit unsigned int.
  const std::uint64_t kind = read_varint(r, "coin.script_kind", 0xffffffff);
  if (!r.ok()) return;
  if (kind < kSpecialScriptKinds) {
    ByteSpan payload = r.take(kind < 2 ? kHashPayload : kKeyPayload, "coin.script");
    if (r.ok() && !decompress_script(kind, payload, script))
      r.fail_at(DecodeErrc::bad_value, "coin.script", start);
    return;
  }
  const std::uint64_t size = kind - kSpecialScriptKinds;
  if (size > kMaxScriptSize) {
    // Unspendable anyway: skip it without copying, keep a short script that says so.
    r.take(static_cast<std::size_t>(size), "coin.script");
    if (r.ok()) script.push_back(OP_RETURN);
    return;
  }
  script = r.bytes(static_cast<std::size_t>(size), "coin.script");
}

void write_compressed_txout(wire::Writer& w, const wire::TxOut& out) {
  write_varint(w, compress_amount(static_cast<std::uint64_t>(out.value)));
  write_compressed_script(w, out.script_pubkey);
}

void read_compressed_txout(wire::Reader& r, wire::TxOut& out) {
  const std::size_t start = r.position();
  const std::uint64_t compressed = read_varint(r, "coin.amount");
  const std::uint64_t amount = decompress_amount(compressed);
  // Within MAX_MONEY decompression never wraps, and the second test rejects the values that
  // wrap back into range.
  if (r.ok() &&
      (amount > static_cast<std::uint64_t>(kMaxMoney) || compress_amount(amount) != compressed))
    r.fail_at(DecodeErrc::bad_value, "coin.amount", start);
  out.value = r.ok() ? static_cast<std::int64_t>(amount) : 0;
  read_compressed_script(r, out.script_pubkey);
}

void write(wire::Writer& w, const Coin& coin) {
  write_varint(w, height_code(coin));
  write_compressed_txout(w, coin.output);
}

void read(wire::Reader& r, Coin& coin) {
  const std::uint64_t code = read_varint(r, "coin.height", 0xffffffff);
  coin.height = static_cast<int>(code >> 1);
  coin.coinbase = (code & 1) != 0;
  read_compressed_txout(r, coin.output);
}

Bytes encode_coin(const Coin& coin) { return wire::to_bytes(coin); }

std::expected<Coin, wire::DecodeError> decode_coin(ByteSpan bytes) {
  return wire::from_bytes<Coin>(bytes);
}

void write_coin_for_hash(wire::Writer& w, const wire::OutPoint& outpoint, const Coin& coin) {
  wire::write(w, outpoint);
  w.u32_le(height_code(coin));
  wire::write(w, coin.output);
}

} // namespace peregrine::consensus
