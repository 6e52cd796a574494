#pragma once
// Test helpers: the script notation of Bitcoin Core's test vectors ("0x02 0x0102 DUP 'abc' 5"),
// BTC amounts written as JSON numbers, and the coinbase/spend pair script_tests.json runs in.
#include <cstdint>
#include <expected>
#include <string>
#include <string_view>
#include <vector>

#include "util/bytes.hpp"
#include "wire/transaction.hpp"

namespace peregrine::test {

// Words separated by spaces: decimal numbers (pushed as script numbers, OP_0/OP_N/OP_1NEGATE
// where they apply), 0x-prefixed hex (inserted raw), 'text' (pushed), opcode names with or
// without "OP_". The error names the word it could not read.
std::expected<Bytes, std::string> parse_script_asm(std::string_view text);

// "0.00000001", "1e-08", "0" (BTC) to satoshis; nullopt-like error for anything else.
std::expected<std::int64_t, std::string> btc_to_satoshis(std::string_view lexeme);

// script_tests.json's setting: a coinbase-like transaction paying `amount` to script_pubkey, and
// a transaction spending its output 0 with script_sig and witness (version 1, lock time 0,
// final sequences, one empty output of the same amount).
wire::Transaction crediting_tx(const Bytes& script_pubkey, std::int64_t amount);
wire::Transaction spending_tx(const wire::Transaction& credit, const Bytes& script_sig,
                              const std::vector<Bytes>& witness);

} // namespace peregrine::test
