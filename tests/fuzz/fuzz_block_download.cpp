// Drives the block download scheduler with what peers could do to it: claim any best header (or
// none), deliver any block or none, answer notfound, vanish, stall; while the validated tip moves
// anywhere, blocks get stored, the validator's backlog changes, the clock moves, and a competing
// branch overtakes the best header chain. No crash, and the bookkeeping holds: no peer has more
// than its share in flight, the per-peer counts add up, and every request names blocks in flight.
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <vector>

#include "../sync/chain_builder.hpp"
#include "sync/block_download.hpp"
#include "fuzz_input.hpp"

using namespace peregrine;

namespace {

using fuzz::Input;

const consensus::ChainParams& params() { return consensus::chain_params(consensus::Network::regtest); }

// Mined once: 60 headers, and a 30-header branch from height 40 that ends with more work.
const std::vector<wire::BlockHeader>& main_chain() {
  static const auto chain = test::mine_chain(params(), 60);
  return chain;
}
const std::vector<wire::BlockHeader>& branch() {
  static const auto chain = test::mine_chain(params(), main_chain()[39], 30, 7);
  return chain;
}

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  Input in{data, size};
  sync::HeaderTree tree(params());
  const std::int64_t far_future = 4'000'000'000;
  std::vector<const sync::HeaderEntry*> entries{&tree.genesis()};
  for (const auto& h : main_chain()) entries.push_back(tree.accept(h, far_future)->entry);
  std::size_t revealed = 0;

  sync::BlockDownloadOptions options;
  options.window = 1 + in.byte() % 40;
  options.max_in_flight_per_peer = 1 + in.byte() % 8;
  options.max_buffered_bytes = 1'000'000;
  sync::BlockDownload download(tree, tree.genesis(), options);
  auto now = sync::BlockDownload::TimePoint{};
  auto pick = [&] { return entries[in.byte() % entries.size()]; };

  while (in.more()) {
    const std::uint8_t op = in.byte();
    const peer::PeerId peer = 1 + (op >> 4) % 4;
    switch (op % 10) {
    case 0: download.peer_best(peer, (op & 0x80) ? nullptr : pick()); break;
    case 1: download.peer_disconnected(peer); break;
    case 2:
      for (const auto& request : download.assign(now)) {
        if (request.hashes.empty() ||
            request.hashes.size() > static_cast<std::size_t>(options.max_in_flight_per_peer))
          __builtin_trap();
        for (const auto& hash : request.hashes)
          if (!download.is_in_flight(hash)) __builtin_trap();
      }
      break;
    case 3: {
      const sync::HeaderEntry* e = pick();
      Hash256 hash = *e->hash;
      if (op & 0x80) hash.bytes[0] ^= 1; // a block nobody asked for
      download.block_received(peer, hash, in.byte() * 1000u, now);
      if (in.byte() & 1) tree.set_data_pos(*e, {0, 0}); // stored
      break;
    }
    case 4: download.not_found(peer, *pick()->hash); break;
    case 5: download.stalled(now); break;
    case 6: download.set_buffered_bytes(in.byte() * 10'000u); break;
    case 7: download.set_tip(*pick()); break;
    case 8: now += std::chrono::milliseconds(in.byte() * 250); break;
    case 9:
      if (revealed < branch().size()) entries.push_back(tree.accept(branch()[revealed++], far_future)->entry);
      break;
    }
    int sum = 0;
    for (const auto& status : download.peer_status()) {
      if (status.in_flight < 0 || status.in_flight > options.max_in_flight_per_peer) __builtin_trap();
      sum += status.in_flight;
    }
    if (static_cast<std::size_t>(sum) != download.in_flight()) __builtin_trap();
    (void)download.queued();
  }
  return 0;
}
