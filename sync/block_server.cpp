#include "sync/block_server.hpp"

#include <algorithm>

#include <fmt/format.h>

#include "consensus/pow.hpp"
#include "util/unix_time.hpp"
#include "wire/codec.hpp"
#include "wire/message.hpp"

namespace peregrine::sync {
namespace {

constexpr std::string_view kLog = "serve";
// Core's BlockRequestAllowed: a block off our chain is served only if it was validated and is
// within a month of the best header (by time and by proof-equivalent time).
constexpr std::int64_t kStaleRelayAge = 30 * 24 * 60 * 60;
// A pruned node also answers getdata for 2 blocks past its promise: a peer may ask just as a new
// block moves the window (Core's "two blocks buffer extension for possible races").
constexpr int kLimitedServiceMargin = 2;
// getblocks on a pruned node stops short of what may be pruned within the hour (Core's
// MIN_BLOCKS_TO_KEEP less an hour of blocks).
constexpr int kPrunedGetBlocksDepth = kLimitedServiceBlocks - 3600 / 600;

bool is_block_request(wire::InvType type) {
  return type == wire::InvType::block || type == wire::InvType::witness_block || type == wire::InvType::cmpct_block;
}

bool is_tx_request(wire::InvType type) {
  return type == wire::InvType::tx || type == wire::InvType::witness_tx || type == wire::InvType::wtx;
}

// On a reader thread: the stored block (witness serialization) framed as a block message, or
// without its witnesses for a legacy MSG_BLOCK request.
std::expected<Bytes, std::string> frame_block(Bytes stored, bool witness, const wire::Magic& magic) {
  wire::BlockMessage message;
  if (witness) {
    message.raw = std::move(stored); // sent as stored: no decoding
    return wire::encode_message(magic, wire::Message{std::move(message)});
  }
  auto block = wire::from_bytes<wire::Block>(stored);
  if (!block) return std::unexpected(fmt::format("stored block does not decode: {}", block.error().message()));
  wire::Writer w(message.raw);
  wire::write(w, *block, wire::TxEncoding::without_witness);
  return wire::encode_message(magic, wire::Message{std::move(message)});
}

} // namespace

BlockServer::BlockServer(const HeaderTree& tree, ActiveTip tip, ReadBlock read, Post post, peer::PeerControl& peers,
                         util::Logger& log, BlockServerOptions options)
    : tree_(tree), tip_(std::move(tip)), read_(std::move(read)), post_(std::move(post)), peers_(peers), log_(log),
      options_(std::move(options)), magic_(tree.params().magic), upload_(options_.max_upload_target),
      readers_(std::max<std::size_t>(1, options_.reader_threads)) {
  if (!options_.unix_now) options_.unix_now = util::unix_time;
}

BlockServer::~BlockServer() = default;

std::size_t BlockServer::pending(peer::PeerId id) const {
  auto it = peers_served_.find(id);
  return it == peers_served_.end() ? 0 : it->second.pending.size() + it->second.reading.size();
}

void BlockServer::on_getdata(peer::PeerId id, const wire::GetDataMessage& request) {
  PeerServe& peer = peers_served_[id];
  if (peer.closing) return;
  wire::NotFoundMessage notfound;
  for (const auto& item : request.items) {
    if (is_block_request(item.type)) peer.pending.push_back(item);
    else if (is_tx_request(item.type)) notfound.items.push_back(item); // no mempool: never have one
    // Anything else (filtered blocks need a bloom filter we never offered; unknown types) is ignored.
  }
  if (!notfound.items.empty()) peers_.send(id, notfound);
  serve(id, peer);
}

void BlockServer::on_getblocks(peer::PeerId id, const wire::GetBlocksMessage& request) {
  const HeaderEntry& tip = tip_();
  // The last block of the locator on our chain (a locator past our tip: the tip); else genesis.
  const HeaderEntry* fork = &tree_.genesis();
  for (const auto& hash : request.locator) {
    const HeaderEntry* e = tree_.find(hash);
    if (!e) continue;
    if (tip.ancestor(e->height) == e) {
      fork = e;
      break;
    }
    if (e->ancestor(tip.height) == &tip) {
      fork = &tip;
      break;
    }
  }
  wire::InvMessage inv;
  PeerServe& peer = peers_served_[id];
  for (int height = fork->height + 1; height <= tip.height; ++height) {
    const HeaderEntry* e = tip.ancestor(height);
    if (*e->hash == request.hash_stop) break;
    if (options_.pruned && (!e->have_data() || e->height <= tip.height - kPrunedGetBlocksDepth)) break;
    inv.items.push_back({wire::InvType::block, *e->hash});
    if (inv.items.size() == kMaxGetBlocksHashes) {
      peer.continuation = *e->hash;
      break;
    }
  }
  ++stats_.getblocks_answered;
  if (!inv.items.empty()) peers_.send(id, inv);
}

void BlockServer::on_peer_sent(peer::PeerId id, std::size_t bytes, std::size_t queued) {
  upload_.sent(bytes, options_.unix_now());
  auto it = peers_served_.find(id);
  if (it != peers_served_.end() && !it->second.pending.empty() && queued < options_.send_buffer_bytes)
    serve(id, it->second);
}

void BlockServer::on_peer_closed(peer::PeerId id) {
  // Reads under way finish on their own; their completions find the peer gone.
  if (peers_served_.erase(id) > 0) serve_waiting();
}

// Starts reads from the front of the peer's requests while its send queue and the read limits
// allow; its messages wait while requests do.
void BlockServer::serve(peer::PeerId id, PeerServe& peer) {
  while (!peer.pending.empty() && !peer.closing && peer.reading.size() < options_.reads_per_peer &&
         stats_.reads_in_flight < options_.max_reads && peers_.send_queue_bytes(id) < options_.send_buffer_bytes) {
    const wire::InvItem item = peer.pending.front();
    peer.pending.pop_front();
    const HeaderEntry* entry = nullptr;
    std::string why;
    switch (judge(item, entry, why)) {
    case Verdict::serve: start_read(id, peer, item, *entry); break;
    case Verdict::ignore:
      ++stats_.requests_ignored;
      log_.debug(kLog, "peer {}: not serving block {}: {}", id, item.hash.to_hex(), why);
      break;
    case Verdict::disconnect: drop(id, peer, why); return;
    }
  }
  peers_.hold_messages(id, !peer.pending.empty() && !peer.closing);
}

// Peers whose requests waited for a read slot.
void BlockServer::serve_waiting() {
  for (auto& [id, peer] : peers_served_) {
    if (stats_.reads_in_flight >= options_.max_reads) return;
    if (!peer.pending.empty()) serve(id, peer);
  }
}

BlockServer::Verdict BlockServer::judge(const wire::InvItem& item, const HeaderEntry*& entry, std::string& why) {
  entry = tree_.find(item.hash);
  if (!entry) {
    why = "unknown";
    return Verdict::ignore;
  }
  const HeaderEntry& tip = tip_();
  if (!relay_allowed(*entry, tip)) {
    why = "not on our chain";
    return Verdict::ignore;
  }
  const std::int64_t now = options_.unix_now();
  if (upload_.historical_limit_reached(now) &&
      std::int64_t{tree_.best().time} - entry->time > UploadTarget::kHistoricalBlockAge) {
    why = fmt::format("block {} at height {} is over a week old and the upload target is reached", item.hash.to_hex(),
                      entry->height);
    return Verdict::disconnect;
  }
  if (options_.pruned && tip.height - entry->height > kLimitedServiceBlocks + kLimitedServiceMargin) {
    why = fmt::format("block {} at height {} is below the NODE_NETWORK_LIMITED window (tip {})", item.hash.to_hex(),
                      entry->height, tip.height);
    return Verdict::disconnect;
  }
  if (!entry->have_data()) {
    why = "not stored (pruned)";
    return Verdict::ignore;
  }
  return Verdict::serve;
}

bool BlockServer::relay_allowed(const HeaderEntry& entry, const HeaderEntry& tip) const {
  if (tip.ancestor(entry.height) == &entry) return true;
  // Off our chain: only a block that was connected once (so fully validated) and is recent.
  if (!entry.valid() || !entry.have_undo()) return false;
  const HeaderEntry& best = tree_.best();
  return std::int64_t{best.time} - entry.time < kStaleRelayAge &&
         consensus::proof_equivalent_time(best.chain_work, entry.chain_work, best.bits,
                                          tree_.params().pow_target_spacing) < kStaleRelayAge;
}

void BlockServer::start_read(peer::PeerId id, PeerServe& peer, const wire::InvItem& item, const HeaderEntry& entry) {
  const std::uint64_t seq = next_seq_++;
  peer.reading.push_back({seq, &entry, std::nullopt});
  stats_.peak_reads_in_flight = std::max(stats_.peak_reads_in_flight, ++stats_.reads_in_flight);
  const BlockPos pos{entry.data_pos().file, entry.data_pos().offset};
  const bool witness = item.type != wire::InvType::block;
  readers_.post([this, id, seq, pos, witness, alive = std::weak_ptr<int>(alive_)] {
    std::expected<Bytes, std::string> frame = read_(pos);
    if (frame) frame = frame_block(std::move(*frame), witness, magic_);
    post_([this, id, seq, alive, frame = std::move(frame)]() mutable {
      if (!alive.expired()) on_read(id, seq, std::move(frame));
    });
  });
}

void BlockServer::on_read(peer::PeerId id, std::uint64_t seq, std::expected<Bytes, std::string> frame) {
  --stats_.reads_in_flight;
  auto it = peers_served_.find(id);
  if (it != peers_served_.end() && !it->second.closing) {
    PeerServe& peer = it->second;
    auto read = std::find_if(peer.reading.begin(), peer.reading.end(), [&](const Read& r) { return r.seq == seq; });
    if (read != peer.reading.end() && frame) {
      read->frame = std::move(*frame);
      send_ready(id, peer);
      serve(id, peer);
    } else if (read != peer.reading.end()) {
      // Pruned between the check and the read, or a damaged file: Core disconnects too.
      log_.warn(kLog, "peer {}: cannot read block at height {}: {}", id, read->entry->height, frame.error());
      drop(id, peer, "a requested block could not be read");
    }
  }
  serve_waiting();
}

// Sends the reads that are done, in request order.
void BlockServer::send_ready(peer::PeerId id, PeerServe& peer) {
  while (!peer.reading.empty() && peer.reading.front().frame) {
    Read read = std::move(peer.reading.front());
    peer.reading.pop_front();
    ++stats_.blocks_served;
    stats_.bytes_served += read.frame->size();
    peers_.send_frame(id, std::move(*read.frame));
    if (on_block_served) on_block_served(id, *read.entry);
    if (peer.continuation == *read.entry->hash) {
      // Sent right after the block: the peer asks for the next batch with another getblocks.
      peers_.send(id, wire::InvMessage{{{wire::InvType::block, *tip_().hash}}});
      peer.continuation.reset();
    }
  }
}

void BlockServer::drop(peer::PeerId id, PeerServe& peer, const std::string& why) {
  log_.info(kLog, "disconnecting peer {}: {}", id, why);
  ++stats_.peers_disconnected;
  peer.closing = true;
  peer.pending.clear();
  peers_.hold_messages(id, false);
  peers_.disconnect(id, why);
}

} // namespace peregrine::sync
