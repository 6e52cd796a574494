// Drives the block server with what hostile peers could send it: getdata of any items (known,
// unknown, pruned, off our chain, any inventory type, up to 50,000 at once), getblocks with any
// locator and stop hash, send queues that fill and drain, the upload target spent, our tip moving,
// disconnects mid-read. Reads run on the server's own pool; completions are run here, as the io
// thread would. A peer's messages are not delivered while the server holds them, as the peer
// manager does. No crash; reads in flight never pass the limits; a peer never has more than one
// getdata's items waiting (and its reads under way); every read completes and nothing is left in
// flight.
#include <condition_variable>
#include <cstddef>
#include <cstdint>
#include <deque>
#include <functional>
#include <map>
#include <mutex>
#include <vector>

#include "../sync/block_builder.hpp"
#include "sync/block_server.hpp"
#include "fuzz_input.hpp"

using namespace peregrine;

namespace {

using fuzz::Input;

constexpr std::int64_t kNow = 1'400'000'000;
constexpr int kBlocks = 40;

const consensus::ChainParams& params() { return consensus::chain_params(consensus::Network::regtest); }

// Built once: the chain's blocks, serialized, by height (genesis's slot empty).
const std::vector<Bytes>& stored() {
  static const auto blocks = [] {
    std::vector<Bytes> out{Bytes{}};
    wire::BlockHeader prev = params().genesis.header;
    for (int h = 1; h <= kBlocks; ++h) {
      wire::Block b = test::make_block(params(), prev, h, {}, 0);
      prev = b.header;
      out.push_back(wire::to_bytes(b));
    }
    return out;
  }();
  return blocks;
}

// The peer manager as the server sees it: send queues the input sets, held peers remembered.
struct FuzzPeers final : peer::PeerControl {
  std::map<peer::PeerId, std::size_t> queued;
  std::map<peer::PeerId, bool> held;
  std::map<peer::PeerId, bool> gone;
  void send(peer::PeerId, const wire::Message&) override {}
  void disconnect(peer::PeerId id, const std::string&) override { gone[id] = true; }
  void misbehaving(peer::PeerId, peer::Offence, const std::string&) override {}
  void set_degraded(peer::PeerId, bool, const std::string&) override {}
  void send_frame(peer::PeerId id, Bytes frame) override { queued[id] += frame.size(); }
  std::size_t send_queue_bytes(peer::PeerId id) const override {
    auto it = queued.find(id);
    return it == queued.end() ? 0 : it->second;
  }
  void hold_messages(peer::PeerId id, bool hold) override { held[id] = hold; }
};

// Completions posted by the reader threads, run on this thread.
struct Posted {
  std::mutex mutex;
  std::condition_variable cv;
  std::deque<std::function<void()>> tasks;
  void post(std::function<void()> task) {
    std::lock_guard lock(mutex);
    tasks.push_back(std::move(task));
    cv.notify_one();
  }
  // Runs completions until the server has no read in flight.
  void drain(const sync::BlockServer& server) {
    while (server.stats().reads_in_flight > 0) {
      std::unique_lock lock(mutex);
      cv.wait(lock, [this] { return !tasks.empty(); });
      auto task = std::move(tasks.front());
      tasks.pop_front();
      lock.unlock();
      task();
    }
  }
};

Hash256 pick_hash(Input& in, const sync::HeaderTree& tree) {
  const std::uint8_t b = in.byte();
  if (b < 200) return *tree.at_height(b % (kBlocks + 1))->hash;
  Hash256 h; // unknown
  h.bytes[0] = b;
  h.bytes[1] = in.byte();
  return h;
}

wire::InvType pick_type(std::uint8_t b) {
  static constexpr wire::InvType kTypes[] = {wire::InvType::block, wire::InvType::witness_block, wire::InvType::tx,
                                              wire::InvType::cmpct_block, wire::InvType::filtered_block,
                                              wire::InvType::wtx, wire::InvType{0x12345}, wire::InvType::witness_tx};
  return kTypes[b % 8];
}

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  Input in{data, size};
  util::Logger log{util::Logger::null_sink()};
  sync::HeaderTree tree(params());
  for (int h = 1; h <= kBlocks; ++h) {
    auto accepted = tree.accept(*wire::from_bytes<wire::BlockHeader>(ByteSpan(stored()[h]).first(80)), kNow);
    if (!accepted) __builtin_trap();
    const std::uint8_t flags = (h % 7 == 0) ? 0 : sync::kHaveData | sync::kHaveUndo; // some pruned
    tree.restore_data(*accepted->entry, flags, {0, static_cast<std::uint32_t>(h)}, {0, static_cast<std::uint32_t>(h)});
  }
  const sync::HeaderEntry* tip = &tree.best();
  std::int64_t now = kNow;
  const std::uint8_t setup = in.byte();
  sync::BlockServerOptions options;
  options.pruned = setup & 1;
  options.max_upload_target = (setup & 2) ? sync::UploadTarget::kRecentBlocksReserve + 100'000 : 0;
  options.send_buffer_bytes = 200 + (setup >> 2) * 50;
  options.reads_per_peer = 1 + (setup >> 5) % 3;
  options.max_reads = 3;
  options.unix_now = [&] { return now; };
  FuzzPeers peers;
  Posted posted;
  // The read fails for a position past the chain: a damaged file.
  sync::BlockServer server(
      tree, [&]() -> const sync::HeaderEntry& { return *tip; },
      [](sync::BlockPos pos) -> std::expected<Bytes, std::string> {
        if (pos.offset >= stored().size() || stored()[pos.offset].empty()) return std::unexpected("damaged");
        return stored()[pos.offset];
      },
      [&](std::function<void()> task) { posted.post(std::move(task)); }, peers, log, options);

  while (in.more()) {
    const std::uint8_t op = in.byte();
    const peer::PeerId id = 1 + (op >> 4) % 3;
    if (peers.gone[id] && op % 8 < 2) continue; // a disconnected peer sends nothing more
    switch (op % 8) {
    case 0: { // getdata, unless the server holds this peer's messages
      if (peers.held[id]) break;
      wire::GetDataMessage m;
      const std::size_t count = in.byte() == 0xff ? wire::kMaxInvItems : in.byte() % 24;
      const wire::InvType type = pick_type(in.byte());
      const Hash256 hash = pick_hash(in, tree);
      for (std::size_t i = 0; i < count && in.more(); ++i) m.items.push_back({pick_type(in.byte()), pick_hash(in, tree)});
      for (std::size_t i = m.items.size(); i < count; ++i) m.items.push_back({type, hash}); // a flood of one item
      server.on_getdata(id, m);
      break;
    }
    case 1: {
      if (peers.held[id]) break;
      wire::GetBlocksMessage m;
      for (int i = in.byte() % 5; i > 0; --i) m.locator.push_back(pick_hash(in, tree));
      if (in.byte() & 1) m.hash_stop = pick_hash(in, tree);
      server.on_getblocks(id, m);
      break;
    }
    case 2: { // the peer's queue drains (or part of it)
      std::size_t& q = peers.queued[id];
      const std::size_t sent = q * in.byte() / 255;
      q -= sent;
      server.on_peer_sent(id, sent + 1, q);
      break;
    }
    case 3: server.on_peer_sent(id, std::size_t{in.byte()} << 12, peers.queued[id]); break; // upload spent
    case 4: now += std::int64_t{in.byte()} * 3600; break;
    case 5: tip = tree.at_height(in.byte() % (kBlocks + 1)); break;
    case 6:
      server.on_peer_closed(id);
      peers.gone[id] = false; // the id is reused here as a new peer would be
      peers.queued[id] = 0;
      peers.held[id] = false;
      break;
    case 7: posted.drain(server); break;
    }
    const auto& s = server.stats();
    if (s.reads_in_flight > options.max_reads || s.peak_reads_in_flight > options.max_reads) __builtin_trap();
    for (peer::PeerId p = 1; p <= 3; ++p)
      if (server.pending(p) > wire::kMaxInvItems + options.reads_per_peer) __builtin_trap();
  }
  posted.drain(server);
  if (server.stats().reads_in_flight != 0) __builtin_trap();
  return 0;
}
