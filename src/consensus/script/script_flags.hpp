#pragma once
// Script verification flags: which rules a script is checked under. Bit values are Bitcoin
// Core's (SCRIPT_VERIFY_*), names are those of its test vectors ("P2SH,DERSIG").
#include <cstdint>
#include <expected>
#include <string>
#include <string_view>

namespace peregrine::consensus {

using ScriptFlags = std::uint32_t;

namespace verify {
inline constexpr ScriptFlags none = 0;
inline constexpr ScriptFlags p2sh = 1u << 0;        // BIP16
inline constexpr ScriptFlags strictenc = 1u << 1;   // policy: defined hashtypes, key formats
inline constexpr ScriptFlags dersig = 1u << 2;      // BIP66 strict DER
inline constexpr ScriptFlags low_s = 1u << 3;       // policy (BIP146)
inline constexpr ScriptFlags nulldummy = 1u << 4;   // BIP147
inline constexpr ScriptFlags sigpushonly = 1u << 5; // policy
inline constexpr ScriptFlags minimaldata = 1u << 6; // policy (BIP62 rule 3/4)
inline constexpr ScriptFlags discourage_upgradable_nops = 1u << 7;
inline constexpr ScriptFlags cleanstack = 1u << 8;           // policy
inline constexpr ScriptFlags checklocktimeverify = 1u << 9;  // BIP65
inline constexpr ScriptFlags checksequenceverify = 1u << 10; // BIP112
inline constexpr ScriptFlags witness = 1u << 11;             // BIP141/143
inline constexpr ScriptFlags discourage_upgradable_witness_program = 1u << 12;
inline constexpr ScriptFlags minimalif = 1u << 13;          // policy for segwit v0
inline constexpr ScriptFlags nullfail = 1u << 14;           // policy (BIP146)
inline constexpr ScriptFlags witness_pubkeytype = 1u << 15; // policy
inline constexpr ScriptFlags const_scriptcode = 1u << 16;   // policy
inline constexpr ScriptFlags taproot = 1u << 17;            // BIP341/342
inline constexpr ScriptFlags discourage_upgradable_taproot_version = 1u << 18;
inline constexpr ScriptFlags discourage_op_success = 1u << 19;
inline constexpr ScriptFlags discourage_upgradable_pubkeytype = 1u << 20;
inline constexpr ScriptFlags all = (1u << 21) - 1;
} // namespace verify

// Core asserts on these combinations: CLEANSTACK needs P2SH and WITNESS, WITNESS needs P2SH.
bool is_valid_flag_combination(ScriptFlags flags);

// "P2SH,DERSIG" -> bits. "NONE" and "" are no flags. The error names the unknown flag.
std::expected<ScriptFlags, std::string> parse_script_flags(std::string_view names);
// Bits -> "P2SH,DERSIG" in bit order; "NONE" for none.
std::string format_script_flags(ScriptFlags flags);
// The name of one flag bit ("P2SH"), empty if the bit has none.
std::string_view script_flag_name(ScriptFlags bit);

} // namespace peregrine::consensus
