// Drives block sync (header sync, the download scheduler and the chain state together) with what
// peers could send it: connect with any services, headers of the honest chain or of a heavier
// branch (any slice), blocks of either (some altered in transit, some unrequested), notfound, inv,
// getheaders, silence while the clock runs, disconnects. No crash and no chain error; no peer ever
// has more than 16 blocks in flight; the validated tip is always a valid header.
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <unistd.h>
#include <vector>

#include "../sync/block_builder.hpp"
#include "sync/block_import.hpp"
#include "sync/block_sync.hpp"
#include "fuzz_input.hpp"

using namespace peregrine;

namespace {

using fuzz::Input;

const consensus::ChainParams& params() { return consensus::chain_params(consensus::Network::regtest); }

std::vector<wire::Block> build(const wire::BlockHeader& parent, int first_height, int count, std::uint32_t tag) {
  std::vector<wire::Block> blocks;
  wire::BlockHeader prev = parent;
  for (int i = 0; i < count; ++i) {
    blocks.push_back(test::make_block(params(), prev, first_height + i, {}, 0, tag));
    prev = blocks.back().header;
  }
  return blocks;
}

// Built once: 24 honest blocks, and a 12-block branch from height 16 that ends with more work.
const std::vector<wire::Block>& honest() {
  static const auto blocks = build(params().genesis.header, 1, 24, 0);
  return blocks;
}
const std::vector<wire::Block>& branch() {
  static const auto blocks = build(honest()[15].header, 17, 12, 7);
  return blocks;
}

// The peer manager as block sync sees it; nothing needs answering here.
struct NullPeers final : peer::PeerControl {
  void send(peer::PeerId, const wire::Message&) override {}
  void disconnect(peer::PeerId, const std::string&) override {}
  void misbehaving(peer::PeerId, peer::Offence, const std::string&) override {}
  void set_degraded(peer::PeerId, bool, const std::string&) override {}
  void send_frame(peer::PeerId, Bytes) override {}
  std::size_t send_queue_bytes(peer::PeerId) const override { return 0; }
  void hold_messages(peer::PeerId, bool) override {}
};

// One datadir per process, emptied for each input and removed at exit.
struct Datadir {
  std::filesystem::path path = std::filesystem::temp_directory_path() / ("fuzz_block_sync." + std::to_string(getpid()));
  ~Datadir() { std::filesystem::remove_all(path); }
};
const std::filesystem::path& datadir() {
  static const Datadir dir;
  return dir.path;
}

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  Input in{data, size};
  std::filesystem::remove_all(datadir());
  auto stores = sync::ChainStores::open(datadir(), params());
  if (!stores) __builtin_trap();
  util::Logger log{util::Logger::null_sink()};
  sync::HeaderTree tree(params());
  sync::ChainStateOptions options;
  options.par = 1;
  options.assumevalid = false;
  sync::ChainState chain(tree, *stores->headers, *stores->blocks, *stores->utxo, log, options);
  if (!chain.init()) __builtin_trap();
  NullPeers peers;
  auto now = std::chrono::steady_clock::time_point{} + std::chrono::hours(1);
  sync::HeaderSyncConfig hconfig;
  hconfig.now = [&] { return now; };
  hconfig.unix_now = [] { return std::int64_t{4'000'000'000}; };
  hconfig.salt = 1;
  sync::HeaderSync headers(tree, stores->headers.get(), peers, log, hconfig);
  sync::BlockSyncConfig config;
  config.now = [&] { return now; };
  sync::ChainWorker worker(chain, tree, sync::ChainWorker::Mode::inline_);
  sync::BlockSync blocks(tree, headers, worker, stores->headers.get(), peers, log, config);

  auto chain_of = [&](std::uint8_t b) -> const std::vector<wire::Block>& { return (b & 1) ? branch() : honest(); };
  while (in.more()) {
    const std::uint8_t op = in.byte();
    const peer::PeerId id = 1 + (op >> 4) % 3;
    const std::uint8_t arg = in.byte();
    const auto& source = chain_of(arg);
    const wire::Block& block = source[(arg >> 1) % source.size()];
    switch (op % 8) {
    case 0: {
      peer::PeerInfo info;
      info.id = id;
      info.type = peer::ConnectionType::outbound_full;
      info.version.version = peer::kProtocolVersion;
      info.version.services = (arg & 1) ? peer::kNodeWitness : peer::kNodeNetwork | peer::kNodeWitness;
      blocks.on_peer_ready(info);
      break;
    }
    case 1: {
      wire::HeadersMessage m;
      const std::size_t first = (arg >> 1) % source.size();
      const std::size_t count = 1 + in.byte() % source.size();
      for (std::size_t i = first; i < source.size() && m.headers.size() < count; ++i) m.headers.push_back(source[i].header);
      blocks.on_peer_message(id, m);
      break;
    }
    case 2: {
      wire::BlockMessage m{block};
      // Altered in transit: the merkle root no longer matches.
      if (in.byte() & 1) m.block.txs[0].outputs[0].value ^= 1 + (arg & 0x0f);
      blocks.on_peer_message(id, m);
      break;
    }
    case 3: blocks.on_peer_message(id, wire::NotFoundMessage{{{wire::InvType::witness_block, wire::block_hash(block.header)}}}); break;
    case 4: blocks.on_peer_message(id, wire::InvMessage{{{wire::InvType::block, wire::block_hash(block.header)}}}); break;
    case 5:
      now += std::chrono::milliseconds(arg * 40);
      blocks.tick();
      break;
    case 6: blocks.on_peer_closed(id); break;
    case 7: blocks.on_peer_message(id, wire::GetHeadersMessage{70016, {wire::block_hash(block.header)}, {}}); break;
    }
    if (!blocks.fatal_error().empty() || !chain.tip().valid()) __builtin_trap();
    for (const auto& s : blocks.download().peer_status())
      if (s.in_flight > 16) __builtin_trap();
  }
  blocks.tick();
  if (!blocks.fatal_error().empty() || !chain.tip().valid()) __builtin_trap();
  return 0;
}
