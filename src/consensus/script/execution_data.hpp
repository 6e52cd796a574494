#pragma once
// Which rule set a script runs under, and the taproot facts a signature hash commits to.
#include <array>
#include <cstdint>

namespace peregrine::consensus {

enum class SigVersion : std::uint8_t {
  base,       // bare scripts, P2SH redeem scripts
  witness_v0, // P2WPKH and P2WSH (BIP143)
  taproot,    // key-path spend (BIP341)
  tapscript,  // script-path spend, leaf version 0xc0 (BIP342)
};

inline constexpr std::uint32_t kNoCodeSeparator = 0xffffffff;

struct ExecutionData {
  // Tapscript: the leaf being executed and the opcode position of the last executed
  // OP_CODESEPARATOR (kNoCodeSeparator if none).
  std::array<std::uint8_t, 32> tapleaf_hash{};
  std::uint32_t codeseparator_pos = kNoCodeSeparator;
  // Taproot: the annex (last witness item starting 0x50), as SHA256 of its serialization.
  bool annex_present = false;
  std::array<std::uint8_t, 32> annex_hash{};
  // Tapscript: the signature-operation budget left (BIP342 validation weight).
  std::int64_t validation_weight_left = 0;
};

} // namespace peregrine::consensus
