#include "consensus/address.hpp"

#include "consensus/script/txout_type.hpp"
#include "crypto/sha256.hpp"
#include "util/base58.hpp"
#include "util/bech32.hpp"

namespace peregrine::consensus {

std::string base58check_encode(std::uint8_t version, ByteSpan payload) {
  Bytes data;
  data.reserve(1 + payload.size() + 4);
  data.push_back(version);
  data.insert(data.end(), payload.begin(), payload.end());
  const Hash256 check = crypto::sha256d(data);
  data.insert(data.end(), check.bytes.begin(), check.bytes.begin() + 4);
  return util::base58_encode(data);
}

std::optional<std::string> script_address(ByteSpan script_pubkey, const ChainParams& params) {
  const SolvedScript solved = solve(script_pubkey);
  switch (solved.type) {
  case TxoutType::pubkeyhash:
    return base58check_encode(params.base58_pubkey_prefix, solved.data[0]);
  case TxoutType::scripthash:
    return base58check_encode(params.base58_script_prefix, solved.data[0]);
  case TxoutType::witness_v0_keyhash:
  case TxoutType::witness_v0_scripthash:
  case TxoutType::witness_v1_taproot:
  case TxoutType::witness_unknown:
    return util::segwit_address(params.bech32_hrp, solved.witness_version, solved.data[0]);
  case TxoutType::anchor: // a v1 program of two bytes: bc1pfeessrawgf on mainnet
    return util::segwit_address(params.bech32_hrp, 1, script_pubkey.subspan(2, 2));
  case TxoutType::pubkey: // Core has a destination for it but no address
  case TxoutType::multisig:
  case TxoutType::nulldata:
  case TxoutType::nonstandard:
    return std::nullopt;
  }
  return std::nullopt;
}

} // namespace peregrine::consensus
