#pragma once
// Chain parameters of every network, loaded from data (chainparams.json, embedded at build time):
// code never branches on "is this mainnet", it reads a parameter.
#include <cstdint>
#include <expected>
#include <string>
#include <string_view>
#include <vector>

#include "consensus/genesis.hpp"
#include "consensus/network.hpp"
#include "util/bytes.hpp"
#include "util/hash256.hpp"
#include "wire/block.hpp"
#include "wire/framing.hpp"

namespace peregrine::consensus {

struct Checkpoint {
  int height = 0;
  Hash256 hash;
};

// Blocks validated with other script flags than their height implies (Bitcoin Core's
// script_flag_exceptions); flag names as in the script tests, mapped to bits by the interpreter.
struct ScriptFlagException {
  Hash256 block;
  std::vector<std::string> flags;
};

struct AssumeUtxoSnapshot {
  int height = 0;
  Hash256 block_hash;
  Hash256 hash_serialized;
  std::uint64_t chain_tx_count = 0;
};

// Transaction count at a known time and the rate since, for progress estimates.
struct ChainTxData {
  std::int64_t time = 0;
  std::uint64_t tx_count = 0;
  double tx_rate = 0;
};

struct HeadersSyncParams {
  int commitment_period = 0;
  int redownload_buffer_size = 0;
};

struct ChainParams {
  Network network = Network::main;
  wire::Magic magic{};
  std::uint16_t default_port = 0;
  std::uint16_t rpc_port = 0;
  std::string datadir_suffix;
  std::string bech32_hrp;
  // Version bytes of base58check addresses: P2PKH and P2SH.
  std::uint8_t base58_pubkey_prefix = 0;
  std::uint8_t base58_script_prefix = 0;
  std::vector<std::string> dns_seeds;
  Bytes signet_challenge; // signet only
  bool custom_signet = false; // signet with a challenge of the user's (--signetchallenge)

  int subsidy_halving_interval = 0;
  int bip34_height = 0;
  Hash256 bip34_hash;
  int bip65_height = 0;
  int bip66_height = 0;
  int csv_height = 0;
  int segwit_height = 0;
  int taproot_height = 0;
  std::vector<ScriptFlagException> script_flag_exceptions;

  // 256-bit values are kept as Hash256 (little-endian bytes, shown big-endian), like Core's uint256.
  Hash256 pow_limit;
  std::int64_t pow_target_timespan = 0;
  std::int64_t pow_target_spacing = 0;
  bool pow_allow_min_difficulty_blocks = false;
  bool pow_no_retargeting = false;
  bool enforce_bip94 = false;
  Hash256 minimum_chain_work;
  Hash256 assume_valid; // zero: check every script
  int assume_valid_height = 0;
  int prune_after_height = 0;
  std::vector<Checkpoint> checkpoints;
  std::vector<AssumeUtxoSnapshot> assumeutxo;
  ChainTxData chain_tx_data;
  HeadersSyncParams headers_sync;

  GenesisParams genesis_params;
  wire::Block genesis; // rebuilt from genesis_params; its hash is checked at load
  Hash256 genesis_hash;
};

// Parses a chainparams document (the schema of src/consensus/chainparams.json) into parameters
// for every network, rebuilding and checking each genesis block. The error names the field.
std::expected<std::vector<ChainParams>, std::string> load_chain_params(std::string_view json);

// The embedded parameters, loaded once. The embedded data is checked by the tests; should it ever
// fail to load, the process stops with the reason rather than run with wrong parameters.
const ChainParams& chain_params(Network network);

// Signet with another challenge, as Core's -signetchallenge: the same genesis, ports and rules;
// the message start derived from the challenge (BIP325); no seeds, minimum chain work,
// assumed-valid block, checkpoints or snapshots, which belong to the default signet.
ChainParams custom_signet_params(ByteSpan challenge);

// The embedded document itself (for tests and `peregrine --version` provenance).
std::string_view embedded_chain_params_json();

} // namespace peregrine::consensus
