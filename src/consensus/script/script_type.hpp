#pragma once
// The standard output templates, for reporting what kinds of scripts a block spends.
#include <cstdint>
#include <string_view>

#include "util/bytes.hpp"

namespace peregrine::consensus {

enum class ScriptType : std::uint8_t {
  nonstandard,
  p2pk,            // <pubkey> CHECKSIG
  p2pkh,           // DUP HASH160 <20> EQUALVERIFY CHECKSIG
  p2sh,            // HASH160 <20> EQUAL
  multisig,        // m <pubkeys...> n CHECKMULTISIG, bare
  nulldata,        // RETURN <pushes>
  p2wpkh,          // 0 <20>
  p2wsh,           // 0 <32>
  p2tr,            // 1 <32>
  witness_unknown, // any other witness program
};

inline constexpr std::size_t kScriptTypeCount = 10;

std::string_view to_string(ScriptType type);
ScriptType classify_script(ByteSpan script_pubkey);

} // namespace peregrine::consensus
