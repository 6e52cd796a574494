#pragma once
// Rebuilding a datadir from its own block files, as Core's -reindex and -reindex-chainstate.
//
// --reindex: blocks/ moves to blocks.reindex, headers/ and chainstate/ go, and the files are
// imported again (the block index and the UTXO set rebuilt); blocks.reindex is deleted once the
// import is done. A run interrupted (or killed) leaves blocks.reindex, and the next start of
// `sync` or `import --reindex` starts the reindex over from it, with or without the flag.
// --reindex-chainstate: chainstate/ alone goes (renamed first, so a kill never leaves half a
// database) and every stored block is connected again from genesis; a kill leaves a consistent
// UTXO set at its last flush, and any restart connects the rest from the block files.
// Both refuse a pruned datadir: the oldest block files are gone.
#include <csignal>
#include <expected>
#include <filesystem>
#include <string>
#include <vector>

#include "consensus/chainparams.hpp"
#include "sync/chain_state.hpp"

namespace peregrine::util {
class Logger;
}

namespace peregrine::node {

// An interrupted --reindex left its block files aside: the next start must finish it.
bool reindex_pending(const std::filesystem::path& datadir);

// --reindex: moves the block files aside (or keeps those an interrupted reindex left) and empties
// the datadir's stores; returns the files to import, in order.
std::expected<std::vector<std::filesystem::path>, std::string> prepare_reindex(const std::filesystem::path& datadir);

// --reindex-chainstate: deletes the UTXO database (the block files and the header index stay).
std::expected<void, std::string> prepare_reindex_chainstate(const std::filesystem::path& datadir);

// Removes what an interrupted --reindex-chainstate was deleting (chainstate.wipe).
void finish_chainstate_wipe(const std::filesystem::path& datadir);

// `sync --reindex`: imports files into the datadir's emptied stores and, unless *stop was set on
// the way (then false), deletes blocks.reindex. Returns whether the reindex finished.
std::expected<bool, std::string> reindex_block_files(const std::filesystem::path& datadir,
                                                     const consensus::ChainParams& params,
                                                     const sync::ChainStateOptions& options,
                                                     const std::vector<std::filesystem::path>& files,
                                                     const volatile std::sig_atomic_t* stop, util::Logger& log);

} // namespace peregrine::node
