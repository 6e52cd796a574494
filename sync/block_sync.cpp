#include "sync/block_sync.hpp"

#include <fmt/format.h>

#include "consensus/block_check.hpp"
#include "peer/endpoint.hpp"
#include "peer/handshake.hpp"
#include "sync/block_server.hpp"
#include "sync/header_store.hpp"
#include "sync/ibd_profile.hpp"
#include "util/stopwatch.hpp"
#include "util/unix_time.hpp"
#include "wire/codec.hpp"

namespace peregrine::sync {
namespace {

constexpr std::string_view kLog = "blocksync";
// A getheaders unanswered this long counts as "nothing new": bcoin sends no empty headers message.
constexpr std::chrono::seconds kHeadersGrace{3};

bool is_block_item(wire::InvType type) {
  return type == wire::InvType::block || type == wire::InvType::witness_block;
}

} // namespace

// Times a handler: the gap since the previous one is waiting or idle time, the handler busy time.
class BusyTimer {
public:
  explicit BusyTimer(BlockSync& sync) : sync_(sync) {
    (sync_.behind_ ? sync_.waiting_time_ : sync_.idle_time_) += started_ - sync_.last_handled_;
  }
  ~BusyTimer() {
    sync_.last_handled_ = std::chrono::steady_clock::now();
    sync_.busy_time_ += sync_.last_handled_ - started_;
    sync_.behind_ = !sync_.headers_.caught_up() || &sync_.chain_.tip() != &sync_.tree_.best();
  }
  BusyTimer(const BusyTimer&) = delete;
  BusyTimer& operator=(const BusyTimer&) = delete;

private:
  BlockSync& sync_;
  std::chrono::steady_clock::time_point started_ = std::chrono::steady_clock::now();
};

BlockSync::BlockSync(HeaderTree& tree, HeaderSync& headers, ChainWorker& chain, HeaderStore* store,
                     peer::PeerControl& peers, util::Logger& log, BlockSyncConfig config)
    : tree_(tree), headers_(headers), chain_(chain), store_(store), peers_(peers), log_(log),
      config_(std::move(config)), download_(tree, chain.tip(), config_.download), announcer_(headers, peers),
      announced_tip_(&chain.tip()), invalid_seen_(chain.snapshot().invalid.size()) {
  if (!config_.unix_now) config_.unix_now = util::unix_time;
}

void BlockSync::set_server(BlockServer* server) {
  server_ = server;
  if (server_) server_->on_block_served = [this](peer::PeerId id, const HeaderEntry& e) { announcer_.peer_has(id, e); };
}

bool BlockSync::initial_download() const {
  const HeaderEntry& tip = chain_.tip();
  return &tip != &tree_.best() || std::int64_t{tip.time} < config_.unix_now() - config_.max_tip_age;
}

void BlockSync::on_peer_ready(const peer::PeerInfo& info) {
  BusyTimer busy(*this);
  headers_.on_peer_ready(info);
  announcer_.on_peer_ready(info.id);
  deliveries_[info.id].address = peer::HostPort{info.address.to_string(), info.port}.to_string();
  // Only peers that serve the whole chain with witnesses are asked for blocks.
  const std::uint64_t needed = peer::kNodeNetwork | peer::kNodeWitness;
  if ((info.version.services & needed) != needed) return;
  ready_[info.id] = info;
  refresh_peer(info.id);
  request_blocks();
}

void BlockSync::on_peer_closed(peer::PeerId id) {
  BusyTimer busy(*this);
  headers_.on_peer_closed(id);
  announcer_.on_peer_closed(id);
  if (server_) server_->on_peer_closed(id);
  ready_.erase(id);
  download_.peer_disconnected(id);
  // Peers that gave us nothing and did nothing wrong are forgotten (feelers come and go all day).
  if (auto it = deliveries_.find(id); it != deliveries_.end()) {
    if (it->second.blocks == 0 && it->second.dropped.empty()) deliveries_.erase(it);
    else it->second.connected = false;
  }
  request_blocks();
}

void BlockSync::on_message_decoded(peer::PeerId id, const wire::Message& message, std::size_t,
                                   std::chrono::nanoseconds decode_time) {
  if (!profile_) return;
  profile_->message_decoded(decode_time);
  if (const auto* block = std::get_if<wire::BlockMessage>(&message))
    profile_->block_decoded(wire::block_hash(block->block.header), decode_time, id);
}

void BlockSync::on_peer_message(peer::PeerId id, wire::Message&& message) {
  BusyTimer busy(*this);
  if (auto* block = std::get_if<wire::BlockMessage>(&message)) {
    handle_block(id, *block);
  } else if (const auto* missing = std::get_if<wire::NotFoundMessage>(&message)) {
    for (const auto& item : missing->items)
      if (is_block_item(item.type)) download_.not_found(id, item.hash);
  } else if (const auto* getdata = std::get_if<wire::GetDataMessage>(&message)) {
    if (server_) server_->on_getdata(id, *getdata);
  } else if (const auto* getblocks = std::get_if<wire::GetBlocksMessage>(&message)) {
    if (server_) server_->on_getblocks(id, *getblocks);
  } else if (std::holds_alternative<wire::SendHeadersMessage>(message)) {
    announcer_.on_sendheaders(id);
  } else {
    // headers, inv, getheaders: the best header may move, and with it what this peer has.
    const HeaderEntry* best_before = &tree_.best();
    headers_.on_peer_message(id, std::move(message));
    refresh_peer(id);
    if (&tree_.best() != best_before) chain_.activate();
  }
  request_blocks();
}

void BlockSync::on_peer_sent(peer::PeerId id, std::size_t bytes, std::size_t queued) {
  if (server_) server_->on_peer_sent(id, bytes, queued);
}

void BlockSync::tick() {
  BusyTimer busy(*this);
  headers_.tick();
  for (const auto& [id, info] : ready_) refresh_peer(id);
  // Without a thread of its own the chain settles script verdicts only when asked: with nothing
  // left to download, the last blocks' checks are waited for rather than left undecided.
  if (download_.in_flight() == 0) chain_.settle();
  sync_with_chain();
  if (fatal_.empty() && !headers_.store_failure().empty()) fatal_ = headers_.store_failure();
  if (!fatal_.empty()) return;
  request_blocks();    // also starts or clears the stall timer
  if (auto staller = download_.stalled(config_.now())) {
    drop(*staller, fmt::format("stalling block download (timeout now {} ms)", download_.stall_timeout().count()));
  }
  request_blocks();
}

void BlockSync::on_chain_progress() {
  BusyTimer busy(*this);
  sync_with_chain();
  request_blocks();
}

std::expected<void, std::string> BlockSync::finish() {
  BusyTimer busy(*this);
  return chain_.stop();
}

bool BlockSync::synced() const {
  if (!fatal_.empty() || ready_.empty() || !headers_.caught_up() || headers_.awaiting_headers(kHeadersGrace))
    return false;
  return &chain_.tip() == &tree_.best();
}

void BlockSync::handle_block(peer::PeerId id, wire::BlockMessage& message) {
  const wire::Block& block = message.block;
  const auto now = config_.now();
  const Hash256 hash = wire::block_hash(block.header);
  const std::size_t bytes = message.raw.empty() ? wire::serialized_size(block) : message.raw.size();
  ++blocks_received_;
  bytes_received_ += bytes;
  PeerDelivery& delivery = deliveries_[id];
  ++delivery.blocks;
  delivery.bytes += bytes;

  const HeaderEntry* entry = tree_.find(hash);
  const bool requested = download_.block_received(id, hash, bytes, now);
  // Core's outcomes for a block it did not take: one that does not connect (BLOCK_MISSING_PREV) is
  // discouraged, one we know is invalid (BLOCK_CACHED_INVALID) only from an outbound peer.
  if (!requested && !entry && !tree_.find(block.header.prev_block)) {
    peers_.misbehaving(id, peer::Offence::block_missing_prev, fmt::format("block {} does not connect", hash.to_hex()));
    return;
  }
  if (!requested && entry && !entry->valid()) {
    peers_.misbehaving(id, peer::Offence::cached_invalid, fmt::format("block {} is known to be invalid", hash.to_hex()));
    return;
  }
  // Unrequested blocks are taken only when they are the next ones we want (a peer pushing a new
  // block): anything else would let a peer fill our disk.
  if (!requested && (!entry || entry->have_data() || download_.is_queued(*entry) || !entry->valid() ||
                     !tree_.on_best_chain(*entry) || entry->height > download_.window_end()))
    return;
  if (!entry) return;

  const util::Stopwatch check;
  ReceivedBlock received;
  auto mutation = consensus::find_mutation(block, entry->height, tree_.params(), &received.txids);
  check_time_ += check.elapsed();
  if (mutation) {
    // Not the block its header names: the sender is at fault, the block is fetched elsewhere.
    consensus::BlockFailure failure{*mutation, std::nullopt, std::nullopt, std::nullopt, std::nullopt, std::nullopt};
    punish(id, fmt::format("block {} at height {} was altered: {}", hash.to_hex(), entry->height, failure.reason()));
    return;
  }

  senders_[hash] = id;
  // Moved, not copied: the decoded block, the bytes as they came (which the store writes) and the
  // txids the mutation check hashed.
  received.entry = entry;
  received.block = std::make_shared<const wire::Block>(std::move(message.block));
  received.raw = std::move(message.raw);
  received.witness_checked = true;
  download_.block_queued(*entry);
  chain_.submit(std::move(received));
  sync_with_chain();
}

void BlockSync::sync_with_chain() {
  if (!fatal_.empty()) return;
  chain_.notification_handled();
  // Invalidations first: the snapshot taken after them names every block they do.
  const auto failed = chain_.take_invalidations();
  const ChainSnapshot chain = chain_.snapshot();
  if (!chain.fatal.empty()) {
    fatal_ = chain.fatal;
    log_.error(kLog, "{}", fatal_);
    return;
  }
  // Blocks the chain found invalid: the tree's shape is this thread's to change.
  if (!failed.empty()) {
    for (const HeaderEntry* entry : failed) {
      auto changed = tree_.invalidate(*entry);
      if (store_)
        if (auto w = store_->write(changed); !w) {
          fatal_ = w.error();
          log_.error(kLog, "{}", fatal_);
          return;
        }
    }
    chain_.activate();
  }
  download_.set_tip(*chain.tip);
  download_.set_buffered_bytes(chain_.buffered_bytes());
  if (chain.tip != announced_tip_) {
    if (!initial_download()) announcer_.tip_changed(*announced_tip_, *chain.tip);
    announced_tip_ = chain.tip;
  }
  punish_invalid_senders(chain.invalid);
  // Blocks connected no longer need their sender remembered.
  if (senders_.size() > 4 * static_cast<std::size_t>(config_.download.window)) {
    std::erase_if(senders_, [&](const auto& item) {
      const HeaderEntry* e = tree_.find(item.first);
      return !e || chain.tip->ancestor(e->height) == e;
    });
  }
}

void BlockSync::punish_invalid_senders(const std::vector<InvalidBlock>& invalid) {
  for (; invalid_seen_ < invalid.size(); ++invalid_seen_) {
    const InvalidBlock& bad = invalid[invalid_seen_];
    auto it = senders_.find(bad.hash);
    if (it == senders_.end()) continue;
    log_.warn(kLog, "peer {} sent invalid block {} at height {}: {}", it->second, bad.hash.to_hex(), bad.height,
              bad.reason);
    punish(it->second, fmt::format("invalid block {} at height {}: {}", bad.hash.to_hex(), bad.height, bad.reason));
    senders_.erase(it);
  }
}

void BlockSync::request_blocks() {
  if (!fatal_.empty()) return;
  // Sampled at every call (each message and tick): the time since the last one counts as held
  // back when the bound held then, and as during a flush when the chain is flushing now.
  const auto now = std::chrono::steady_clock::now();
  if (held_since_) {
    const auto held = now - *held_since_;
    backpressure_time_ += held;
    if (chain_.flushing()) backpressure_in_flush_ += held;
  }
  download_.set_buffered_bytes(chain_.buffered_bytes());
  held_since_.reset();
  if (download_.buffered_bytes() > config_.download.max_buffered_bytes) held_since_ = now;
  for (auto& request : download_.assign(config_.now())) {
    wire::GetDataMessage getdata;
    getdata.items.reserve(request.hashes.size());
    for (const auto& hash : request.hashes) getdata.items.push_back({wire::InvType::witness_block, hash});
    peers_.send(request.peer, getdata);
  }
}

void BlockSync::refresh_peer(peer::PeerId id) {
  if (ready_.contains(id)) download_.peer_best(id, headers_.best_known(id));
}

void BlockSync::punish(peer::PeerId id, const std::string& reason) {
  if (auto it = deliveries_.find(id); it != deliveries_.end() && it->second.dropped.empty()) it->second.dropped = reason;
  peers_.misbehaving(id, peer::Offence::invalid_block, reason); // BLOCK_CONSENSUS, BLOCK_MUTATED
  // A manual or whitelisted peer stays connected (Core does not punish it), but it is never asked
  // for a block again: one serving bad copies would otherwise be asked for them again and again.
  ready_.erase(id);
  download_.peer_disconnected(id);
}

void BlockSync::drop(peer::PeerId id, const std::string& reason) {
  log_.warn(kLog, "dropping peer {}: {}", id, reason);
  if (auto it = deliveries_.find(id); it != deliveries_.end()) it->second.dropped = reason;
  ready_.erase(id);
  peers_.set_degraded(id, true, reason);
  peers_.disconnect(id, reason);
}

} // namespace peregrine::sync
