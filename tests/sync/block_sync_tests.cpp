// Block sync driven end to end without sockets: header sync, the download scheduler and the chain
// state wired together, against scripted peers serving chains of real blocks (spendable outputs,
// real merkle roots, regtest proof of work). Honest download, altered and witness-stripped blocks,
// an invalid fork, withholding, notfound, peers without the services, peers that close.
#include <doctest/doctest.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <functional>
#include <map>
#include <memory>
#include <set>
#include <thread>
#include <string>
#include <tuple>
#include <unordered_map>
#include <vector>

#include "block_builder.hpp"
#include "posted_tasks.hpp"
#include "recording_peers.hpp"
#include "crypto/sha256.hpp"
#include "peer/handshake.hpp"
#include "peer/offence.hpp"
#include "sync/block_import.hpp"
#include "sync/block_server.hpp"
#include "sync/block_sync.hpp"
#include "temp_dir.hpp"
#include "wire/merkle.hpp"

using namespace peregrine;
using namespace peregrine::test;
using namespace std::chrono_literals;

namespace {

const consensus::ChainParams& regtest() { return consensus::chain_params(consensus::Network::regtest); }
constexpr std::int64_t kNow = 2'000'000'000; // after every test block, so headers are not "from the future"
constexpr std::uint64_t kFullServices = peer::kNodeNetwork | peer::kNodeWitness;

// A chain of blocks as one peer holds it (heights 1..n on top of genesis).
struct ServedChain {
  std::vector<wire::Block> blocks;
  std::unordered_map<Hash256, int> heights;
  std::uint32_t tag = 0;

  explicit ServedChain(std::uint32_t t = 0) : tag(t) {}
  int height() const { return static_cast<int>(blocks.size()); }
  const wire::BlockHeader& tip_header() const {
    return blocks.empty() ? regtest().genesis.header : blocks.back().header;
  }
  Hash256 hash(int h) const { return h == 0 ? regtest().genesis_hash : wire::block_hash(blocks.at(h - 1).header); }
  Hash256 tip() const { return hash(height()); }
  wire::OutPoint coinbase_of(int h) const { return {wire::txid(blocks.at(h - 1).txs[0]), 0}; }
  std::int64_t coinbase_value(int h) const { return blocks.at(h - 1).txs[0].outputs[0].value; }

  void push(wire::Block block) {
    heights[wire::block_hash(block.header)] = height() + 1;
    blocks.push_back(std::move(block));
  }
  // The next block; from height 102 on each spends the coinbase of 100 blocks back (mature by
  // then), so the chain state checks real inputs and scripts.
  void add(std::vector<wire::Transaction> txs = {}, std::int64_t fees = 0) {
    const int h = height() + 1;
    if (txs.empty() && h >= 102) {
      txs.push_back(spend_tx(coinbase_of(h - 100), coinbase_value(h - 100), 1'000, 2));
      fees = 1'000;
    }
    push(make_block(regtest(), tip_header(), h, std::move(txs), fees, tag));
  }
  void grow(int count) {
    for (int i = 0; i < count; ++i) add();
  }
  // Another chain sharing this one's first `height` blocks, to grow differently from there.
  ServedChain fork(int height, std::uint32_t new_tag) const {
    ServedChain f(new_tag);
    for (int h = 1; h <= height; ++h) f.push(blocks[h - 1]);
    return f;
  }
};

ServedChain honest_chain(int length) {
  ServedChain c;
  c.grow(length);
  return c;
}

// After changing a block's transactions: its merkle root again, and proof of work.
void seal(wire::Block& block) {
  block.header.merkle_root = wire::block_merkle_root(block).root;
  block.header.nonce = 0;
  while (!consensus::check_proof_of_work(wire::block_hash(block.header), block.header.bits, regtest()))
    ++block.header.nonce;
}

// Witness v0 script hash of OP_TRUE: spendable with the witness stack {OP_TRUE} alone.
Bytes p2wsh_op_true() {
  const auto digest = crypto::sha256(kOpTrue);
  Bytes script{0x00, 0x20};
  script.insert(script.end(), digest.begin(), digest.end());
  return script;
}

// BIP141: a 32-byte witness nonce on the coinbase and the commitment output it pairs with.
void add_witness_commitment(wire::Block& block) {
  Bytes nonce(32, 0);
  block.txs[0].inputs[0].witness = {nonce};
  const Hash256 commitment = crypto::sha256d_pair(wire::block_witness_merkle_root(block), Hash256{});
  Bytes script{0x6a, 0x24, 0xaa, 0x21, 0xa9, 0xed};
  script.insert(script.end(), commitment.bytes.begin(), commitment.bytes.end());
  block.txs[0].outputs.push_back({0, script});
  seal(block);
}

enum class Serve { honest, withhold, notfound };

// A scripted remote node: answers getheaders from its chain (after the first locator hash it
// has, as Core does) and getdata with its blocks, or withholds them, or says notfound.
struct ServingPeer {
  const ServedChain* chain = nullptr;
  Serve serve = Serve::honest;
  // Applied to each block before it is sent (a peer altering blocks).
  std::function<void(wire::Block&)> tamper;
  std::vector<Hash256> delivered; // blocks sent, unaltered ones only
};

// A node's sync stack in a temporary datadir, and the peers it talks to.
struct Net {
  TempDir temp{"peregrine-blocksync"};
  util::Logger log{[](util::LogLevel, std::string_view, std::string_view) {}};
  sync::ChainStores stores;
  sync::HeaderTree tree{regtest()};
  std::unique_ptr<sync::ChainState> chain;
  RecordingPeers peers;
  std::chrono::steady_clock::time_point clock = std::chrono::steady_clock::time_point{} + 1h;
  std::unique_ptr<sync::HeaderSync> headers;
  std::unique_ptr<sync::ChainWorker> worker;
  std::unique_ptr<sync::BlockSync> sync;
  std::map<peer::PeerId, ServingPeer> remote;
  std::set<peer::PeerId> closed;
  std::size_t answered = 0; // entries of peers.sent already answered

  // Measured on every getdata as it is sent.
  std::size_t max_items = 0;
  int max_in_flight = 0;
  int max_ahead = 0; // highest requested height above the validated tip
  bool all_witness = true;

  // The chain on a thread of its own, as in `peregrine sync`: its notifications are counted and
  // taken in by run(), as the io thread would.
  std::atomic<int> notifications{0};

  explicit Net(sync::BlockDownloadOptions download = {},
               sync::ChainWorker::Mode mode = sync::ChainWorker::Mode::inline_,
               std::int64_t max_tip_age = 24 * 60 * 60) {
    auto opened = sync::ChainStores::open(temp.path, regtest());
    REQUIRE_MESSAGE(opened.has_value(), opened.error());
    stores = std::move(*opened);
    REQUIRE(stores.headers->load_into(tree).has_value());
    sync::ChainStateOptions options;
    options.par = 1;
    options.assumevalid = false;
    chain = std::make_unique<sync::ChainState>(tree, *stores.headers, *stores.blocks, *stores.utxo, log, options);
    auto init = chain->init();
    REQUIRE_MESSAGE(init.has_value(), init.error());

    sync::HeaderSyncConfig hconfig;
    hconfig.now = [this] { return clock; };
    hconfig.unix_now = [] { return kNow; };
    hconfig.salt = 1;
    headers = std::make_unique<sync::HeaderSync>(tree, stores.headers.get(), peers, log, hconfig);
    sync::BlockSyncConfig config;
    config.download = download;
    config.now = [this] { return clock; };
    config.unix_now = [] { return kNow; };
    config.max_tip_age = max_tip_age;
    worker = std::make_unique<sync::ChainWorker>(*chain, tree, mode, [this] { ++notifications; });
    sync = std::make_unique<sync::BlockSync>(tree, *headers, *worker, stores.headers.get(), peers, log, config);
    thread_mode = mode == sync::ChainWorker::Mode::thread;

    peers.observe = [this](peer::PeerId id, const wire::Message& m) {
      const auto* g = std::get_if<wire::GetDataMessage>(&m);
      if (!g) return;
      max_items = std::max(max_items, g->items.size());
      max_in_flight = std::max(max_in_flight, sync->download().in_flight(id));
      for (const auto& item : g->items) {
        all_witness &= item.type == wire::InvType::witness_block;
        const sync::HeaderEntry* e = tree.find(item.hash);
        REQUIRE(e != nullptr);
        max_ahead = std::max(max_ahead, e->height - worker->tip().height);
      }
    };
  }
  void connect(peer::PeerId id, const ServedChain& served, Serve serve = Serve::honest,
               std::uint64_t services = kFullServices) {
    remote[id] = ServingPeer{&served, serve, {}, {}};
    peer::PeerInfo info;
    info.id = id;
    info.type = peer::ConnectionType::outbound_full;
    info.address = wire::NetAddress::ipv4({10, 0, 0, static_cast<std::uint8_t>(id)});
    info.port = 18444;
    info.version.version = peer::kProtocolVersion;
    info.version.services = services;
    info.version.user_agent = "/scripted:0.1/";
    info.version.start_height = served.height();
    sync->on_peer_ready(info);
  }

  // What the peer manager does after a disconnect request or a disconnecting offence: closes the
  // connection (nothing more comes from it) and tells the handler. True when it closed any.
  bool close_disconnected() {
    std::set<peer::PeerId> doomed;
    for (const auto& [id, reason] : peers.disconnects) doomed.insert(id);
    // The peers here are outbound and neither manual nor local, so every offence that is not
    // dropped or ignored ends the connection.
    for (const auto& o : peers.offences) {
      const peer::Outcome outcome = peer::offence_info(o.offence).outcome;
      if (outcome != peer::Outcome::ignore && outcome != peer::Outcome::drop_message) doomed.insert(o.peer);
    }
    bool any = false;
    for (peer::PeerId id : doomed) {
      if (!closed.insert(id).second) continue;
      sync->on_peer_closed(id);
      any = true;
    }
    return any;
  }
  void close(peer::PeerId id) {
    closed.insert(id);
    sync->on_peer_closed(id);
  }

  void answer_headers(peer::PeerId id, const ServingPeer& p, const wire::GetHeadersMessage& request) {
    int from = 0;
    for (const auto& hash : request.locator) {
      if (hash == regtest().genesis_hash) break;
      if (auto it = p.chain->heights.find(hash); it != p.chain->heights.end()) {
        from = it->second;
        break;
      }
    }
    wire::HeadersMessage reply;
    for (int h = from + 1; h <= p.chain->height() && reply.headers.size() < wire::kMaxHeadersResults; ++h)
      reply.headers.push_back(p.chain->blocks[h - 1].header);
    sync->on_peer_message(id, reply);
  }

  void answer_getdata(peer::PeerId id, ServingPeer& p, const wire::GetDataMessage& request) {
    if (p.serve == Serve::withhold) return;
    wire::NotFoundMessage missing;
    for (const auto& item : request.items) {
      auto it = p.chain->heights.find(item.hash);
      if (p.serve == Serve::notfound || it == p.chain->heights.end()) {
        missing.items.push_back(item);
        continue;
      }
      wire::Block block = p.chain->blocks[it->second - 1];
      if (p.tamper) p.tamper(block);
      if (block == p.chain->blocks[it->second - 1]) p.delivered.push_back(item.hash);
      sync->on_peer_message(id, wire::BlockMessage{std::move(block)});
      // A peer scored out is closed at once: the rest of its answer never arrives.
      close_disconnected();
      if (closed.contains(id)) return;
    }
    if (!missing.items.empty()) sync->on_peer_message(id, missing);
  }

  // Lets the peers answer everything sent so far, and what their answers cause, until quiet.
  void pump() {
    for (int steps = 0; steps < 100'000; ++steps) {
      if (answered < peers.sent.size()) {
        const auto [id, message] = peers.sent[answered++]; // a copy: answering appends to sent
        auto it = remote.find(id);
        if (it == remote.end() || closed.contains(id)) continue;
        if (const auto* g = std::get_if<wire::GetHeadersMessage>(&message)) answer_headers(id, it->second, *g);
        if (const auto* g = std::get_if<wire::GetDataMessage>(&message)) answer_getdata(id, it->second, *g);
        continue;
      }
      if (!close_disconnected()) return;
    }
    FAIL("the peers never went quiet");
  }

  // Pumps and ticks (script verdicts settle, the window moves) until synced; the clock stands
  // still, so no stall timer can fire here. With the chain on its own thread, its notifications
  // are taken in between, for up to a minute of wall time.
  bool run() {
    const auto deadline = std::chrono::steady_clock::now() + 60s;
    for (int i = 0; !sync->synced(); ++i) {
      if (thread_mode ? std::chrono::steady_clock::now() > deadline : i >= 50) break;
      pump();
      if (notifications.exchange(0) > 0) sync->on_chain_progress();
      sync->tick();
      pump();
      if (thread_mode) std::this_thread::sleep_for(1ms);
    }
    return sync->synced();
  }
  bool thread_mode = false;

  // The chain's figures as published (safe while its thread runs).
  Hash256 tip() const { return *worker->tip().hash; }
  const sync::HeaderEntry& entry(const Hash256& hash) const {
    const sync::HeaderEntry* e = tree.find(hash);
    REQUIRE(e != nullptr);
    return *e;
  }
};

bool contains(const std::vector<Hash256>& list, const Hash256& hash) {
  return std::find(list.begin(), list.end(), hash) != list.end();
}

bool has_duplicates(std::vector<Hash256> list) {
  std::sort(list.begin(), list.end());
  return std::adjacent_find(list.begin(), list.end()) != list.end();
}

} // namespace

TEST_CASE("block sync: one honest peer, 300 blocks with spends, 16 in flight at most") {
  const ServedChain served = honest_chain(300);
  Net net;
  CHECK_FALSE(net.sync->synced()); // no peer yet
  net.connect(1, served);
  REQUIRE(net.run());

  CHECK(net.tip() == served.tip());
  CHECK(*net.tree.best().hash == served.tip());
  CHECK(net.chain->tip().height == 300);
  CHECK(net.chain->stats().inputs == 300 - 101); // one spend per block from height 102
  CHECK(net.chain->invalid_blocks().empty());
  CHECK(net.sync->fatal_error().empty());

  // Each block asked for once, as a witness block, 16 at most in one getdata or outstanding.
  const auto asked = net.peers.asked(1);
  CHECK(asked.size() == 300);
  CHECK_FALSE(has_duplicates(asked));
  CHECK(net.all_witness);
  CHECK(net.max_items == 16);
  CHECK(net.max_in_flight == 16);
  CHECK(net.max_ahead <= 1'024);
  CHECK(net.sync->download().in_flight() == 0);
  CHECK(net.sync->blocks_received() == 300);
  CHECK(net.sync->deliveries().at(1).blocks == 300);

  CHECK(net.peers.offences.empty());
  CHECK(net.peers.disconnects.empty());
  CHECK(net.peers.degraded.empty());
}

TEST_CASE("block sync: after initial sync, new blocks are followed from headers and inv announcements") {
  ServedChain served = honest_chain(120);
  Net net;
  net.connect(1, served);
  REQUIRE(net.run());
  REQUIRE(net.tip() == served.tip());

  // BIP130: the peer announces two new blocks with their headers.
  served.grow(2);
  net.sync->on_peer_message(1, wire::HeadersMessage{{served.blocks[120].header, served.blocks[121].header}});
  CHECK_FALSE(net.sync->synced());
  REQUIRE(net.run());
  CHECK(net.chain->tip().height == 122);
  CHECK(net.tip() == served.tip());

  // An inv of a block we have never heard of: its headers are asked for, then the block.
  served.grow(1);
  net.sync->on_peer_message(1, wire::InvMessage{{{wire::InvType::block, served.tip()}}});
  REQUIRE(net.run());
  CHECK(net.chain->tip().height == 123);
  CHECK(net.tip() == served.tip());
  CHECK(net.chain->invalid_blocks().empty());
  CHECK(net.peers.offences.empty());
}

TEST_CASE("block sync: an unrequested block that does not connect is BLOCK_MISSING_PREV; one that does is just not taken") {
  ServedChain served = honest_chain(50);
  Net net;
  net.connect(1, served);
  REQUIRE(net.run());
  served.grow(2);
  // Its parent (height 51) is unknown: Core discourages the sender.
  net.sync->on_peer_message(1, wire::BlockMessage{served.blocks[51]});
  CHECK(net.peers.count(1, peer::Offence::block_missing_prev) == 1);
  CHECK(peer::offence_info(peer::Offence::block_missing_prev).outcome == peer::Outcome::discourage);
  // Its parent is our tip: not requested, so not stored, and no punishment.
  net.sync->on_peer_message(1, wire::BlockMessage{served.blocks[50]});
  CHECK(net.peers.offences.size() == 1);
  CHECK(net.chain->tip().height == 50);
}

TEST_CASE("block sync: nothing is requested beyond the window above the validated tip") {
  const ServedChain served = honest_chain(100);
  sync::BlockDownloadOptions options;
  options.window = 32;
  options.max_in_flight_per_peer = 64; // so the window, not the peer's slots, is what binds
  options.memory_per_block_byte = 0;   // nor the memory bound
  Net net(options);
  net.connect(1, served);
  net.pump();
  const auto first = net.peers.getdata(1);
  REQUIRE_FALSE(first.empty());
  // The first request, with the tip at genesis, is exactly heights 1..32.
  REQUIRE(first[0].items.size() == 32);
  for (int h = 1; h <= 32; ++h) CHECK(first[0].items[h - 1].hash == served.hash(h));

  REQUIRE(net.run());
  CHECK(net.tip() == served.tip());
  CHECK(net.max_ahead <= 32);
  CHECK(net.max_items <= 32);
  const auto asked = net.peers.asked(1);
  CHECK(asked.size() == 100);
  CHECK_FALSE(has_duplicates(asked));
  CHECK(net.all_witness);
}

TEST_CASE("block sync: an altered block costs its sender, not the header, and comes from another peer") {
  // A holds 40 blocks, B one more (a peer level with our best header would answer our getheaders
  // with nothing; see the skipped case below). A is the header sync peer, so its first getdata
  // (heights 1..16) comes before B is known.
  ServedChain served = honest_chain(41);
  const ServedChain short_chain = served.fork(40, 0);
  const Hash256 target = served.hash(8);
  Net net;
  net.connect(1, short_chain);
  net.connect(2, served);
  net.remote[1].tamper = [&](wire::Block& block) {
    if (wire::block_hash(block.header) == target) block.txs[0].outputs[0].value += 1; // the txid moves
  };
  REQUIRE(net.run());

  REQUIRE(net.peers.count(1, peer::Offence::invalid_block) == 1);
  CHECK(net.peers.offences.size() == 1);
  CHECK(net.peers.offences[0].detail.find("altered") != std::string::npos);
  CHECK(net.peers.offences[0].detail.find("bad-txnmrklroot") != std::string::npos);
  CHECK(net.closed == std::set<peer::PeerId>{1});
  // The header is fine: only this copy of the block was not it.
  CHECK(net.entry(target).valid());
  CHECK(net.chain->invalid_blocks().empty());
  CHECK(contains(net.remote[2].delivered, target));
  CHECK(net.tip() == served.tip());
  CHECK(net.chain->tip().ancestor(8) == &net.entry(target));
}

TEST_CASE("block sync: a block with its witnesses stripped is refetched from another peer") {
  // Regtest activates segwit at genesis. Block 102 pays to a P2WSH of OP_TRUE, block 103 spends
  // it with a witness and commits to it in its coinbase.
  ServedChain served;
  served.grow(101);
  auto fund = spend_tx(served.coinbase_of(1), served.coinbase_value(1), 1'000);
  fund.outputs[0].script_pubkey = p2wsh_op_true();
  served.add({fund}, 1'000);
  auto spend = spend_tx({wire::txid(fund), 0}, fund.outputs[0].value, 1'000);
  spend.inputs[0].witness = {kOpTrue};
  wire::Block segwit = make_block(regtest(), served.tip_header(), 103, {spend}, 1'000);
  add_witness_commitment(segwit);
  REQUIRE(wire::check_witness_commitment(segwit) == wire::WitnessCommitment::valid);
  served.push(segwit);
  const Hash256 target = served.tip();
  const ServedChain short_chain = served.fork(103, 0);
  served.add();

  // A alone first: it serves up to 102, then the stripped 103, and is closed for it.
  Net net;
  net.connect(1, short_chain);
  net.remote[1].tamper = [](wire::Block& block) {
    for (auto& tx : block.txs)
      for (auto& in : tx.inputs) in.witness.clear();
  };
  net.run();
  REQUIRE(net.peers.count(1, peer::Offence::invalid_block) == 1);
  CHECK(net.peers.offences[0].detail.find("bad-witness-nonce-size") != std::string::npos);
  CHECK(net.closed == std::set<peer::PeerId>{1});
  CHECK(net.chain->tip().height == 102);
  CHECK(net.entry(target).valid());
  CHECK_FALSE(net.entry(target).have_data());
  CHECK(net.chain->invalid_blocks().empty());

  net.connect(2, served);
  REQUIRE(net.run());
  CHECK(contains(net.remote[2].delivered, target));
  CHECK(net.tip() == served.tip());
  CHECK(net.chain->invalid_blocks().empty());
  CHECK(net.peers.offences.size() == 1);
}

TEST_CASE("block sync: an invalid block on a longer fork is refused, its sender scored, the honest chain wins") {
  // B: 40 honest blocks. A: the first 5 of them, then a fork to 45 whose first block spends an
  // output that never existed. A is the header sync peer, so its fork is the best header first.
  // With the chain on its own thread, the chain finds the block invalid there and hands it back:
  // block sync invalidates it in the tree, scores the sender and lets the chain go on.
  ServedChain honest = honest_chain(40);
  ServedChain fork = honest.fork(5, 7);
  wire::Transaction bogus = spend_tx({Hash256{}, 3}, 50'000, 0);
  bogus.inputs[0].prevout.txid.bytes[0] = 0x42;
  fork.add({bogus}, 0);
  fork.grow(39);
  REQUIRE(fork.height() == 45);
  const Hash256 bad = fork.hash(6);

  for (const auto mode : {sync::ChainWorker::Mode::inline_, sync::ChainWorker::Mode::thread}) {
    CAPTURE(mode == sync::ChainWorker::Mode::thread);
    Net net({}, mode);
    net.connect(1, fork);
    net.connect(2, honest);
    REQUIRE(net.run());

    const auto invalid = net.worker->invalid_blocks();
    REQUIRE(invalid.size() >= 1);
    CHECK(invalid[0].hash == bad);
    CHECK(invalid[0].reason == "bad-txns-inputs-missingorspent");
    CHECK_FALSE(net.entry(bad).valid());
    CHECK_FALSE(net.entry(fork.tip()).valid()); // its descendants fail with it
    CHECK(net.peers.count(1, peer::Offence::invalid_block) >= 1);
    CHECK(net.peers.count(2, peer::Offence::invalid_block) == 0);
    CHECK(net.closed.contains(1));
    CHECK_FALSE(net.closed.contains(2));
    CHECK(net.tip() == honest.tip());
    CHECK(*net.tree.best().hash == honest.tip());
  }
}

TEST_CASE("block sync: a peer withholding the window's first blocks is dropped after the stall timeout") {
  // A window of 32: B fetches 17..32 while A sits on 1..16, then B has nothing left to fetch and
  // A's stall timer runs.
  ServedChain served = honest_chain(101);
  const ServedChain short_chain = served.fork(100, 0);
  sync::BlockDownloadOptions options;
  options.window = 32;
  Net net(options);
  net.connect(1, short_chain, Serve::withhold);
  net.connect(2, served);
  net.run();
  REQUIRE_FALSE(net.sync->synced());
  CHECK(net.sync->download().in_flight(1) == 16);
  CHECK(net.chain->tip().height == 0);

  net.clock += 1s;
  net.sync->tick();
  CHECK(net.peers.disconnects.empty()); // not yet: the timeout is 2 s

  net.clock += 1500ms;
  net.sync->tick();
  REQUIRE(net.peers.disconnects.size() == 1);
  CHECK(net.peers.disconnects[0].first == 1);
  CHECK(net.peers.disconnects[0].second.find("stalling") != std::string::npos);
  REQUIRE(net.peers.degraded.size() == 1);
  CHECK(std::get<0>(net.peers.degraded[0]) == 1);
  CHECK(net.sync->deliveries().at(1).dropped.find("stalling") != std::string::npos);
  CHECK(net.sync->download().stall_timeout() == 4s); // doubled for the next one

  REQUIRE(net.run());
  CHECK(net.tip() == served.tip());
  CHECK(contains(net.remote[2].delivered, served.hash(1)));
  CHECK(net.peers.offences.empty());
  CHECK(net.peers.disconnects.size() == 1);
}

TEST_CASE("block sync: blocks a peer answers notfound for come from another peer") {
  ServedChain served = honest_chain(61);
  const ServedChain short_chain = served.fork(60, 0);
  Net net;
  net.connect(1, short_chain, Serve::notfound);
  net.connect(2, served);
  REQUIRE(net.run());

  CHECK(net.tip() == served.tip());
  const auto refused = net.peers.asked(1);
  CHECK_FALSE(refused.empty());
  CHECK_FALSE(has_duplicates(refused)); // a refused block is not asked of the same peer again
  for (const auto& hash : refused) CHECK(contains(net.remote[2].delivered, hash));
  CHECK(net.remote[2].delivered.size() == 61);
  // notfound is no offence.
  CHECK(net.peers.offences.empty());
  CHECK(net.peers.disconnects.empty());
}

TEST_CASE("block sync: peers without NODE_NETWORK and NODE_WITNESS are never sent getdata") {
  // C (witness only) is the header sync peer with 50 blocks, D (network only) has 51, B (both) 52:
  // each has blocks we need, only B may be asked.
  ServedChain served = honest_chain(52);
  const ServedChain c_chain = served.fork(50, 0);
  const ServedChain d_chain = served.fork(51, 0);
  Net net;
  net.connect(3, c_chain, Serve::honest, peer::kNodeWitness);
  net.connect(4, d_chain, Serve::honest, peer::kNodeNetwork);
  net.connect(2, served);
  REQUIRE(net.run());

  CHECK(net.headers->best_known(3) != nullptr); // their headers were used
  CHECK(net.headers->best_known(4) != nullptr);
  CHECK(net.peers.getdata(3).empty());
  CHECK(net.peers.getdata(4).empty());
  CHECK(net.remote[2].delivered.size() == 52);
  CHECK(net.tip() == served.tip());
}

TEST_CASE("block sync: blocks in flight to a peer that closes are requested from another") {
  ServedChain served = honest_chain(61);
  const ServedChain short_chain = served.fork(60, 0);
  Net net;
  net.connect(1, short_chain, Serve::withhold);
  net.connect(2, served);
  net.run();
  REQUIRE_FALSE(net.sync->synced());
  const auto held = net.peers.asked(1);
  REQUIRE(held.size() == 16);
  CHECK(net.sync->download().in_flight(1) == 16);
  for (const auto& hash : held) CHECK_FALSE(contains(net.peers.asked(2), hash));
  CHECK(net.chain->tip().height == 0); // block 1 is among them

  net.close(1);
  CHECK(net.sync->download().in_flight(1) == 0);
  REQUIRE(net.run());
  for (const auto& hash : held) CHECK(contains(net.remote[2].delivered, hash));
  CHECK(net.tip() == served.tip());
  CHECK(net.peers.disconnects.empty());
}

// HeaderSync asks peers other than the initial sync peer from our best header's parent, so a peer
// level with us answers with our best header and becomes a download source.
TEST_CASE("block sync: a peer level with our best header is used for download") {
  const ServedChain served = honest_chain(60);
  Net net;
  net.connect(1, served, Serve::withhold);
  net.connect(2, served);
  net.run();
  CHECK(net.headers->best_known(2) != nullptr); // null: B answered our getheaders with nothing
  net.close(1);
  CHECK(net.run());
  CHECK_FALSE(net.peers.getdata(2).empty());
  CHECK(net.tip() == served.tip());
}

TEST_CASE("block sync: with the chain on its own thread, 300 blocks end as inline, the window bounded") {
  const ServedChain served = honest_chain(300);
  Net net({}, sync::ChainWorker::Mode::thread);
  net.connect(1, served);
  REQUIRE(net.run());
  CHECK(net.tip() == served.tip());
  const sync::ChainSnapshot chain = net.worker->snapshot();
  CHECK(chain.tip->height == 300);
  CHECK(chain.stats.inputs == 300 - 101);
  CHECK(chain.invalid.empty());
  CHECK(net.sync->fatal_error().empty());
  const auto asked = net.peers.asked(1);
  CHECK(asked.size() == 300); // a block queued for the chain is never asked for again
  CHECK_FALSE(has_duplicates(asked));
  CHECK(net.max_in_flight <= 16);
  REQUIRE(net.sync->finish().has_value());
  CHECK(net.stores.utxo->best_block() == served.tip()); // finish() flushed the chain
}

TEST_CASE("block sync: blocks are served during initial download; new tips announced once out of it") {
  ServedChain served = honest_chain(100);
  ServedChain nothing;
  Net net({}, sync::ChainWorker::Mode::inline_, kNow); // the 2011 timestamps are not "too old" here
  // The server reads the real block store on its threads; its completions run in drain().
  PostedTasks posted;
  sync::BlockServer server(
      net.tree, [&net]() -> const sync::HeaderEntry& { return net.worker->tip(); },
      [&net](sync::BlockPos pos) { return net.stores.blocks->read_block(pos); }, posted.poster(), net.peers,
      net.log);
  net.sync->set_server(&server);
  auto drain = [&](std::uint64_t n) { return posted.run_until([&] { return server.stats().blocks_served == n; }); };
  auto last_to = [&](peer::PeerId id) {
    for (auto it = net.peers.sent.rbegin(); it != net.peers.sent.rend(); ++it)
      if (it->first == id) return it->second;
    FAIL("nothing sent");
    return wire::Message{};
  };

  net.connect(1, served);
  REQUIRE(net.run());
  // Peer 1 has 50 more blocks but withholds them: our best header is ahead of our chain.
  served.grow(50);
  net.remote[1].serve = Serve::withhold;
  std::vector<wire::BlockHeader> more;
  for (int h = 101; h <= 150; ++h) more.push_back(served.blocks[h - 1].header);
  net.sync->on_peer_message(1, wire::HeadersMessage{more});
  net.pump();
  REQUIRE(net.sync->initial_download());

  // A node syncing from us gets what we have meanwhile: blocks, and getblocks from our chain.
  net.connect(2, nothing);
  net.sync->on_peer_message(2, wire::SendHeadersMessage{});
  net.sync->on_peer_message(2, wire::GetDataMessage{{{wire::InvType::witness_block, served.hash(50)}}});
  REQUIRE(drain(1));
  CHECK(std::get<wire::BlockMessage>(last_to(2)).block == served.blocks[49]);
  net.sync->on_peer_message(2, wire::GetBlocksMessage{70016, {regtest().genesis_hash}, {}});
  auto inv = std::get<wire::InvMessage>(last_to(2));
  CHECK(inv.items.size() == 100); // our validated chain, not the headers beyond it

  // Peer 1 goes, peer 3 serves the rest: out of initial download, peer 2 hears of the new tip. It
  // lacks the new blocks' parents, so by inv.
  net.close(1);
  net.connect(3, served);
  REQUIRE(net.run());
  REQUIRE_FALSE(net.sync->initial_download());
  CHECK(std::get<wire::InvMessage>(last_to(2)).items == std::vector<wire::InvItem>{{wire::InvType::block, served.tip()}});

  // Once it fetched the tip, the next block goes to it as a header (it sent sendheaders).
  net.sync->on_peer_message(2, wire::GetDataMessage{{{wire::InvType::witness_block, served.tip()}}});
  REQUIRE(drain(2));
  served.grow(1);
  net.sync->on_peer_message(3, wire::HeadersMessage{{served.blocks[150].header}});
  REQUIRE(net.run());
  const auto headers = std::get<wire::HeadersMessage>(last_to(2));
  REQUIRE(headers.headers.size() == 1);
  CHECK(wire::block_hash(headers.headers[0]) == served.tip());
  CHECK(net.peers.offences.empty());
}
