#include "sync/block_sync.hpp"

#include <fmt/format.h>

#include "consensus/block_check.hpp"
#include "peer/endpoint.hpp"
#include "peer/handshake.hpp"
#include "sync/ibd_profile.hpp"
#include "util/stopwatch.hpp"
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

BlockSync::BlockSync(HeaderTree& tree, HeaderSync& headers, ChainState& chain, peer::PeerControl& peers,
                     util::Logger& log, BlockSyncConfig config)
    : tree_(tree), headers_(headers), chain_(chain), peers_(peers), log_(log), config_(std::move(config)),
      download_(tree, chain.tip(), config_.download), invalid_seen_(chain.invalid_blocks().size()) {}

void BlockSync::on_peer_ready(const peer::PeerInfo& info) {
  BusyTimer busy(*this);
  headers_.on_peer_ready(info);
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
  ready_.erase(id);
  download_.peer_disconnected(id);
  // Peers that gave us nothing and did nothing wrong are forgotten (feelers come and go all day).
  if (auto it = deliveries_.find(id); it != deliveries_.end()) {
    if (it->second.blocks == 0 && it->second.dropped.empty()) deliveries_.erase(it);
    else it->second.connected = false;
  }
  request_blocks();
}

void BlockSync::on_message_decoded(peer::PeerId, const wire::Message& message, std::size_t,
                                   std::chrono::nanoseconds decode_time) {
  if (!profile_) return;
  profile_->message_decoded(decode_time);
  if (const auto* block = std::get_if<wire::BlockMessage>(&message))
    profile_->block_decoded(wire::block_hash(block->block.header), decode_time);
}

void BlockSync::on_peer_message(peer::PeerId id, const wire::Message& message) {
  BusyTimer busy(*this);
  if (const auto* block = std::get_if<wire::BlockMessage>(&message)) {
    handle_block(id, block->block);
  } else if (const auto* missing = std::get_if<wire::NotFoundMessage>(&message)) {
    for (const auto& item : missing->items)
      if (is_block_item(item.type)) download_.not_found(id, item.hash);
  } else {
    // headers, inv, getheaders: the best header may move, and with it what this peer has.
    headers_.on_peer_message(id, message);
    refresh_peer(id);
  }
  request_blocks();
}

void BlockSync::tick() {
  BusyTimer busy(*this);
  headers_.tick();
  for (const auto& [id, info] : ready_) refresh_peer(id);
  // Verdicts of scripts checked since the last block arrived; with nothing left to download, the
  // last blocks' checks are waited for rather than left undecided until a new block comes.
  auto settled = download_.in_flight() == 0 ? chain_.wait_for_checks() : chain_.activate_best_chain();
  if (!settled) {
    fatal_ = settled.error();
    log_.error(kLog, "{}", fatal_);
    return;
  }
  after_chain_work();
  request_blocks();    // also starts or clears the stall timer
  if (auto staller = download_.stalled(config_.now())) {
    drop(*staller, fmt::format("stalling block download (timeout now {} ms)", download_.stall_timeout().count()));
  }
  request_blocks();
}

std::expected<void, std::string> BlockSync::flush() {
  BusyTimer busy(*this);
  return chain_.flush();
}

bool BlockSync::synced() const {
  if (!fatal_.empty() || ready_.empty() || !headers_.caught_up() || headers_.awaiting_headers(kHeadersGrace))
    return false;
  return &chain_.tip() == &tree_.best();
}

void BlockSync::handle_block(peer::PeerId id, const wire::Block& block) {
  const auto now = config_.now();
  const Hash256 hash = wire::block_hash(block.header);
  const std::size_t bytes = wire::serialized_size(block);
  ++blocks_received_;
  bytes_received_ += bytes;
  PeerDelivery& delivery = deliveries_[id];
  ++delivery.blocks;
  delivery.bytes += bytes;

  const HeaderEntry* entry = tree_.find(hash);
  const bool requested = download_.block_received(id, hash, bytes, now);
  // Unrequested blocks are taken only when they are the next ones we want (a peer pushing a new
  // block): anything else would let a peer fill our disk.
  if (!requested && (!entry || entry->have_data() || !entry->valid() || !tree_.on_best_chain(*entry) ||
                     entry->height > download_.window_end()))
    return;
  if (!entry) return;

  const util::Stopwatch check;
  auto mutation = consensus::find_mutation(block, entry->height, tree_.params());
  check_time_ += check.elapsed();
  if (mutation) {
    // Not the block its header names: the sender is at fault, the block is fetched elsewhere.
    consensus::BlockFailure failure{*mutation, std::nullopt, std::nullopt, std::nullopt, std::nullopt};
    punish(id, fmt::format("block {} at height {} was altered: {}", hash.to_hex(), entry->height, failure.reason()));
    return;
  }

  senders_[hash] = id;
  // The message gives the decoded block; the store keeps the bytes, which serialize back exactly.
  const Bytes raw = wire::to_bytes(block);
  consensus::HeaderError header_error{};
  auto processed = chain_.process_block(std::make_shared<const wire::Block>(block), raw, &header_error);
  if (!processed) {
    fatal_ = processed.error();
    log_.error(kLog, "{}", fatal_);
    return;
  }
  after_chain_work();
}

void BlockSync::after_chain_work() {
  if (!fatal_.empty()) return;
  download_.set_tip(chain_.tip());
  punish_invalid_senders();
  // Blocks connected no longer need their sender remembered.
  if (senders_.size() > 4 * static_cast<std::size_t>(config_.download.window)) {
    std::erase_if(senders_, [&](const auto& item) {
      const HeaderEntry* e = tree_.find(item.first);
      return !e || chain_.tip().ancestor(e->height) == e;
    });
  }
}

void BlockSync::punish_invalid_senders() {
  const auto& invalid = chain_.invalid_blocks();
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
  peers_.misbehaving(id, peer::Offence::invalid_block, reason);
}

void BlockSync::drop(peer::PeerId id, const std::string& reason) {
  log_.warn(kLog, "dropping peer {}: {}", id, reason);
  if (auto it = deliveries_.find(id); it != deliveries_.end()) it->second.dropped = reason;
  ready_.erase(id);
  peers_.set_degraded(id, true, reason);
  peers_.disconnect(id, reason);
}

} // namespace peregrine::sync
