#pragma once
// --debuglogfile: the node's log lines also go to DATADIR/debug.log (as Core's), reopened on
// SIGHUP so that logrotate can rename it; --debuglogfile=0 (or --nodebuglogfile) keeps stderr only.
#include <expected>
#include <filesystem>
#include <memory>
#include <string>

#include "node/cli.hpp"
#include "util/log.hpp"

namespace peregrine::node {

OptionSpec debug_log_option();

// The file to log to, or nullptr when turned off. A relative FILE is in the datadir.
std::expected<std::shared_ptr<util::LogFile>, std::string> open_debug_log(const ParsedArgs& args,
                                                                          const std::filesystem::path& datadir);

// A logger writing to stderr, and to the file when there is one.
util::Logger make_node_logger(const std::shared_ptr<util::LogFile>& file);

} // namespace peregrine::node
