#include <doctest/doctest.h>

#include <map>
#include <string>
#include <utility>
#include <vector>

#include "peer/peer_state.hpp"

using namespace peregrine;
using namespace peregrine::peer;

namespace {

constexpr PeerState kStates[] = {PeerState::connecting, PeerState::handshaking, PeerState::active,
                                 PeerState::degraded, PeerState::closing, PeerState::closed};
constexpr PeerEvent kEvents[] = {PeerEvent::connected, PeerEvent::handshake_complete,
                                 PeerEvent::degrade, PeerEvent::recover, PeerEvent::disconnect,
                                 PeerEvent::closed};

// The whole legal table, written out independently of the implementation.
const std::map<std::pair<PeerState, PeerEvent>, PeerState> kLegal = {
    {{PeerState::connecting, PeerEvent::connected}, PeerState::handshaking},
    {{PeerState::connecting, PeerEvent::disconnect}, PeerState::closing},
    {{PeerState::handshaking, PeerEvent::handshake_complete}, PeerState::active},
    {{PeerState::handshaking, PeerEvent::disconnect}, PeerState::closing},
    {{PeerState::active, PeerEvent::degrade}, PeerState::degraded},
    {{PeerState::active, PeerEvent::disconnect}, PeerState::closing},
    {{PeerState::degraded, PeerEvent::degrade}, PeerState::degraded},
    {{PeerState::degraded, PeerEvent::recover}, PeerState::active},
    {{PeerState::degraded, PeerEvent::disconnect}, PeerState::closing},
    {{PeerState::closing, PeerEvent::disconnect}, PeerState::closing},
    {{PeerState::closing, PeerEvent::closed}, PeerState::closed},
};

// Drives a fresh machine to `state` along legal events.
PeerStateMachine machine_in(PeerState state, util::Logger& log) {
  PeerStateMachine m;
  auto step = [&](PeerEvent e) { REQUIRE(m.apply(e, log, "test")); };
  switch (state) {
  case PeerState::connecting: break;
  case PeerState::handshaking: step(PeerEvent::connected); break;
  case PeerState::active: step(PeerEvent::connected); step(PeerEvent::handshake_complete); break;
  case PeerState::degraded:
    step(PeerEvent::connected); step(PeerEvent::handshake_complete); step(PeerEvent::degrade);
    break;
  case PeerState::closing: step(PeerEvent::disconnect); break;
  case PeerState::closed: step(PeerEvent::disconnect); step(PeerEvent::closed); break;
  }
  REQUIRE(m.state() == state);
  return m;
}

} // namespace

TEST_CASE("every state and event pair: legal transitions move, illegal ones are logged bugs") {
  std::vector<std::string> lines;
  util::Logger log([&](util::LogLevel, std::string_view, std::string_view m) { lines.emplace_back(m); });
  int legal = 0, illegal = 0;
  for (PeerState from : kStates) {
    for (PeerEvent event : kEvents) {
      CAPTURE(to_string(from));
      CAPTURE(to_string(event));
      auto expected = kLegal.find({from, event});
      CHECK(transition(from, event) ==
            (expected == kLegal.end() ? std::nullopt : std::optional(expected->second)));

      PeerStateMachine m = machine_in(from, log);
      lines.clear();
      bool applied = m.apply(event, log, "peer 9 1.2.3.4:8333");
      if (expected != kLegal.end()) {
        ++legal;
        CHECK(applied);
        CHECK(m.state() == expected->second);
        CHECK(lines.empty());
      } else {
        ++illegal;
        CHECK_FALSE(applied);
        CHECK(m.state() == from); // unchanged
        REQUIRE(lines.size() == 1);
        CHECK(lines[0] == "bug: illegal transition for peer 9 1.2.3.4:8333: event " +
                              std::string(to_string(event)) + " in state " + std::string(to_string(from)));
      }
    }
  }
  CHECK(legal == 11);
  CHECK(illegal == 25);
}

TEST_CASE("is_open is false from closing on") {
  util::Logger log(util::Logger::null_sink());
  for (PeerState s : kStates) {
    bool open = s != PeerState::closing && s != PeerState::closed;
    CHECK(machine_in(s, log).is_open() == open);
  }
}
