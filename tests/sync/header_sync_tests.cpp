// Header sync's protocol logic against scripted peers: one sync peer at a time, continuing on full
// answers, switching on timeout, announcements, unconnecting and invalid headers, low-work chains.
#include <doctest/doctest.h>

#include <algorithm>
#include <map>

#include "chain_builder.hpp"
#include "sync/header_sync.hpp"

using namespace peregrine;
using namespace peregrine::test;
using namespace std::chrono_literals;

namespace {

constexpr std::int64_t kNow = 2'000'000'000;

struct FakePeers final : peer::PeerControl {
  std::map<peer::PeerId, std::vector<wire::Message>> sent;
  std::vector<std::pair<peer::PeerId, peer::Offence>> offences;
  std::vector<std::string> details;
  std::vector<peer::PeerId> disconnected;
  void send(peer::PeerId id, const wire::Message& m) override { sent[id].push_back(m); }
  void disconnect(peer::PeerId id, const std::string&) override { disconnected.push_back(id); }
  void misbehaving(peer::PeerId id, peer::Offence o, const std::string& detail) override {
    offences.emplace_back(id, o);
    details.push_back(detail);
  }
  void set_degraded(peer::PeerId, bool, const std::string&) override {}
  void send_frame(peer::PeerId, Bytes) override {}
  std::size_t send_queue_bytes(peer::PeerId) const override { return 0; }
  void hold_messages(peer::PeerId, bool) override {}

  std::vector<wire::GetHeadersMessage> getheaders(peer::PeerId id) const {
    std::vector<wire::GetHeadersMessage> out;
    if (auto it = sent.find(id); it != sent.end())
      for (const auto& m : it->second)
        if (const auto* g = std::get_if<wire::GetHeadersMessage>(&m)) out.push_back(*g);
    return out;
  }
  int count(peer::Offence o) const {
    int n = 0;
    for (const auto& [id, offence] : offences) n += offence == o;
    return n;
  }
};

struct Fixture {
  consensus::ChainParams params = consensus::chain_params(consensus::Network::regtest);
  util::Logger log{[](util::LogLevel, std::string_view, std::string_view) {}};
  FakePeers peers;
  std::chrono::steady_clock::time_point clock{};
  std::unique_ptr<sync::HeaderTree> tree;
  std::unique_ptr<sync::HeaderSync> sync;

  void start() {
    tree = std::make_unique<sync::HeaderTree>(params);
    sync::HeaderSyncConfig config;
    config.sync_timeout = 10s;
    config.now = [this] { return clock; };
    config.unix_now = [] { return kNow; };
    config.salt = 12345;
    sync = std::make_unique<sync::HeaderSync>(*tree, nullptr, peers, log, config);
  }
  void ready(peer::PeerId id, peer::ConnectionType type = peer::ConnectionType::outbound_full) {
    peer::PeerInfo info;
    info.id = id;
    info.type = type;
    sync->on_peer_ready(info);
  }
  void headers(peer::PeerId id, std::vector<wire::BlockHeader> h) {
    sync->on_peer_message(id, wire::HeadersMessage{std::move(h)});
  }
  // Answers the next unanswered getheaders of `id` from `chain`, as a peer serving that chain
  // would; false when there is none.
  std::map<peer::PeerId, std::size_t> answered;
  bool serve_one(peer::PeerId id, const std::vector<wire::BlockHeader>& chain) {
    auto requests = peers.getheaders(id);
    if (requests.size() <= answered[id]) return false;
    const auto& request = requests[answered[id]++];
    std::size_t from = 0; // after the first locator hash on `chain`
    for (const auto& hash : request.locator) {
      auto it = std::find_if(chain.begin(), chain.end(), [&](const auto& h) { return wire::block_hash(h) == hash; });
      if (it != chain.end()) {
        from = static_cast<std::size_t>(it - chain.begin()) + 1;
        break;
      }
      if (hash == params.genesis_hash) break;
    }
    std::size_t n = std::min<std::size_t>(wire::kMaxHeadersResults, chain.size() - from);
    headers(id, std::vector(chain.begin() + from, chain.begin() + from + n));
    return true;
  }
  // Answers until the peer stops asking.
  void serve(peer::PeerId id, const std::vector<wire::BlockHeader>& chain) {
    while (serve_one(id, chain)) {
    }
  }
};

} // namespace

TEST_CASE("header sync: one peer at a time, 2,000 per answer, until a short answer") {
  Fixture f;
  f.start();
  auto chain = mine_chain(f.params, 4500);
  f.ready(1);
  f.ready(2);
  REQUIRE(f.peers.getheaders(1).size() == 1);
  CHECK(f.peers.getheaders(1)[0].locator == std::vector{f.params.genesis_hash});
  CHECK(f.peers.getheaders(2).empty()); // only the sync peer during initial sync
  CHECK(f.sync->sync_peer() == peer::PeerId{1});

  REQUIRE(f.serve_one(1, chain));
  REQUIRE(f.peers.getheaders(1).size() == 2);
  CHECK(f.peers.getheaders(1)[1].locator.front() == wire::block_hash(chain[1999]));
  CHECK_FALSE(f.sync->caught_up());

  int best_changes = 0;
  f.sync->on_best_header = [&](const sync::HeaderEntry&) { ++best_changes; };
  f.serve(1, chain);
  CHECK(f.tree->best_height() == 4500);
  CHECK(f.peers.getheaders(1).size() == 3);
  CHECK(f.sync->caught_up());
  CHECK(best_changes == 2);
  CHECK(f.sync->best_known(1)->height == 4500);
  // Caught up: the other peer is now asked for its chain too.
  CHECK(f.peers.getheaders(2).size() == 1);
  CHECK(f.peers.offences.empty());
}

TEST_CASE("header sync: with every header stored already (a restart), the sync peer's best is still learned") {
  Fixture f;
  f.start();
  auto chain = mine_chain(f.params, 300);
  for (const auto& h : chain) REQUIRE(f.tree->accept(h, kNow));
  f.ready(1);
  REQUIRE(f.serve_one(1, chain)); // asked from our best: nothing new to say
  CHECK(f.sync->caught_up());
  CHECK(f.sync->best_known(1) == nullptr);
  // Asked again from our best's parent, it answers with the best header: blocks can come from it.
  REQUIRE(f.serve_one(1, chain));
  REQUIRE(f.sync->best_known(1) != nullptr);
  CHECK(f.sync->best_known(1)->height == 300);
  CHECK_FALSE(f.serve_one(1, chain)); // and no loop of requests
  CHECK(f.peers.offences.empty());
}

TEST_CASE("header sync: a silent sync peer is replaced after the timeout; outbound peers are preferred") {
  Fixture f;
  f.start();
  f.ready(1, peer::ConnectionType::inbound);
  CHECK(f.sync->sync_peer() == peer::PeerId{1}); // the only one there is
  f.ready(2);
  f.sync->tick();
  CHECK(f.peers.disconnected.empty());
  f.clock += 11s;
  f.sync->tick();
  CHECK(f.peers.disconnected == std::vector<peer::PeerId>{1});
  CHECK(f.sync->sync_peer() == peer::PeerId{2});
  CHECK(f.peers.getheaders(2).size() == 1);
  f.sync->on_peer_closed(1);
  // The new one goes silent as well, and there is nobody left: no sync peer until one connects.
  f.clock += 11s;
  f.sync->tick();
  CHECK_FALSE(f.sync->sync_peer().has_value());
  f.sync->on_peer_closed(2);
  f.ready(3);
  CHECK(f.sync->sync_peer() == peer::PeerId{3});
}

TEST_CASE("header sync: with inbound peers only, a silent sync peer is kept (a serving node, as Core)") {
  Fixture f;
  f.start();
  f.ready(1, peer::ConnectionType::inbound); // e.g. a node syncing from us, in its own initial sync
  f.ready(2, peer::ConnectionType::inbound);
  CHECK(f.sync->sync_peer() == peer::PeerId{1});
  f.clock += 11s;
  f.sync->tick();
  CHECK(f.peers.disconnected.empty());
  CHECK(f.sync->sync_peer() == peer::PeerId{2});
  f.clock += 11s;
  f.sync->tick();
  CHECK(f.peers.disconnected.empty());
  CHECK_FALSE(f.sync->sync_peer().has_value());
}

TEST_CASE("header sync: --maxtipage decides whether an old chain is caught up and answers getheaders") {
  for (std::int64_t max_tip_age : {std::int64_t{24 * 60 * 60}, kNow}) {
    Fixture f;
    f.tree = std::make_unique<sync::HeaderTree>(f.params);
    sync::HeaderSyncConfig config;
    config.unix_now = [] { return kNow; };
    config.max_tip_age = max_tip_age; // genesis is from 2011
    f.sync = std::make_unique<sync::HeaderSync>(*f.tree, nullptr, f.peers, f.log, config);
    CHECK(f.sync->caught_up() == (max_tip_age == kNow));
    f.ready(1, peer::ConnectionType::inbound);
    f.sync->on_peer_message(1, wire::GetHeadersMessage{70016, {f.params.genesis_hash}, {}});
    const bool answered = std::any_of(f.peers.sent[1].begin(), f.peers.sent[1].end(), [](const wire::Message& m) {
      return std::holds_alternative<wire::HeadersMessage>(m);
    });
    CHECK(answered == (max_tip_age == kNow));
    CHECK((f.sync->best_sent(1) == &f.tree->genesis()) == answered);
  }
}

TEST_CASE("header sync: the sync peer disconnecting hands sync to another peer") {
  Fixture f;
  f.start();
  auto chain = mine_chain(f.params, 2500);
  f.ready(1);
  f.ready(2);
  REQUIRE(f.serve_one(1, chain));
  f.sync->on_peer_closed(1);
  REQUIRE(f.peers.getheaders(2).size() == 1);
  CHECK(f.peers.getheaders(2)[0].locator.front() == wire::block_hash(chain[1999]));
  f.serve(2, chain);
  CHECK(f.tree->best_height() == 2500);
  CHECK(f.sync->caught_up());
}

TEST_CASE("header sync: after sync, announcements by headers and by inv are followed") {
  Fixture f;
  f.start();
  auto chain = mine_chain(f.params, 30);
  f.ready(1);
  f.serve(1, chain);
  REQUIRE(f.sync->caught_up());
  auto next = mine_chain(f.params, chain.back(), 2, 5);
  f.headers(1, {next[0]}); // BIP130 announcement
  CHECK(f.tree->best_height() == 31);
  auto asked = f.peers.getheaders(1).size();
  f.sync->on_peer_message(1, wire::InvMessage{{{wire::InvType::block, wire::block_hash(next[1])}}});
  REQUIRE(f.peers.getheaders(1).size() == asked + 1);
  CHECK(f.peers.getheaders(1).back().locator.front() == wire::block_hash(next[0]));
  // A known block's inv asks nothing.
  f.sync->on_peer_message(1, wire::InvMessage{{{wire::InvType::witness_block, wire::block_hash(next[0])}}});
  CHECK(f.peers.getheaders(1).size() == asked + 1);
  f.headers(1, {next[1]});
  CHECK(f.tree->best_height() == 32);
  CHECK(f.peers.offences.empty());
}

TEST_CASE("header sync: unconnecting headers trigger getheaders and are never punished (Core since v28)") {
  Fixture f;
  f.start();
  auto chain = mine_chain(f.params, 40);
  f.ready(1);
  f.serve(1, std::vector(chain.begin(), chain.begin() + 20));
  auto asked = f.peers.getheaders(1).size();
  for (int i = 0; i < 20; ++i) f.headers(1, {chain[30 + i % 10]});
  CHECK(f.peers.getheaders(1).size() == asked + 20);
  // Reported for the log only: their outcome is to be ignored.
  CHECK(f.peers.count(peer::Offence::unconnecting_headers) == 20);
  CHECK(f.peers.offences.size() == 20);
  CHECK(peer::offence_info(peer::Offence::unconnecting_headers).outcome == peer::Outcome::ignore);
}

TEST_CASE("header sync: proof of work and continuity of every header are checked before anything else") {
  Fixture f;
  f.start();
  auto chain = mine_chain(f.params, 100);
  f.ready(1);
  const auto asked = f.peers.getheaders(1).size();
  SUBCASE("an attacker's header: random prev, random merkle root, bits 0x1d00ffff") {
    wire::BlockHeader forged;
    forged.version = 4;
    forged.prev_block = *Hash256::from_hex("5e3a8c1f00000000000000000000000000000000000000000000000000000042");
    forged.merkle_root = *Hash256::from_hex("00000000000000000000000000000000000000000000000000000000deadbeef");
    forged.time = static_cast<std::uint32_t>(kNow);
    forged.bits = 0x1d00ffff;
    f.headers(1, {forged});
    REQUIRE(f.peers.count(peer::Offence::invalid_pow_headers) == 1);
    CHECK(f.peers.offences.size() == 1);           // not also "unconnecting": the PoW check came first
    CHECK(f.peers.getheaders(1).size() == asked);  // and no getheaders for its unknown parent
    CHECK(peer::offence_info(peer::Offence::invalid_pow_headers).outcome == peer::Outcome::discourage);
  }
  SUBCASE("a bad one last: nothing of the message is stored") {
    auto msg = std::vector(chain.begin(), chain.begin() + 50);
    msg.back().bits = 0x1d00ffff; // its hash met regtest's easy target, not this one
    f.headers(1, msg);
    CHECK(f.tree->best_height() == 0);
    CHECK(f.peers.count(peer::Offence::invalid_pow_headers) == 1);
  }
  SUBCASE("bits above the network's proof-of-work limit") {
    auto msg = std::vector(chain.begin(), chain.begin() + 5);
    msg[2].bits = 0x2100ffff; // any hash meets it, but regtest's limit is 0x207fffff
    f.headers(1, msg);
    CHECK(f.tree->best_height() == 0);
    CHECK(f.peers.count(peer::Offence::invalid_pow_headers) == 1);
  }
  SUBCASE("a gap") {
    auto gap = std::vector(chain.begin(), chain.begin() + 50);
    gap.erase(gap.begin() + 20);
    f.headers(1, gap);
    CHECK(f.tree->best_height() == 0);
    REQUIRE(f.peers.count(peer::Offence::non_continuous_headers) == 1);
    CHECK(f.peers.details.back() == "non-continuous headers sequence at 21 of 49");
  }
}

TEST_CASE("header sync: invalid headers are punished by Core's validation result, valid ones before them kept") {
  Fixture f;
  f.start();
  auto chain = mine_chain(f.params, 100);
  f.ready(1);
  auto bad = chain;
  bad[60] = mine_header(f.params, bad[60].prev_block, chain[40].time, 1);
  f.headers(1, std::vector(bad.begin(), bad.begin() + 61));
  CHECK(f.tree->best_height() == 60);
  REQUIRE(f.peers.count(peer::Offence::invalid_header) == 1); // BLOCK_INVALID_HEADER
  CHECK(f.peers.details.back() == "invalid header at height 61: time-too-old");
  SUBCASE("the same invalid header again: BLOCK_CACHED_INVALID (outbound peers only)") {
    f.headers(1, {bad[60]});
    CHECK(f.peers.count(peer::Offence::cached_invalid) == 1);
    CHECK(peer::offence_info(peer::Offence::cached_invalid).outcome == peer::Outcome::discourage_outbound);
  }
  SUBCASE("a new header on the invalid one: BLOCK_INVALID_PREV") {
    auto child = mine_header(f.params, wire::block_hash(bad[60]), chain[60].time + 1, 2);
    f.headers(1, {child});
    CHECK(f.peers.count(peer::Offence::invalid_prev) == 1);
  }
  SUBCASE("from the future: refused, not punished") {
    auto future = mine_header(f.params, wire::block_hash(chain[9]), kNow + 3 * 3600, 2);
    auto msg = std::vector(chain.begin(), chain.begin() + 10);
    msg.push_back(future);
    f.headers(1, msg);
    CHECK(f.peers.offences.size() == 1); // only the one above
  }
}

TEST_CASE("header sync: a low-work chain is presynced, not stored, and scored; a chain with the work is stored") {
  Fixture f;
  f.params.minimum_chain_work = consensus::ArithU256(2 * 5001).to_hash();
  f.params.headers_sync.commitment_period = 50;
  f.params.headers_sync.redownload_buffer_size = 500;
  f.start();
  SUBCASE("low work") {
    auto chain = mine_chain(f.params, 4100);
    f.ready(1);
    f.serve(1, chain);
    CHECK(f.tree->size() == 1);
    CHECK(f.peers.count(peer::Offence::low_work_headers) == 1);
    CHECK(f.sync->presync_memory() == 0); // dropped with the failed state
    CHECK_FALSE(f.sync->caught_up());
  }
  SUBCASE("enough work") {
    auto chain = mine_chain(f.params, 6000);
    f.ready(1);
    std::size_t peak = 0;
    f.sync->on_best_header = [&](const sync::HeaderEntry&) { peak = std::max(peak, f.sync->presync_memory()); };
    f.serve(1, chain);
    CHECK(f.tree->best_height() == 6000);
    CHECK(f.sync->caught_up());
    CHECK(f.peers.offences.empty());
    CHECK(peak < 500 * sizeof(wire::BlockHeader) + 4096);
  }
}

TEST_CASE("header sync: once caught up, getheaders from peers are answered from the best chain") {
  Fixture f;
  f.start();
  auto chain = mine_chain(f.params, 2500);
  f.ready(1);
  f.sync->on_peer_message(1, wire::GetHeadersMessage{70016, {f.params.genesis_hash}, {}});
  CHECK(f.peers.sent[1].size() == 1); // still syncing: no answer, only our own getheaders
  f.serve(1, chain);
  f.sync->on_peer_message(1, wire::GetHeadersMessage{70016, {wire::block_hash(chain[99]), f.params.genesis_hash}, {}});
  const auto* answer = std::get_if<wire::HeadersMessage>(&f.peers.sent[1].back());
  REQUIRE(answer != nullptr);
  REQUIRE(answer->headers.size() == 2000);
  CHECK(answer->headers.front() == chain[100]);
  f.sync->on_peer_message(1, wire::GetHeadersMessage{70016, {wire::block_hash(chain[2400])}, wire::block_hash(chain[2409])});
  answer = std::get_if<wire::HeadersMessage>(&f.peers.sent[1].back());
  REQUIRE(answer != nullptr);
  CHECK(answer->headers.size() == 9);
  CHECK(answer->headers.back() == chain[2409]);
}
