// New tips announced as Core does: headers to peers that sent sendheaders when the new blocks
// connect to what they have, an inv of the tip otherwise, nothing to a peer that has the tip.
#include <doctest/doctest.h>

#include "chain_builder.hpp"
#include "recording_peers.hpp"
#include "sync/block_announcer.hpp"

using namespace peregrine;
using namespace peregrine::test;

namespace {

constexpr std::int64_t kNow = 2'000'000'000;

struct Fixture {
  const consensus::ChainParams& params = consensus::chain_params(consensus::Network::regtest);
  util::Logger log{[](util::LogLevel, std::string_view, std::string_view) {}};
  sync::HeaderTree tree{params};
  RecordingPeers peers;
  sync::HeaderSync headers{tree, nullptr, peers, log, [] {
                             sync::HeaderSyncConfig c;
                             c.unix_now = [] { return kNow; };
                             c.max_tip_age = kNow; // caught up: getheaders answered
                             return c;
                           }()};
  sync::BlockAnnouncer announcer{headers, peers};

  explicit Fixture(int blocks) {
    for (const auto& h : mine_chain(params, blocks)) REQUIRE(tree.accept(h, kNow));
  }
  const sync::HeaderEntry& at(int height) const { return *tree.at_height(height); }
  void ready(peer::PeerId id, bool sendheaders) {
    peer::PeerInfo info;
    info.id = id;
    info.type = peer::ConnectionType::inbound;
    headers.on_peer_ready(info);
    announcer.on_peer_ready(id);
    if (sendheaders) announcer.on_sendheaders(id);
  }
  std::vector<std::string> commands(peer::PeerId id) const {
    std::vector<std::string> out;
    for (const auto& [to, m] : peers.sent)
      if (to == id && !std::holds_alternative<wire::GetHeadersMessage>(m)) out.emplace_back(wire::command_of(m));
    return out;
  }
  template <class T> T last(peer::PeerId id) const {
    for (auto it = peers.sent.rbegin(); it != peers.sent.rend(); ++it)
      if (it->first == id && std::holds_alternative<T>(it->second)) return std::get<T>(it->second);
    FAIL("nothing of that type sent");
    return T{};
  }
};

} // namespace

TEST_CASE("announcer: headers to a peer that asked for them and has the parent; inv to one that did not") {
  Fixture f(20);
  f.ready(1, true);
  f.ready(2, false);
  f.announcer.peer_has(1, f.at(17)); // fetched block 17 from us
  f.announcer.tip_changed(f.at(17), f.at(19));
  auto h = f.last<wire::HeadersMessage>(1);
  REQUIRE(h.headers.size() == 2);
  CHECK(wire::block_hash(h.headers[0]) == *f.at(18).hash);
  CHECK(wire::block_hash(h.headers[1]) == *f.at(19).hash);
  CHECK(f.last<wire::InvMessage>(2).items == std::vector<wire::InvItem>{{wire::InvType::block, *f.at(19).hash}});

  // Peer 1 now has 19 (we sent it): the next block goes as one header; peer 2 gets an inv again.
  f.announcer.tip_changed(f.at(19), f.at(20));
  CHECK(f.last<wire::HeadersMessage>(1).headers.size() == 1);
  CHECK(f.commands(1) == std::vector<std::string>{"headers", "headers"});
  CHECK(f.commands(2) == std::vector<std::string>{"inv", "inv"});
}

TEST_CASE("announcer: a peer that lacks the parent gets an inv; one that has the tip gets nothing") {
  Fixture f(30);
  f.ready(1, true);
  f.ready(2, true);
  // Peer 2 was sent headers up to the tip in answer to its getheaders.
  f.headers.on_peer_message(2, wire::GetHeadersMessage{70016, {*f.at(10).hash}, {}});
  REQUIRE(f.headers.best_sent(2) == &f.at(30));
  f.announcer.tip_changed(f.at(25), f.at(30));
  CHECK(f.commands(1) == std::vector<std::string>{"inv"}); // knows nothing of ours
  CHECK(f.commands(2) == std::vector<std::string>{"headers"}); // the getheaders answer only
}

TEST_CASE("announcer: more than 8 new blocks at once start from the 8th newest") {
  Fixture f(30);
  f.ready(1, true);
  f.announcer.peer_has(1, f.at(22));
  f.announcer.tip_changed(f.at(10), f.at(30)); // 20 new blocks: only the newest 8 are considered
  auto h = f.last<wire::HeadersMessage>(1);
  REQUIRE(h.headers.size() == 8);
  CHECK(wire::block_hash(h.headers.front()) == *f.at(23).hash);
  f.ready(2, true);
  f.announcer.peer_has(2, f.at(12)); // 22's parent is unknown to it: nothing would connect
  f.announcer.tip_changed(f.at(10), f.at(30));
  CHECK(f.commands(2) == std::vector<std::string>{"inv"});
}
