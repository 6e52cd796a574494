#pragma once
// The peer manager as the sync layer sees it, for tests: everything asked of it, in order. Framed
// messages are decoded and recorded as messages; send queues are whatever the test sets.
#include <doctest/doctest.h>

#include <algorithm>
#include <functional>
#include <map>
#include <string>
#include <tuple>
#include <utility>
#include <vector>

#include "peer/peer_control.hpp"
#include "wire/framing.hpp"
#include "wire/message.hpp"

namespace peregrine::test {

// The peer manager as block sync sees it: everything asked of it, in order.
struct RecordingPeers final : peer::PeerControl {
  struct Scored {
    peer::PeerId peer;
    peer::Offence offence;
    std::string detail;
  };
  std::vector<std::pair<peer::PeerId, wire::Message>> sent;
  std::vector<Scored> offences;
  std::vector<std::pair<peer::PeerId, std::string>> disconnects;
  std::vector<std::tuple<peer::PeerId, bool, std::string>> degraded;
  std::function<void(peer::PeerId, const wire::Message&)> observe;
  wire::Magic magic = {0xfa, 0xbf, 0xb5, 0xda}; // regtest: the frames' magic
  std::size_t frames = 0;
  std::size_t frame_bytes = 0;
  std::map<peer::PeerId, std::size_t> queued; // what send_queue_bytes answers
  std::map<peer::PeerId, bool> held;          // hold_messages as last set

  void send(peer::PeerId id, const wire::Message& m) override {
    if (observe) observe(id, m);
    sent.emplace_back(id, m);
  }
  void disconnect(peer::PeerId id, const std::string& reason) override { disconnects.emplace_back(id, reason); }
  void misbehaving(peer::PeerId id, peer::Offence o, const std::string& detail) override {
    offences.push_back({id, o, detail});
  }
  void set_degraded(peer::PeerId id, bool d, const std::string& reason) override { degraded.emplace_back(id, d, reason); }
  // Frames are decoded and recorded like any message (frames counts them).
  void send_frame(peer::PeerId id, Bytes frame) override {
    ++frames;
    frame_bytes += frame.size();
    wire::Reader r(frame);
    auto decoded = wire::read_frame(r, magic);
    REQUIRE(decoded);
    auto m = wire::decode_message(decoded->header.command, decoded->payload);
    REQUIRE(m);
    send(id, *m);
  }
  std::size_t send_queue_bytes(peer::PeerId id) const override {
    auto it = queued.find(id);
    return it == queued.end() ? 0 : it->second;
  }
  void hold_messages(peer::PeerId id, bool hold) override { held[id] = hold; }

  std::vector<wire::GetDataMessage> getdata(peer::PeerId id) const {
    std::vector<wire::GetDataMessage> out;
    for (const auto& [to, m] : sent)
      if (const auto* g = std::get_if<wire::GetDataMessage>(&m); g && to == id) out.push_back(*g);
    return out;
  }
  // Every block hash asked of the peer, in order.
  std::vector<Hash256> asked(peer::PeerId id) const {
    std::vector<Hash256> out;
    for (const auto& g : getdata(id))
      for (const auto& item : g.items) out.push_back(item.hash);
    return out;
  }
  int count(peer::PeerId id, peer::Offence o) const {
    return static_cast<int>(std::count_if(offences.begin(), offences.end(),
                                          [&](const Scored& x) { return x.peer == id && x.offence == o; }));
  }
  bool disconnected(peer::PeerId id) const {
    return std::any_of(disconnects.begin(), disconnects.end(), [&](const auto& d) { return d.first == id; });
  }
};

} // namespace peregrine::test
