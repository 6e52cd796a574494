#pragma once
// What `peregrine sync` tells people and scripts: the progress line's figures and the JSON summary
// printed at exit.
#include "node/sync_node.hpp"
#include "sync/sync_progress.hpp"
#include "util/json.hpp"

namespace peregrine::node {

sync::ProgressFigures progress_figures(const SyncNode& node, const sync::RateMeter& meter);

// Invalid blocks as `import` and `sync` report them: height, hash, Core's reject reason.
util::json::Value invalid_blocks_json(const std::vector<sync::InvalidBlock>& blocks);

util::json::Value sync_summary(const SyncNode& node, int start_height, double seconds, bool interrupted);

} // namespace peregrine::node
