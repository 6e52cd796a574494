#include "sync/header_sync.hpp"

#include <algorithm>
#include <random>

#include <fmt/format.h>

#include "consensus/pow.hpp"
#include "peer/handshake.hpp"
#include "util/unix_time.hpp"

namespace peregrine::sync {
namespace {

constexpr std::string_view kLog = "headers";
// Unconnecting headers messages in a row before they count against the peer: an honest peer's
// announcements do not connect while we are still behind, but our getheaders answer then does.

} // namespace

HeaderSync::HeaderSync(HeaderTree& tree, HeaderStore* store, peer::PeerControl& peers, util::Logger& log,
                       HeaderSyncConfig config)
    : tree_(tree), store_(store), peers_(peers), log_(log), config_(std::move(config)) {
  if (!config_.unix_now) config_.unix_now = util::unix_time;
  if (config_.salt == 0) config_.salt = std::random_device{}() | (std::uint64_t{std::random_device{}()} << 32);
  caught_up_ = tree_.best().time > config_.unix_now() - config_.max_tip_age;
}

const HeaderEntry* HeaderSync::best_known(peer::PeerId id) const {
  auto it = sync_peers_.find(id);
  return it == sync_peers_.end() ? nullptr : it->second.best_known;
}

const HeaderEntry* HeaderSync::best_sent(peer::PeerId id) const {
  auto it = sync_peers_.find(id);
  return it == sync_peers_.end() ? nullptr : it->second.best_sent;
}

bool HeaderSync::awaiting_headers(std::chrono::milliseconds grace) const {
  const auto now = config_.now();
  for (const auto& [id, p] : sync_peers_)
    if (p.awaiting && now - p.asked_at < grace) return true;
  return false;
}

std::size_t HeaderSync::presync_memory() const {
  std::size_t total = 0;
  for (const auto& [id, p] : sync_peers_)
    if (p.presync) total += p.presync->memory_usage();
  return total;
}

void HeaderSync::on_peer_ready(const peer::PeerInfo& info) {
  PeerSync& p = sync_peers_[info.id];
  p.info = info;
  if (caught_up_) {
    request_headers(p, learning_locator()); // learn what each peer has
  } else if (!sync_peer_) {
    choose_sync_peer();
  }
}

void HeaderSync::on_peer_closed(peer::PeerId id) {
  sync_peers_.erase(id);
  if (sync_peer_ == id) {
    sync_peer_.reset();
    if (!caught_up_) choose_sync_peer();
  }
}

void HeaderSync::on_peer_message(peer::PeerId id, wire::Message&& message) {
  auto it = sync_peers_.find(id);
  if (it == sync_peers_.end()) return;
  PeerSync& p = it->second;
  if (const auto* headers = std::get_if<wire::HeadersMessage>(&message)) {
    handle_headers(p, headers->headers);
  } else if (const auto* inv = std::get_if<wire::InvMessage>(&message)) {
    handle_inv(p, *inv);
  } else if (const auto* request = std::get_if<wire::GetHeadersMessage>(&message)) {
    serve_headers(p, *request);
  }
}

void HeaderSync::tick() {
  if (caught_up_) return;
  if (sync_peer_) {
    PeerSync& p = sync_peers_.at(*sync_peer_);
    if (!p.awaiting || config_.now() - p.asked_at < config_.sync_timeout) return;
    log_.warn(kLog, "peer {} left getheaders unanswered for {} s: switching header sync peer", p.info.id,
              std::chrono::duration_cast<std::chrono::seconds>(config_.sync_timeout).count());
    p.timed_out = true;
    p.awaiting = false;
    sync_peer_.reset();
    // As Core: a stalling sync peer is dropped only when an outbound peer can take over; a node
    // with inbound peers only (serving, with nowhere to connect) keeps them.
    const bool replaceable = std::any_of(sync_peers_.begin(), sync_peers_.end(), [](const auto& other) {
      return other.second.info.type != peer::ConnectionType::inbound && !other.second.timed_out;
    });
    if (replaceable) peers_.disconnect(p.info.id, "header sync timeout");
  }
  choose_sync_peer();
}

void HeaderSync::choose_sync_peer() {
  // Outbound peers first: we chose them, an inbound peer chose us.
  PeerSync* choice = nullptr;
  for (auto& [id, p] : sync_peers_) {
    if (p.timed_out) continue;
    if (!choice || (choice->info.type == peer::ConnectionType::inbound && p.info.type != peer::ConnectionType::inbound))
      choice = &p;
  }
  if (!choice) return;
  sync_peer_ = choice->info.id;
  log_.info(kLog, "syncing headers from peer {} (our best height {}, theirs {})", choice->info.id,
            tree_.best_height(), choice->info.version.start_height);
  request_headers(*choice, tree_.locator());
}

void HeaderSync::request_headers(PeerSync& peer, std::vector<Hash256> locator) {
  wire::GetHeadersMessage request;
  request.version = static_cast<std::uint32_t>(peer::kProtocolVersion);
  request.locator = std::move(locator);
  peers_.send(peer.info.id, request);
  peer.awaiting = true;
  peer.asked_at = config_.now();
}

void HeaderSync::finish_initial_sync(PeerSync& peer) {
  if (caught_up_ || sync_peer_ != peer.info.id) return;
  caught_up_ = true;
  log_.info(kLog, "headers caught up with peer {}: height {} ({})", peer.info.id, tree_.best_height(),
            tree_.best().hash->to_hex());
  // Now learn every other peer's chain too; and the sync peer's, when its answers taught us
  // nothing (we had every header it has, as after a restart): without a best known header it
  // would never be asked for a block.
  for (auto& [id, p] : sync_peers_)
    if (id != peer.info.id || !p.best_known) request_headers(p, learning_locator());
}

std::vector<Hash256> HeaderSync::learning_locator() const {
  // From our best header's parent, as Core does: a peer level with us then answers with our best
  // header instead of nothing, so we learn that it has it and can download from it.
  return tree_.locator(tree_.best().prev ? tree_.best().prev : nullptr);
}

// Core's CheckHeadersPoW, before anything else: each header's proof of work against its own bits
// (which may not exceed the network's limit), and each header's prev the hash of the one before.
// Either failing proves a peer that forges headers: discouraged at once.
bool HeaderSync::check_headers_pow(PeerSync& peer, const std::vector<wire::BlockHeader>& headers) {
  const auto& params = tree_.params();
  Hash256 previous{};
  for (std::size_t i = 0; i < headers.size(); ++i) {
    const Hash256 hash = wire::block_hash(headers[i]);
    if (!consensus::check_proof_of_work(hash, headers[i].bits, params)) {
      peers_.misbehaving(peer.info.id, peer::Offence::invalid_pow_headers,
                         fmt::format("header {} ({} of {}) with invalid proof of work", hash.to_hex(), i + 1, headers.size()));
      return false;
    }
    if (i > 0 && headers[i].prev_block != previous) {
      peers_.misbehaving(peer.info.id, peer::Offence::non_continuous_headers,
                         fmt::format("non-continuous headers sequence at {} of {}", i + 1, headers.size()));
      return false;
    }
    previous = hash;
  }
  return true;
}

void HeaderSync::handle_headers(PeerSync& peer, const std::vector<wire::BlockHeader>& headers) {
  peer.awaiting = false;
  if (!check_headers_pow(peer, headers)) return;
  const bool full = headers.size() >= wire::kMaxHeadersResults;
  if (peer.presync) {
    feed_presync(peer, headers, full);
    return;
  }
  if (headers.empty()) {
    finish_initial_sync(peer);
    return;
  }
  const HeaderEntry* parent = tree_.find(headers.front().prev_block);
  if (!parent) {
    // Probably an announcement whose parents we lack: ask for the way there. Core no longer
    // counts these (since v28); each one costs the sender a valid proof of work.
    ++peer.unconnecting;
    peers_.misbehaving(peer.info.id, peer::Offence::unconnecting_headers,
                       fmt::format("{} headers messages in a row not connecting to our tree", peer.unconnecting));
    request_headers(peer, tree_.locator());
    return;
  }
  peer.unconnecting = 0;
  if (!parent->valid()) {
    // Core: a header already known invalid is BLOCK_CACHED_INVALID (outbound peers only); a new
    // one on an invalid parent is BLOCK_INVALID_PREV.
    const HeaderEntry* known = tree_.find(wire::block_hash(headers.front()));
    if (known && !known->valid())
      peers_.misbehaving(peer.info.id, peer::Offence::cached_invalid, "headers we already know are invalid");
    else
      peers_.misbehaving(peer.info.id, peer::Offence::invalid_prev, "headers descending from an invalid header");
    return;
  }

  consensus::ArithU256 work = parent->chain_work;
  for (const auto& h : headers) work += tree_.proof(h.bits);
  if (work < tree_.storage_work_threshold()) {
    if (full) {
      log_.info(kLog, "peer {} offers a chain below the minimum chain work from height {}: presyncing it",
                peer.info.id, parent->height);
      peer.presync = std::make_unique<HeadersPresync>(tree_, *parent, tree_.storage_work_threshold(),
                                                      config_.salt ^ peer.info.id, config_.unix_now());
      feed_presync(peer, headers, full);
    } else {
      log_.debug(kLog, "ignoring {} low-work headers from peer {}", headers.size(), peer.info.id);
      finish_initial_sync(peer);
    }
    return;
  }

  bool failed = false;
  const HeaderEntry* last = store_headers(peer, headers, failed);
  if (failed) return;
  if (full) {
    request_headers(peer, tree_.locator(last));
  } else {
    finish_initial_sync(peer);
  }
}

void HeaderSync::feed_presync(PeerSync& peer, const std::vector<wire::BlockHeader>& headers, bool full) {
  HeadersPresync::Step step = peer.presync->process(headers, full);
  const HeaderEntry* last = nullptr;
  bool failed = false;
  if (!step.release.empty()) last = store_headers(peer, step.release, failed);
  if (failed) {
    peer.presync.reset();
    return;
  }
  switch (peer.presync->phase()) {
  case HeadersPresync::Phase::failed:
    log_.info(kLog, "peer {}'s headers presync ended at height {}: {}", peer.info.id,
              peer.presync->presync_height(), step.failure);
    // Core's HeadersSyncState aborts a failed presync without punishing (a bad difficulty
    // transition or a redownload that differs): the peer simply cannot give us the chain.
    peers_.misbehaving(peer.info.id, peer::Offence::low_work_headers, step.failure);
    peer.presync.reset();
    if (sync_peer_ == peer.info.id && !caught_up_) {
      peer.timed_out = true; // this peer cannot give us the chain: try another
      sync_peer_.reset();
      choose_sync_peer();
    }
    return;
  case HeadersPresync::Phase::done:
    log_.info(kLog, "peer {}'s chain proved enough work: stored up to height {}", peer.info.id,
              last ? last->height : tree_.best_height());
    peer.presync.reset();
    if (step.request_more) request_headers(peer, tree_.locator(last));
    else finish_initial_sync(peer);
    return;
  case HeadersPresync::Phase::presync:
  case HeadersPresync::Phase::redownload:
    if (step.request_more) request_headers(peer, peer.presync->next_locator());
    return;
  }
}

const HeaderEntry* HeaderSync::store_headers(PeerSync& peer, const std::vector<wire::BlockHeader>& headers,
                                             bool& failed) {
  const HeaderEntry* previous_best = &tree_.best();
  const std::int64_t now = config_.unix_now();
  std::vector<const HeaderEntry*> fresh;
  const HeaderEntry* last = nullptr;
  for (std::size_t i = 0; i < headers.size(); ++i) {
    const HeaderEntry* known = tree_.find(wire::block_hash(headers[i]));
    const bool known_invalid = known && !known->valid();
    auto accepted = tree_.accept(headers[i], now);
    if (!accepted) {
      failed = true;
      auto error = accepted.error();
      int height = (last ? last->height : tree_.find(headers.front().prev_block)->height) + 1;
      if (error == consensus::HeaderError::time_too_new) {
        // Our clock may be the wrong one: refuse without blame, as Bitcoin Core does.
        log_.info(kLog, "header at height {} from peer {} is too far in the future", height, peer.info.id);
      } else if (error == consensus::HeaderError::too_little_chainwork ||
                 error == consensus::HeaderError::missing_context) {
        // Low work is ignored, as in Core; a missing context is our tree's gap, not the peer's fault.
        log_.debug(kLog, "header at height {} from peer {}: {}", height, peer.info.id, consensus::to_string(error));
      } else {
        // Core's MaybePunishNodeForBlock: duplicate-invalid is BLOCK_CACHED_INVALID (outbound
        // only), prev-blk-not-found BLOCK_MISSING_PREV, bad-prevblk BLOCK_INVALID_PREV, the rest
        // (high-hash, bad-diffbits, time-too-old, checkpoints, ...) BLOCK_INVALID_HEADER.
        const peer::Offence offence = known_invalid ? peer::Offence::cached_invalid
                                      : error == consensus::HeaderError::prev_blk_not_found ? peer::Offence::block_missing_prev
                                      : error == consensus::HeaderError::bad_prevblk ? peer::Offence::invalid_prev
                                                                                     : peer::Offence::invalid_header;
        peers_.misbehaving(peer.info.id, offence,
                           fmt::format("invalid header at height {}: {}", height, consensus::to_string(error)));
      }
      break;
    }
    last = accepted->entry;
    if (accepted->is_new) fresh.push_back(last);
  }
  // After a failed write nothing more is written (the owner stops the node); the headers stay in
  // memory, and a restart fetches them again.
  if (store_ && !fresh.empty() && store_failure_.empty()) {
    if (auto written = store_->write(fresh); !written) {
      store_failure_ = written.error();
      log_.error(kLog, "{}", store_failure_);
    }
  }
  if (last && (!peer.best_known || last->chain_work > peer.best_known->chain_work)) peer.best_known = last;
  note_best_changed(previous_best);
  return last;
}

void HeaderSync::note_best_changed(const HeaderEntry* previous_best) {
  const HeaderEntry& best = tree_.best();
  if (&best == previous_best) return;
  if (best.height / 10'000 != previous_best->height / 10'000 || caught_up_)
    log_.info(kLog, "best header: height {} ({})", best.height, best.hash->to_hex());
  if (on_best_header) on_best_header(best);
}

void HeaderSync::handle_inv(PeerSync& peer, const wire::InvMessage& inv) {
  for (const auto& item : inv.items) {
    if (item.type != wire::InvType::block && item.type != wire::InvType::witness_block) continue;
    if (tree_.find(item.hash)) continue;
    // A block we have not heard of: its headers come with the answer (BIP130 peers announce with
    // headers instead; older ones and bcoin in some paths use inv).
    request_headers(peer, tree_.locator());
    return;
  }
}

void HeaderSync::serve_headers(PeerSync& peer, const wire::GetHeadersMessage& request) {
  if (!caught_up_) return; // as Bitcoin Core: no headers from a node still in initial sync
  wire::HeadersMessage answer;
  const HeaderEntry* e = &tree_.find_fork(request.locator);
  const HeaderEntry* last = &tree_.best();
  for (int h = e->height + 1; h <= tree_.best_height() && answer.headers.size() < wire::kMaxHeadersResults; ++h) {
    last = tree_.at_height(h);
    answer.headers.push_back(last->header());
    if (*last->hash == request.hash_stop) break;
  }
  // What the peer has now, for block announcements (Core's pindexBestHeaderSent).
  peer.best_sent = last;
  peers_.send(peer.info.id, answer);
}

} // namespace peregrine::sync
