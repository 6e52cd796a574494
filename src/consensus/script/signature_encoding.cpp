#include "consensus/script/signature_encoding.hpp"

#include "consensus/script/ecc.hpp"

namespace peregrine::consensus {

bool is_strict_der_signature(ByteSpan sig) {
  // 0x30 [total] 0x02 [rlen] [R] 0x02 [slen] [S] [hashtype]
  if (sig.size() < 9 || sig.size() > 73) return false;
  if (sig[0] != 0x30) return false;
  if (sig[1] != sig.size() - 3) return false; // covers everything but tag, length, hash type
  const std::size_t r_len = sig[3];
  if (5 + r_len >= sig.size()) return false;
  const std::size_t s_len = sig[5 + r_len];
  if (r_len + s_len + 7 != sig.size()) return false;
  if (sig[2] != 0x02 || r_len == 0) return false;
  if (sig[4] & 0x80) return false;                                   // R negative
  if (r_len > 1 && sig[4] == 0x00 && !(sig[5] & 0x80)) return false; // R padded
  if (sig[r_len + 4] != 0x02 || s_len == 0) return false;
  if (sig[r_len + 6] & 0x80) return false; // S negative
  if (s_len > 1 && sig[r_len + 6] == 0x00 && !(sig[r_len + 7] & 0x80)) return false;
  return true;
}

bool is_defined_hashtype_signature(ByteSpan sig) {
  if (sig.empty()) return false;
  const std::uint8_t type = sig.back() & ~kSighashAnyoneCanPay;
  return type >= kSighashAll && type <= kSighashSingle;
}

std::expected<void, ScriptError> check_signature_encoding(ByteSpan sig, ScriptFlags flags) {
  if (sig.empty()) return {};
  if ((flags & (verify::dersig | verify::low_s | verify::strictenc)) &&
      !is_strict_der_signature(sig))
    return std::unexpected(ScriptError::sig_der);
  if ((flags & verify::low_s) && !has_low_s(sig.first(sig.size() - 1)))
    return std::unexpected(ScriptError::sig_high_s);
  if ((flags & verify::strictenc) && !is_defined_hashtype_signature(sig))
    return std::unexpected(ScriptError::sig_hashtype);
  return {};
}

bool is_compressed_or_uncompressed_pubkey(ByteSpan pubkey) {
  if (pubkey.size() < 33) return false;
  if (pubkey[0] == 0x04) return pubkey.size() == 65;
  if (pubkey[0] == 0x02 || pubkey[0] == 0x03) return pubkey.size() == 33;
  return false;
}

bool is_compressed_pubkey(ByteSpan pubkey) {
  return pubkey.size() == 33 && (pubkey[0] == 0x02 || pubkey[0] == 0x03);
}

std::expected<void, ScriptError> check_pubkey_encoding(ByteSpan pubkey, ScriptFlags flags,
                                                       SigVersion sigversion) {
  if ((flags & verify::strictenc) && !is_compressed_or_uncompressed_pubkey(pubkey))
    return std::unexpected(ScriptError::pubkeytype);
  if ((flags & verify::witness_pubkeytype) && sigversion == SigVersion::witness_v0 &&
      !is_compressed_pubkey(pubkey))
    return std::unexpected(ScriptError::witness_pubkeytype);
  return {};
}

} // namespace peregrine::consensus
