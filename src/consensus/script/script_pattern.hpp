#pragma once
// Recognising the script templates consensus cares about (P2SH, witness programs, push-only
// scriptSigs), the push encodings it compares against, and FindAndDelete.
#include <cstddef>
#include <cstdint>
#include <optional>

#include "consensus/script/script_reader.hpp"
#include "util/bytes.hpp"

namespace peregrine::consensus {

// BIP16: OP_HASH160 <20 bytes> OP_EQUAL, exactly.
bool is_p2sh(ByteSpan script);

// BIP141: a version opcode (OP_0, OP_1..OP_16) and one direct push of 2..40 bytes, 4..42 in all.
struct WitnessProgram {
  int version = 0;
  ByteSpan program;
};
std::optional<WitnessProgram> witness_program(ByteSpan script);

// Only push opcodes (OP_RESERVED and OP_1..OP_16 included), and it parses to the end.
bool is_push_only(ByteSpan script);

// BIP62 minimal push rules (MINIMALDATA): the push opcode used for data is the smallest one.
bool is_minimal_push(const Instruction& push);

// The encoding of `data` as Core's script builder pushes it (direct, PUSHDATA1/2/4): what
// FindAndDelete looks for and what a P2SH-wrapped witness program's scriptSig must be.
// Writes into out and returns the number of bytes written (data.size() + 1..5).
std::size_t encode_push(ByteSpan data, Bytes& out);
// Just the opcode and length bytes of that encoding (1 to 5 of them) for data of `size` bytes.
std::size_t encode_push_prefix(std::size_t size, std::uint8_t (&out)[5]);

// Removes every occurrence of `pattern` that starts at an instruction boundary of `script`
// (repeatedly at the same boundary), as Bitcoin Core's FindAndDelete does; returns how many
// were removed. `script` is left unchanged when there were none.
std::size_t find_and_delete(Bytes& script, ByteSpan pattern);
// Whether find_and_delete would remove anything, without copying.
bool contains_at_boundary(ByteSpan script, ByteSpan pattern);

// The legacy sigop count of a script: CHECKSIG(VERIFY) 1; CHECKMULTISIG(VERIFY) 20, or with
// `accurate` the key count of a preceding OP_1..OP_16. Counting stops at a truncated push.
unsigned count_sigops(ByteSpan script, bool accurate);

} // namespace peregrine::consensus
