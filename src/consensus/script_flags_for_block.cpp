#include "consensus/script_flags_for_block.hpp"

namespace peregrine::consensus {

std::expected<ScriptFlags, std::string>
script_flags_for_block(const ChainParams& params, int height, const Hash256& block_hash) {
  ScriptFlags flags = verify::p2sh | verify::witness | verify::taproot;
  for (const auto& exception : params.script_flag_exceptions) {
    if (exception.block != block_hash) continue;
    flags = verify::none;
    for (const auto& name : exception.flags) {
      auto bits = parse_script_flags(name);
      if (!bits) return std::unexpected("script_flag_exceptions: " + bits.error());
      flags |= *bits;
    }
  }
  if (height >= params.bip66_height) flags |= verify::dersig;
  if (height >= params.bip65_height) flags |= verify::checklocktimeverify;
  if (height >= params.csv_height) flags |= verify::checksequenceverify;
  if (height >= params.segwit_height) flags |= verify::nulldummy;
  return flags;
}

} // namespace peregrine::consensus
