#include <doctest/doctest.h>

#include <limits>
#include <string>
#include <vector>

#include "peer/handshake.hpp"

using namespace peregrine;
using namespace peregrine::peer;

namespace {

std::vector<std::string> commands(const std::vector<wire::Message>& messages) {
  std::vector<std::string> out;
  for (const auto& m : messages) out.emplace_back(wire::command_of(m));
  return out;
}

wire::VersionMessage their_version(std::int32_t version = 70016, std::uint64_t services = 1 | 8) {
  wire::VersionMessage v;
  v.version = version;
  v.services = services;
  v.timestamp = 1'000'010;
  v.nonce = 77;
  v.user_agent = "/Satoshi:27.0.0/";
  v.start_height = 840'000;
  v.relay = true;
  return v;
}

Handshake outbound(bool near_tip = false) {
  return Handshake({false, true, near_tip}, LocalVersion{}, 0xabcdef, wire::ServiceAddress{});
}

Handshake inbound() { return Handshake({true, false, false}, LocalVersion{}, 0xabcdef, wire::ServiceAddress{}); }

} // namespace

TEST_CASE("outbound: our version first, then wtxidrelay, sendaddrv2, verack; after verack, sendheaders and sendcmpct") {
  Handshake h = outbound();
  auto first = h.start(1'000'000);
  REQUIRE(commands(first) == std::vector<std::string>{"version"});
  const auto& ours = std::get<wire::VersionMessage>(first[0]);
  CHECK(ours.version == 70016);
  CHECK(ours.relay == false);
  CHECK(ours.nonce == 0xabcdef);
  CHECK(ours.services == (kNodeNetwork | kNodeWitness | kNodeNetworkLimited));
  CHECK(h.start(1'000'000).empty()); // only once

  auto on_version = h.on_message(their_version(), 1'000'000);
  CHECK(commands(on_version.send) == std::vector<std::string>{"wtxidrelay", "sendaddrv2", "verack"});
  CHECK_FALSE(on_version.completed);
  CHECK(h.remote().time_offset == 10);
  CHECK(h.remote().user_agent == "/Satoshi:27.0.0/");
  CHECK(h.remote().start_height == 840'000);

  CHECK(h.on_message(wire::WtxidRelayMessage{}, 0).send.empty());
  CHECK(h.on_message(wire::SendAddrV2Message{}, 0).send.empty());
  CHECK(h.remote().wtxid_relay);
  CHECK(h.remote().addrv2);

  auto done = h.on_message(wire::VerackMessage{}, 0);
  CHECK(done.completed);
  CHECK(h.complete());
  REQUIRE(commands(done.send) == std::vector<std::string>{"sendheaders", "sendcmpct"});
  CHECK(std::get<wire::SendCmpctMessage>(done.send[1]).version == 2);
  CHECK_FALSE(std::get<wire::SendCmpctMessage>(done.send[1]).announce);
}

TEST_CASE("inbound: silent until their version, then version, wtxidrelay, sendaddrv2, verack") {
  Handshake h = inbound();
  CHECK(h.start(0).empty());
  auto out = h.on_message(their_version(), 1'000'000);
  CHECK(commands(out.send) == std::vector<std::string>{"version", "wtxidrelay", "sendaddrv2", "verack"});
}

TEST_CASE("older peers get only what their protocol version knows") {
  Handshake h = outbound();
  h.start(0);
  auto out = h.on_message(their_version(70012), 0);
  CHECK(commands(out.send) == std::vector<std::string>{"verack"});
  auto done = h.on_message(wire::VerackMessage{}, 0);
  CHECK(commands(done.send) == std::vector<std::string>{"sendheaders"});
}

TEST_CASE("refusals: too old, or lacking the services sync needs") {
  Handshake old = outbound();
  old.start(0);
  auto too_old = old.on_message(their_version(31799), 0);
  REQUIRE(too_old.disconnect.has_value());
  CHECK(too_old.disconnect->find("older than 31800") != std::string::npos);
  CHECK_FALSE(too_old.offence.has_value());

  Handshake no_witness = outbound();
  no_witness.start(0);
  CHECK(no_witness.on_message(their_version(70016, kNodeNetwork), 0).disconnect.has_value());

  // A pruned (NETWORK_LIMITED) peer is useful only near the tip.
  Handshake limited_far = outbound(false);
  limited_far.start(0);
  CHECK(limited_far.on_message(their_version(70016, kNodeNetworkLimited | kNodeWitness), 0).disconnect.has_value());
  Handshake limited_near = outbound(true);
  limited_near.start(0);
  CHECK_FALSE(limited_near.on_message(their_version(70016, kNodeNetworkLimited | kNodeWitness), 0).disconnect.has_value());

  // Inbound peers are clients: no service requirement.
  Handshake in = inbound();
  CHECK_FALSE(in.on_message(their_version(70016, 0), 0).disconnect.has_value());
}

TEST_CASE("violations: messages before version, a second version, feature messages after verack") {
  Handshake h = outbound();
  h.start(0);
  auto early = h.on_message(wire::PingMessage{1}, 0);
  CHECK(early.offence == Offence::handshake_violation);
  auto early_verack = h.on_message(wire::VerackMessage{}, 0);
  CHECK(early_verack.offence == Offence::handshake_violation);
  CHECK_FALSE(h.complete());

  h.on_message(their_version(), 0);
  CHECK(h.on_message(their_version(), 0).offence == Offence::handshake_violation);
  // Non-handshake messages between version and verack are ignored, not punished.
  auto between = h.on_message(wire::PingMessage{2}, 0);
  CHECK_FALSE(between.offence.has_value());
  CHECK(between.send.empty());

  REQUIRE(h.on_message(wire::VerackMessage{}, 0).completed);
  CHECK(h.on_message(wire::VerackMessage{}, 0).send.empty()); // redundant verack: ignored
  auto late = h.on_message(wire::WtxidRelayMessage{}, 0);
  CHECK(late.offence == Offence::late_feature_message);
  REQUIRE(late.disconnect.has_value());
  CHECK(*late.disconnect == "wtxidrelay after verack");
  // Core ignores the early and redundant messages and only disconnects for the late one.
  CHECK(offence_info(Offence::handshake_violation).outcome == Outcome::ignore);
  CHECK(offence_info(Offence::late_feature_message).outcome == Outcome::disconnect);
}

TEST_CASE("a hostile version timestamp saturates the clock offset instead of overflowing") {
  // Found by fuzz_handshake: INT64_MIN minus our clock overflowed (undefined behaviour).
  constexpr std::int64_t kMin = std::numeric_limits<std::int64_t>::min();
  constexpr std::int64_t kMax = std::numeric_limits<std::int64_t>::max();
  Handshake lowest = inbound();
  auto v_min = their_version();
  v_min.timestamp = kMin;
  lowest.on_message(v_min, 1'700'000'000);
  CHECK(lowest.remote().time_offset == kMin); // saturated
  Handshake highest = inbound();
  auto v_max = their_version();
  v_max.timestamp = kMax;
  highest.on_message(v_max, -1'700'000'000); // a clock before 1970 makes the top overflow too
  CHECK(highest.remote().time_offset == kMax);
  Handshake ordinary = inbound();
  auto v = their_version();
  v.timestamp = 1'700'000'100;
  ordinary.on_message(v, 1'700'000'000);
  CHECK(ordinary.remote().time_offset == 100);
}
