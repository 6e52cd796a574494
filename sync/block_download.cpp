#include "sync/block_download.hpp"

#include <algorithm>
#include <limits>

namespace peregrine::sync {

namespace {

// Weight of the newest delivery in a peer's rate: recent enough to notice a peer slowing down,
// smooth enough that one small block does not make a peer look fast.
constexpr double kRateWeight = 0.3;
// Core shrinks the stall timeout by this factor on each block that arrives in time.
constexpr int kStallDecayPercent = 85;

} // namespace

BlockDownload::BlockDownload(const HeaderTree& tree, const HeaderEntry& tip, BlockDownloadOptions options)
    : tree_(tree), tip_(&tip), options_(options), stall_timeout_(options.stall_timeout_initial) {}

void BlockDownload::set_tip(const HeaderEntry& tip) {
  tip_ = &tip;
  // Refusals below the window can never matter again.
  const int base_height = base().height;
  for (auto& [id, state] : peers_)
    std::erase_if(state.refused, [&](const HeaderEntry* e) { return e->height <= base_height; });
  std::erase_if(queued_, [&](const HeaderEntry* e) { return e->have_data() || e->height <= base_height; });
}

const HeaderEntry& BlockDownload::base() const {
  // After a reorg of the header chain the tip may sit on a branch that is no longer best: the
  // blocks to fetch start above where that branch leaves the best chain.
  const HeaderEntry* e = tip_;
  while (e->prev != nullptr && !tree_.on_best_chain(*e)) e = e->prev;
  return *e;
}

int BlockDownload::window_end() const {
  return std::min(base().height + options_.window, tree_.best_height());
}

void BlockDownload::peer_best(peer::PeerId peer, const HeaderEntry* best) { peers_[peer].best = best; }

void BlockDownload::peer_disconnected(peer::PeerId peer) { forget(peer); }

void BlockDownload::forget(peer::PeerId peer) {
  auto it = peers_.find(peer);
  if (it == peers_.end()) return;
  for (const auto& hash : it->second.in_flight) in_flight_.erase(hash);
  peers_.erase(it);
}

int BlockDownload::shared_height(const PeerState& peer, int limit) const {
  const int base_height = base().height;
  if (peer.best == nullptr) return base_height - 1;
  const int high = std::min(peer.best->height, limit);
  if (high <= base_height) return high;
  if (peer.best->ancestor(base_height) != &base()) return base_height - 1; // forked below the tip
  // The peer's chain and the best chain agree up to some height and differ above it: binary search.
  int lo = base_height, hi = high;
  while (lo < hi) {
    const int mid = lo + (hi - lo + 1) / 2;
    if (peer.best->ancestor(mid) == tree_.at_height(mid))
      lo = mid;
    else
      hi = mid - 1;
  }
  return lo;
}

std::vector<const HeaderEntry*> BlockDownload::requestable(int window_end) const {
  std::vector<const HeaderEntry*> blocks;
  for (int h = base().height + 1; h <= window_end; ++h) {
    const HeaderEntry* e = tree_.at_height(h);
    if (e == nullptr) break;
    if (stored(*e) || !e->valid() || in_flight_.contains(*e->hash)) continue;
    blocks.push_back(e);
  }
  return blocks;
}

std::size_t BlockDownload::expected_block_memory() const {
  return static_cast<std::size_t>(average_block_bytes_) * options_.memory_per_block_byte;
}

std::vector<BlockDownload::Request> BlockDownload::assign(TimePoint now) {
  const int end = window_end();
  const int base_height = base().height;
  // Room left under the memory bound, blocks in flight counted as they will be once received.
  const std::size_t in_flight_memory = in_flight_.size() * expected_block_memory();
  const std::size_t used = buffered_bytes_ + in_flight_memory;
  const bool memory_bound = used > options_.max_buffered_bytes;
  std::size_t room = memory_bound ? 0
                     : expected_block_memory() == 0
                         ? std::numeric_limits<std::size_t>::max()
                         : (options_.max_buffered_bytes - used) / expected_block_memory();
  // Never less than one block a round while under the bound, or nothing would ever move.
  if (!memory_bound && room == 0) room = 1;
  const auto candidates = memory_bound ? std::vector<const HeaderEntry*>{} : requestable(end);
  std::vector<bool> taken(candidates.size(), false);

  // Fastest first; peers not measured yet come last, in a fixed order.
  std::vector<std::pair<peer::PeerId, PeerState*>> order;
  for (auto& [id, state] : peers_) order.emplace_back(id, &state);
  std::stable_sort(order.begin(), order.end(), [](const auto& a, const auto& b) {
    return a.second->bytes_per_second > b.second->bytes_per_second;
  });

  std::vector<Request> requests;
  std::vector<Starved> starved;
  for (auto& [id, state] : order) {
    const int free = options_.max_in_flight_per_peer - static_cast<int>(state->in_flight.size());
    if (free <= 0) continue;
    // One past the window tells whether the peer could be used if the window were larger.
    const int reach = shared_height(*state, end + 1);
    Request request{id, {}};
    for (std::size_t i = 0; i < candidates.size() && static_cast<int>(request.hashes.size()) < free && room > 0; ++i) {
      const HeaderEntry* e = candidates[i];
      if (e->height > reach) break; // lowest first: the rest are higher still
      if (taken[i] || state->refused.contains(e)) continue;
      taken[i] = true;
      --room;
      if (state->in_flight.empty()) state->busy_since = now;
      state->in_flight.push_back(*e->hash);
      in_flight_.emplace(*e->hash, InFlight{id, e});
      request.hashes.push_back(*e->hash);
    }
    // Nothing to fetch although the peer has blocks we need: they are all in flight elsewhere (or
    // beyond the window, or held back by the memory bound).
    if (!request.hashes.empty())
      requests.push_back(std::move(request));
    else if (reach > base_height)
      starved.push_back({id, reach});
  }
  update_stall_timer(starved, end, now);
  return requests;
}

void BlockDownload::update_stall_timer(const std::vector<Starved>& starved, int window_end, TimePoint now) {
  std::optional<peer::PeerId> staller;
  for (int h = base().height + 1; h <= window_end; ++h) {
    const HeaderEntry* e = tree_.at_height(h);
    if (e == nullptr) break;
    if (stored(*e)) continue;
    // The lowest block we still need: the window cannot move past it.
    auto it = in_flight_.find(*e->hash);
    if (it != in_flight_.end()) {
      const peer::PeerId holder = it->second.peer;
      // Stalling when another peer that has this block sits idle for want of it (Core asks that the
      // window be what stops the idle peer; near the tip, or on a chain shorter than the window,
      // that never happens, and a peer withholding the next block would hold the chain forever).
      if (std::any_of(starved.begin(), starved.end(),
                      [&](const Starved& s) { return s.peer != holder && s.reach >= e->height; }))
        staller = holder;
    }
    break;
  }
  for (auto& [id, state] : peers_) {
    if (staller && id == *staller) {
      if (!state.stalling_since) state.stalling_since = now;
    } else {
      state.stalling_since.reset();
    }
  }
}

std::optional<peer::PeerId> BlockDownload::stalled(TimePoint now) {
  for (const auto& [id, state] : peers_) {
    if (!state.stalling_since || now - *state.stalling_since <= stall_timeout_) continue;
    const peer::PeerId staller = id;
    stall_timeout_ = std::min(stall_timeout_ * 2, options_.stall_timeout_max);
    forget(staller);
    return staller;
  }
  return std::nullopt;
}

void BlockDownload::release(PeerState& state, const Hash256& hash) {
  in_flight_.erase(hash);
  std::erase(state.in_flight, hash);
}

bool BlockDownload::block_received(peer::PeerId peer, const Hash256& hash, std::size_t bytes, TimePoint now) {
  auto it = in_flight_.find(hash);
  if (it == in_flight_.end() || it->second.peer != peer) return false;
  PeerState& state = peers_.at(peer);

  // The peer owed us a block since its previous delivery (or since it went from idle to busy).
  const auto busy = std::max<Clock::duration>(now - state.busy_since, std::chrono::milliseconds(1));
  const double sample = static_cast<double>(bytes) / std::chrono::duration<double>(busy).count();
  state.bytes_per_second =
      state.measured ? kRateWeight * sample + (1 - kRateWeight) * state.bytes_per_second : sample;
  state.measured = true;
  state.busy_since = now;
  average_block_bytes_ = kRateWeight * static_cast<double>(bytes) + (1 - kRateWeight) * average_block_bytes_;

  // A block that came without us waiting on it lets the timeout creep back to the default.
  if (!state.stalling_since)
    stall_timeout_ = std::max(stall_timeout_ * kStallDecayPercent / 100, options_.stall_timeout_initial);
  state.stalling_since.reset(); // it is delivering: the next stall check starts afresh

  release(state, hash);
  return true;
}

void BlockDownload::not_found(peer::PeerId peer, const Hash256& hash) {
  auto state = peers_.find(peer);
  if (state == peers_.end()) return;
  if (const HeaderEntry* e = tree_.find(hash)) state->second.refused.insert(e);
  auto it = in_flight_.find(hash);
  if (it != in_flight_.end() && it->second.peer == peer) release(state->second, hash);
}

int BlockDownload::in_flight(peer::PeerId peer) const {
  auto it = peers_.find(peer);
  return it == peers_.end() ? 0 : static_cast<int>(it->second.in_flight.size());
}

double BlockDownload::rate(peer::PeerId peer) const {
  auto it = peers_.find(peer);
  return it == peers_.end() ? 0 : it->second.bytes_per_second;
}

std::size_t BlockDownload::queued() const { return requestable(window_end()).size(); }

std::vector<BlockDownload::PeerStatus> BlockDownload::peer_status() const {
  std::vector<PeerStatus> status;
  for (const auto& [id, state] : peers_)
    status.push_back({id, static_cast<int>(state.in_flight.size()), state.bytes_per_second,
                      state.stalling_since.has_value()});
  return status;
}

} // namespace peregrine::sync
