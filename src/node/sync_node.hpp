#pragma once
// The running parts of `peregrine sync`, for what reports on them (progress, the JSON-RPC methods,
// the summary at exit). Everything here lives on the io thread, and so do its readers, but for the
// chain, which runs on its own thread and is read through its published snapshot.
#include <chrono>
#include <filesystem>
#include <optional>
#include <functional>

#include "consensus/chainparams.hpp"
#include "peer/peer_manager.hpp"
#include "sync/block_import.hpp"
#include "sync/block_server.hpp"
#include "sync/block_sync.hpp"
#include "sync/chain_state.hpp"
#include "sync/header_sync.hpp"
#include "sync/header_tree.hpp"
#include "sync/ibd_profile.hpp"
#include "util/log.hpp"

namespace peregrine::node {

struct SyncNode {
  const consensus::ChainParams& params;
  sync::ChainStores& stores;
  sync::HeaderTree& tree;
  sync::ChainWorker& chain; // the chain thread: read its published state, call() to act on it
  sync::HeaderSync& headers;
  sync::BlockSync& blocks;
  sync::BlockServer& server;
  peer::PeerManager& peers;
  sync::IbdProfile& profile;
  util::Logger& log; // the RPC `logging` switches its debug categories
  unsigned script_threads;
  bool pruned; // --prune
  std::uint64_t prune_target_bytes; // --prune's target (0 without it)
  std::filesystem::path datadir;
  std::chrono::steady_clock::time_point started;
  std::function<void()> request_stop; // a clean shutdown (the RPC `stop`)
  std::optional<Hash256> snapshot_hash; // --snapshot-hash (regtest, signet): what loadtxoutset may trust
};

// The bottleneck report's figures so far.
sync::ProfileTotals profile_totals(const SyncNode& node);

} // namespace peregrine::node
