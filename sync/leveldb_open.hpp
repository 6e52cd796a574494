#pragma once
// Opening one of our LevelDB databases: create the folder, open (with paranoid checks, so a
// corrupt file is an error now rather than missing data later), and check the meta record that
// names the network (genesis hash) and format version, writing it on first use.
#include <cstdint>
#include <expected>
#include <filesystem>
#include <memory>
#include <string>
#include <string_view>

#include "consensus/chainparams.hpp"

namespace leveldb {
class DB;
}

namespace peregrine::sync {

// what: "header store", "UTXO database", for the messages.
std::expected<std::unique_ptr<leveldb::DB>, std::string>
open_leveldb(const std::filesystem::path& dir, std::string_view what, const consensus::ChainParams& params,
             std::uint32_t format_version);

} // namespace peregrine::sync
