// The block download scheduler: the window above the validated tip, slots per peer, which peer may
// get which block, fastest peers first, requeueing, Core's adaptive stall timeout, the memory
// bound, and the window moving with the tip. Time is synthetic: every call gets its time point.
#include <doctest/doctest.h>

#include <algorithm>
#include <set>

#include "chain_builder.hpp"
#include "sync/block_download.hpp"

using namespace peregrine;
using namespace peregrine::test;
using namespace std::chrono_literals;
using sync::BlockDownload;
using sync::BlockDownloadOptions;

namespace {

const consensus::ChainParams& regtest() { return consensus::chain_params(consensus::Network::regtest); }
constexpr std::int64_t kNow = 2'000'000'000; // every test header is in the past
constexpr int kChainLength = 3'000;
const BlockDownload::TimePoint kStart = BlockDownload::TimePoint{} + 1h;

// Mined once: the tests share the headers, each builds its own tree (block data flags change).
const std::vector<wire::BlockHeader>& main_chain() {
  static const auto chain = mine_chain(regtest(), kChainLength, 1);
  return chain;
}

struct Chain {
  sync::HeaderTree tree{regtest()};
  Chain() {
    for (const auto& h : main_chain()) REQUIRE(tree.accept(h, kNow).has_value());
    REQUIRE(tree.best_height() == kChainLength);
  }
  const sync::HeaderEntry& at(int height) const { return *tree.at_height(height); }
  const Hash256& hash(int height) const { return *at(height).hash; }
  int height_of(const Hash256& hash) const { return tree.find(hash)->height; }
  const sync::HeaderEntry& best() const { return tree.best(); }
  // What the caller does with a delivered block: store it (the scheduler then skips it).
  void store(int height) { tree.set_data_pos(at(height), {0, static_cast<std::uint32_t>(height)}); }
};

std::vector<int> heights(const Chain& chain, const std::vector<Hash256>& hashes) {
  std::vector<int> out;
  for (const auto& h : hashes) out.push_back(chain.height_of(h));
  return out;
}

std::vector<int> range(int first, int last) {
  std::vector<int> out;
  for (int h = first; h <= last; ++h) out.push_back(h);
  return out;
}

const BlockDownload::Request* request_of(const std::vector<BlockDownload::Request>& requests, peer::PeerId peer) {
  for (const auto& r : requests)
    if (r.peer == peer) return &r;
  return nullptr;
}

// The scheduling rules alone: blocks in flight are not counted against the memory bound.
BlockDownloadOptions scheduling_only() {
  BlockDownloadOptions options;
  options.memory_per_block_byte = 0;
  return options;
}

} // namespace

TEST_CASE("block download: the window above the tip, lowest first, 16 per peer, never twice") {
  Chain chain;
  BlockDownload download(chain.tree, chain.tree.genesis(), scheduling_only());
  CHECK(download.window_base() == 0);
  CHECK(download.window_end() == 1'024);
  CHECK(download.queued() == 1'024);
  for (peer::PeerId p = 1; p <= 80; ++p) download.peer_best(p, &chain.best());

  const auto requests = download.assign(kStart);
  REQUIRE(requests.size() == 64); // 1,024 blocks / 16: the other 16 peers get nothing
  std::set<Hash256> seen;
  std::vector<int> all;
  for (const auto& r : requests) {
    CHECK(r.hashes.size() == 16);
    CHECK(download.in_flight(r.peer) == 16);
    auto h = heights(chain, r.hashes);
    CHECK(std::is_sorted(h.begin(), h.end()));
    all.insert(all.end(), h.begin(), h.end());
    for (const auto& hash : r.hashes) CHECK(seen.insert(hash).second);
  }
  std::sort(all.begin(), all.end());
  CHECK(all == range(1, 1'024));
  // Without a measured rate peers are served by id: the first gets the lowest blocks.
  CHECK(requests.front().peer == 1);
  CHECK(heights(chain, requests.front().hashes) == range(1, 16));
  CHECK(download.in_flight() == 1'024);
  CHECK(download.queued() == 0);
  CHECK(download.assign(kStart + 1s).empty());
  CHECK(download.in_flight(80) == 0);
}

TEST_CASE("block download: a peer is only given blocks its best header has") {
  Chain chain;
  // A branch leaving the main chain at height 5: a peer on it has blocks 1-5 of ours only.
  const auto fork = mine_chain(regtest(), main_chain()[4], 20, 2);
  for (const auto& h : fork) REQUIRE(chain.tree.accept(h, kNow).has_value());
  REQUIRE(chain.tree.best_height() == kChainLength);

  BlockDownload download(chain.tree, chain.tree.genesis(), scheduling_only());
  download.peer_best(1, chain.tree.find(wire::block_hash(fork.back())));
  download.peer_best(2, &chain.at(10));
  download.peer_best(3, nullptr); // no headers known yet
  auto requests = download.assign(kStart);
  REQUIRE(requests.size() == 2);
  CHECK(heights(chain, request_of(requests, 1)->hashes) == range(1, 5));
  CHECK(heights(chain, request_of(requests, 2)->hashes) == range(6, 10));
  CHECK(request_of(requests, 3) == nullptr);

  // Learning of more headers makes the peer useful.
  download.peer_best(3, &chain.best());
  requests = download.assign(kStart);
  REQUIRE(requests.size() == 1);
  CHECK(requests[0].peer == 3);
  CHECK(heights(chain, requests[0].hashes) == range(11, 26));
}

TEST_CASE("block download: the fastest peers get free slots first") {
  Chain chain;
  BlockDownload download(chain.tree, chain.tree.genesis(), scheduling_only());
  for (peer::PeerId p = 1; p <= 3; ++p) download.peer_best(p, &chain.best());
  auto requests = download.assign(kStart);
  REQUIRE(requests.size() == 3);
  CHECK(heights(chain, request_of(requests, 3)->hashes) == range(33, 48));

  // Peer 3 delivers 1 MB in 100 ms, peer 1 the same in 2 s.
  CHECK(download.block_received(3, chain.hash(33), 1'000'000, kStart + 100ms));
  CHECK(download.block_received(1, chain.hash(1), 1'000'000, kStart + 2s));
  chain.store(33);
  chain.store(1);
  CHECK(download.rate(3) == doctest::Approx(10'000'000));
  CHECK(download.rate(1) == doctest::Approx(500'000));
  CHECK(download.rate(2) == 0);
  CHECK(download.in_flight() == 46);

  requests = download.assign(kStart + 2s);
  REQUIRE(requests.size() == 2);
  CHECK(requests[0].peer == 3);
  CHECK(heights(chain, requests[0].hashes) == std::vector<int>{49});
  CHECK(requests[1].peer == 1);
  CHECK(heights(chain, requests[1].hashes) == std::vector<int>{50});

  const auto status = download.peer_status();
  REQUIRE(status.size() == 3);
  CHECK(status[2].peer == 3);
  CHECK(status[2].in_flight == 16);
  CHECK(status[2].bytes_per_second == doctest::Approx(10'000'000));
  CHECK_FALSE(status[2].stalling);

  // The rate follows later deliveries: peer 3 turning slow falls behind peer 1.
  for (int h = 34; h <= 48; ++h) CHECK(download.block_received(3, chain.hash(h), 1'000'000, kStart + 2s + (h - 33) * 10s));
  CHECK(download.rate(3) < download.rate(1));
}

TEST_CASE("block download: notfound and disconnection give the blocks to another peer") {
  Chain chain;
  BlockDownload download(chain.tree, chain.tree.genesis(), scheduling_only());
  download.peer_best(1, &chain.best());
  download.peer_best(2, &chain.best());
  auto requests = download.assign(kStart);
  REQUIRE(requests.size() == 2);
  CHECK(heights(chain, request_of(requests, 2)->hashes) == range(17, 32));

  // Unrequested blocks, or blocks requested from someone else, are not the peer's to deliver.
  CHECK_FALSE(download.block_received(2, chain.hash(5), 1'000, kStart));
  CHECK_FALSE(download.block_received(2, chain.hash(100), 1'000, kStart));
  CHECK(download.in_flight() == 32);

  CHECK(download.block_received(2, chain.hash(17), 1'000, kStart + 10ms));
  chain.store(17);
  download.not_found(1, chain.hash(5));
  CHECK(download.in_flight(1) == 15);
  CHECK_FALSE(download.is_in_flight(chain.hash(5)));
  CHECK(download.queued() == 1'024 - 32 + 1);

  // Peer 2 (measured) is served first and takes block 5; peer 1 is never asked for it again.
  requests = download.assign(kStart + 20ms);
  REQUIRE(requests.size() == 2);
  CHECK(requests[0].peer == 2);
  CHECK(heights(chain, requests[0].hashes) == std::vector<int>{5});
  CHECK(heights(chain, request_of(requests, 1)->hashes) == std::vector<int>{33});

  // Peer 2 leaves: its blocks (5 and 18-32) go to a newcomer, peer 1 being full.
  download.peer_disconnected(2);
  CHECK(download.in_flight() == 16);
  CHECK(download.in_flight(2) == 0);
  download.peer_best(3, &chain.best());
  requests = download.assign(kStart + 30ms);
  REQUIRE(requests.size() == 1);
  CHECK(requests[0].peer == 3);
  auto expected = range(18, 32);
  expected.insert(expected.begin(), 5);
  CHECK(heights(chain, requests[0].hashes) == expected);
  // A late block from the departed peer is unrequested.
  CHECK_FALSE(download.block_received(2, chain.hash(20), 1'000, kStart + 40ms));
}

TEST_CASE("block download: a stalling peer is named after 2 s, the timeout doubles to 64 s and decays") {
  Chain chain;
  BlockDownloadOptions options;
  options.memory_per_block_byte = 0; // scheduling only
  options.window = 32;
  BlockDownload download(chain.tree, chain.tree.genesis(), options);
  download.peer_best(1, &chain.best());
  download.peer_best(2, &chain.best());
  auto requests = download.assign(kStart);
  REQUIRE(requests.size() == 2);

  // Peer 2 delivers all of its blocks; peer 1 sits on block 1, the window cannot move.
  auto now = kStart;
  for (int h = 17; h <= 32; ++h) {
    now += 10ms;
    CHECK(download.block_received(2, chain.hash(h), 1'000, now));
    chain.store(h);
  }
  CHECK(download.assign(now).empty());
  CHECK(download.peer_status()[0].stalling);
  CHECK_FALSE(download.stalled(now + 2s)); // Core's rule: more than the timeout
  CHECK(download.stalled(now + 2s + 1ms) == peer::PeerId{1});
  CHECK(download.stall_timeout() == 4s);
  // Its blocks are back in the queue; the caller disconnects it, which is then a no-op here.
  CHECK(download.in_flight() == 0);
  CHECK(download.queued() == 16);
  download.peer_disconnected(1);
  now += 2s + 1ms;

  // Each round a newcomer joins: one peer takes blocks 1-16 and stalls, the other starves.
  peer::PeerId next = 3;
  for (auto timeout : {4s, 8s, 16s, 32s, 64s, 64s}) {
    CAPTURE(timeout.count());
    download.peer_best(next++, &chain.best());
    requests = download.assign(now);
    REQUIRE(requests.size() == 1);
    const peer::PeerId staller = requests[0].peer;
    CHECK(heights(chain, requests[0].hashes) == range(1, 16));
    CHECK_FALSE(download.stalled(now + timeout));
    CHECK(download.stalled(now + timeout + 1ms) == staller);
    CHECK(download.stall_timeout() == std::min<std::chrono::milliseconds>(timeout * 2, 64s));
    now += timeout + 1ms;
  }
  CHECK(download.stall_timeout() == 64s);

  // A staller that delivers gets a fresh timer for its next block.
  download.peer_best(next++, &chain.best());
  requests = download.assign(now);
  REQUIRE(requests.size() == 1);
  const peer::PeerId slow = requests[0].peer;
  CHECK(download.block_received(slow, chain.hash(1), 1'000, now + 60s));
  chain.store(1);
  CHECK(download.stall_timeout() == 64s); // it was stalling: not a block in time
  download.set_tip(chain.at(1));
  // Its free slot takes block 33; the other peer starves, so its timer restarts for block 2.
  requests = download.assign(now + 60s);
  REQUIRE(requests.size() == 1);
  CHECK(requests[0].peer == slow);
  CHECK(heights(chain, requests[0].hashes) == std::vector<int>{33});
  CHECK(download.assign(now + 60s).empty());
  CHECK_FALSE(download.stalled(now + 64s + 1ms));
  CHECK(download.stalled(now + 124s + 1ms) == slow);

  // Blocks arriving in time bring the timeout back down by Core's 0.85 a block, to 2 s.
  auto timeout = download.stall_timeout();
  CHECK(timeout == 64s);
  const peer::PeerId fast = next++;
  download.peer_best(fast, &chain.best());
  now += 200s;
  for (int round = 0; round < 3; ++round) {
    for (const auto& r : download.assign(now)) {
      for (const auto& hash : r.hashes) {
        now += 10ms;
        CHECK(download.block_received(r.peer, hash, 1'000, now));
        chain.store(chain.height_of(hash));
        CHECK(download.stall_timeout() <= timeout);
        timeout = download.stall_timeout();
      }
    }
    download.set_tip(chain.at(download.window_base() + 16));
  }
  CHECK(download.stall_timeout() == 2s);
}

TEST_CASE("block download: the first timely block shrinks the stall timeout by 0.85") {
  Chain chain;
  BlockDownloadOptions options;
  options.memory_per_block_byte = 0; // scheduling only
  options.window = 16;
  BlockDownload download(chain.tree, chain.tree.genesis(), options);
  download.peer_best(1, &chain.best());
  download.peer_best(2, &chain.best());
  download.assign(kStart);
  CHECK(download.assign(kStart).empty()); // peer 2 starves, peer 1 holds the window
  REQUIRE(download.stalled(kStart + 3s) == peer::PeerId{1});
  CHECK(download.stall_timeout() == 4s);
  const auto requests = download.assign(kStart + 3s);
  REQUIRE(requests.size() == 1);
  CHECK(download.block_received(2, requests[0].hashes[0], 1'000, kStart + 3s + 10ms));
  CHECK(download.stall_timeout() == 3'400ms);
}

TEST_CASE("block download: buffered bytes over the limit stop new requests until they drop") {
  Chain chain;
  BlockDownloadOptions options;
  options.max_buffered_bytes = 64u << 20;
  options.memory_per_block_byte = 0; // the buffered bytes alone (in flight: the next case)
  BlockDownload download(chain.tree, chain.tree.genesis(), options);
  download.peer_best(1, &chain.best());
  download.peer_best(2, &chain.best());
  download.set_buffered_bytes((64u << 20) + 1);
  CHECK(download.buffered_bytes() == (64u << 20) + 1);
  CHECK(download.assign(kStart).empty());
  CHECK(download.in_flight() == 0);
  CHECK(download.queued() == 1'024);

  download.set_buffered_bytes(64u << 20); // at the limit is still fine
  auto requests = download.assign(kStart);
  REQUIRE(requests.size() == 2);
  CHECK(download.in_flight() == 32);

  // Peer 2 delivers, the validator falls behind: peer 2's free slots stay empty.
  for (int h = 17; h <= 32; ++h) {
    CHECK(download.block_received(2, chain.hash(h), 4u << 20, kStart + 1s));
    chain.store(h);
  }
  download.set_buffered_bytes(80u << 20);
  CHECK(download.assign(kStart + 1s).empty());
  CHECK(download.in_flight(2) == 0);
  download.set_buffered_bytes(10u << 20);
  requests = download.assign(kStart + 2s);
  REQUIRE(requests.size() == 1);
  CHECK(requests[0].peer == 2);
  CHECK(requests[0].hashes.size() == 16);
}

TEST_CASE("block download: with many peers and full blocks, what is in flight stays within the memory bound") {
  Chain chain;
  BlockDownload download(chain.tree, chain.tree.genesis()); // 64 MiB; a block byte takes 4 in memory
  for (peer::PeerId p = 1; p <= 8; ++p) download.peer_best(p, &chain.best());
  // Nothing known of block sizes yet: 1 MB each, 4 MB of memory: 16 blocks, not 8 peers x 16.
  auto requests = download.assign(kStart);
  CHECK(download.in_flight() == 16);
  // Full 2 MB blocks come in and wait for the chain; whatever is asked keeps buffered + in flight
  // (at the average) within the bound, one block over at most.
  std::size_t buffered = 0;
  for (int round = 0; round < 8 && !requests.empty(); ++round) {
    for (const auto& r : requests) {
      for (const auto& hash : r.hashes) {
        CHECK(download.block_received(r.peer, hash, 2'000'000, kStart + 1s));
        chain.store(chain.height_of(hash));
        buffered += 8'000'000;
        download.set_buffered_bytes(buffered);
      }
    }
    requests = download.assign(kStart + 1s);
    if (!requests.empty())
      CHECK(buffered + download.in_flight() * download.expected_block_memory() <=
            (64u << 20) + download.expected_block_memory());
  }
  // The chain catches up: room for 64 MiB of 8 MB blocks in flight again.
  buffered = 0;
  download.set_buffered_bytes(0);
  download.assign(kStart + 2s);
  CHECK(download.expected_block_memory() > 7'000'000);
  CHECK(download.in_flight() * download.expected_block_memory() <= (64u << 20) + download.expected_block_memory());
  CHECK(download.in_flight() >= 7);
}

TEST_CASE("block download: the window moves up when the tip advances") {
  Chain chain;
  BlockDownloadOptions options;
  options.memory_per_block_byte = 0; // scheduling only
  options.window = 32;
  BlockDownload download(chain.tree, chain.tree.genesis(), options);
  for (peer::PeerId p = 1; p <= 3; ++p) download.peer_best(p, &chain.best());
  auto requests = download.assign(kStart);
  REQUIRE(requests.size() == 2);
  CHECK(request_of(requests, 3) == nullptr); // the window (0, 32] is all in flight
  CHECK(download.queued() == 0);

  auto now = kStart;
  for (const auto& r : requests)
    for (const auto& hash : r.hashes) {
      now += 1ms;
      CHECK(download.block_received(r.peer, hash, 1'000, now));
      chain.store(chain.height_of(hash));
    }
  CHECK(download.assign(now).empty()); // all stored, none validated yet

  download.set_tip(chain.at(20));
  CHECK(download.window_base() == 20);
  CHECK(download.window_end() == 52);
  CHECK(download.queued() == 20);
  requests = download.assign(now);
  std::vector<int> all;
  for (const auto& r : requests) {
    auto h = heights(chain, r.hashes);
    all.insert(all.end(), h.begin(), h.end());
  }
  std::sort(all.begin(), all.end());
  CHECK(all == range(33, 52));

  // Near the end of the header chain the window stops at the best header.
  download.set_tip(chain.at(kChainLength - 10));
  CHECK(download.window_end() == kChainLength);
  CHECK(download.queued() == 10);
}

TEST_CASE("block download: a peer withholding the next block stalls even when the chain is shorter than the window") {
  // Core names a staller only when the window is what stops the idle peer; a 40-block chain never
  // fills a 1,024-block window, and a peer sitting on blocks 1-16 would hold the chain forever.
  Chain chain;
  BlockDownload download(chain.tree, chain.tree.genesis(), scheduling_only());
  const sync::HeaderEntry& short_best = chain.at(40);
  download.peer_best(1, &short_best);
  download.peer_best(2, &short_best);
  auto requests = download.assign(kStart);
  REQUIRE(requests.size() == 2);
  const peer::PeerId withholder = requests[0].peer;
  const peer::PeerId honest = requests[1].peer;
  auto now = kStart;
  for (const auto& hash : requests[1].hashes) {
    now += 10ms;
    CHECK(download.block_received(honest, hash, 1'000, now));
    chain.store(chain.height_of(hash));
  }
  // The honest peer takes what is left (33-40) and delivers it too.
  requests = download.assign(now);
  REQUIRE(requests.size() == 1);
  CHECK(heights(chain, requests[0].hashes) == range(33, 40));
  for (const auto& hash : requests[0].hashes) {
    CHECK(download.block_received(honest, hash, 1'000, now));
    chain.store(chain.height_of(hash));
  }
  CHECK(download.assign(now).empty());
  CHECK(download.stalled(now + 2s + 1ms) == withholder);
  requests = download.assign(now + 2s + 1ms);
  REQUIRE(requests.size() == 1);
  CHECK(requests[0].peer == honest);
  CHECK(heights(chain, requests[0].hashes) == range(1, 16));

  // A peer without the stuck block sitting idle names nobody.
  Chain other;
  BlockDownload download2(other.tree, other.tree.genesis());
  download2.peer_best(1, &other.at(40));
  REQUIRE(download2.assign(kStart).size() == 1); // peer 1: blocks 1-16
  download2.peer_best(3, &other.tree.genesis());  // has nothing we need
  CHECK(download2.assign(kStart).empty());
  CHECK_FALSE(download2.stalled(kStart + 10s));
}
