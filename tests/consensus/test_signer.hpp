#pragma once
// Test helpers that sign (the consensus code only verifies): deterministic keys, ECDSA and BIP340
// signatures through libsecp256k1, and one-input transactions to spend a given output with.
#include <array>
#include <cstdint>
#include <optional>

#include "util/bytes.hpp"
#include "util/hash256.hpp"
#include "wire/transaction.hpp"

namespace peregrine::test {

using Hash32 = std::array<std::uint8_t, 32>;

struct TestKey {
  Hash32 secret{};
  Bytes compressed;   // 33 bytes
  Bytes uncompressed; // 65 bytes
  Bytes xonly;        // 32 bytes (BIP340)
};

// A valid key derived from a small seed (1, 2, 3, ...).
TestKey make_key(int seed);

// DER signature (low S) with the hash-type byte appended.
Bytes sign_ecdsa(const TestKey& key, const Hash256& message, std::uint8_t hash_type);

// BIP340 signature, 64 bytes, or 65 with the hash-type byte when hash_type is given.
Bytes sign_schnorr(const Hash32& secret, const Hash32& message,
                   std::optional<std::uint8_t> hash_type);

// The secret for the taproot output key of `key` tweaked by TapTweak(key, merkle_root).
Hash32 tweaked_secret(const TestKey& key, const Hash32* merkle_root);

// One input spending (prev, 0) with the given sequence, one output; version 2, lock time 0.
wire::Transaction one_input_tx(std::int64_t output_value = 1000);

Bytes p2pkh_script(ByteSpan pubkey);
Bytes p2wpkh_script(ByteSpan pubkey);
Bytes p2sh_script(ByteSpan redeem);
Bytes p2wsh_script(ByteSpan witness_script);
Bytes p2tr_script(ByteSpan output_key32);

} // namespace peregrine::test
