// Drives the handshake and the peer state machine with arbitrary message sequences, as a hostile
// peer could: no crash, and the invariants hold (complete only after version and verack; the
// version we answer with is sent at most once; an illegal state event never changes the state).
#include <cstddef>
#include <cstdint>

#include "peer/handshake.hpp"
#include "peer/peer_state.hpp"
#include "wire/message.hpp"

using namespace peregrine;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size < 2) return 0;
  peer::Handshake::Options options{(data[0] & 1) != 0, (data[0] & 2) != 0, (data[0] & 4) != 0};
  peer::Handshake h(options, peer::LocalVersion{}, 42, wire::ServiceAddress{});
  util::Logger log(util::Logger::null_sink());
  peer::PeerStateMachine state;
  state.apply(peer::PeerEvent::connected, log, "fuzz");
  int versions_sent = static_cast<int>(h.start(0).size());

  // The rest: [command index][length][payload] records.
  std::size_t pos = 1;
  while (pos + 2 <= size) {
    std::size_t command = data[pos] % wire::kMessageCommands.size();
    std::size_t length = std::min<std::size_t>(data[pos + 1], size - pos - 2);
    ByteSpan payload(data + pos + 2, length);
    pos += 2 + length;
    auto message = wire::decode_message(wire::kMessageCommands[command], payload);
    if (!message) continue;
    bool was_complete = h.complete();
    auto outcome = h.on_message(*message, 1'700'000'000);
    for (const auto& m : outcome.send) {
      if (std::holds_alternative<wire::VersionMessage>(m)) ++versions_sent;
    }
    if (versions_sent > 1) __builtin_trap();
    if (h.complete() && !h.version_received()) __builtin_trap();
    if (outcome.completed && (was_complete || !h.complete())) __builtin_trap();
    if (outcome.completed) state.apply(peer::PeerEvent::handshake_complete, log, "fuzz");
    if (outcome.disconnect) state.apply(peer::PeerEvent::disconnect, log, "fuzz");
    auto before = state.state();
    if (!state.apply(static_cast<peer::PeerEvent>(data[pos - 1] % 6), log, "fuzz") && state.state() != before) {
      __builtin_trap();
    }
  }
  return 0;
}
