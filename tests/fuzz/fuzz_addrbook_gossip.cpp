// libFuzzer target for address gossip: a script of addr/addrv2 messages (decoded from the fuzzer's
// bytes by the real decoder), getaddr requests, selections, connection outcomes, collisions and
// time jumps, played against one AddrBook. Nothing may crash, and the tables' invariants must hold
// throughout.
#include <fuzzer/FuzzedDataProvider.h>

#include <cstddef>
#include <cstdint>
#include <vector>

#include "addrbook/addr_gossip.hpp"
#include "addrbook/peers_file.hpp"
#include "wire/codec.hpp"
#include "wire/messages/addr.hpp"
#include "wire/messages/addrv2.hpp"

using namespace peregrine;
using namespace peregrine::addrbook;

namespace {

constexpr std::int64_t kStart = 1'700'000'000;

wire::NetAddress small_address(FuzzedDataProvider& in) {
  // Mostly IPv4 from a small space, so the script revisits addresses and collides in buckets.
  switch (in.ConsumeIntegralInRange<int>(0, 3)) {
  case 0: {
    auto id = in.ConsumeIntegralInRange<std::uint8_t>(0, 7);
    return wire::NetAddress{
        id, in.ConsumeBytes<std::uint8_t>(in.ConsumeIntegralInRange<std::size_t>(0, 40))};
  }
  default:
    return wire::NetAddress::ipv4(
        {in.ConsumeIntegralInRange<std::uint8_t>(1, 8), in.ConsumeIntegral<std::uint8_t>(),
         in.ConsumeIntegralInRange<std::uint8_t>(0, 3), in.ConsumeIntegral<std::uint8_t>()});
  }
}

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  FuzzedDataProvider in(data, size);
  AddrBookOptions options;
  options.key = crypto::SipKey{1, 2};
  options.seed = 3;
  AddrBook book(options);
  AddrGossip gossip(book, 4);
  std::int64_t now = kStart;
  std::vector<PeerAddrState> peers;
  peers.push_back(gossip.new_peer(true, now));
  peers.push_back(gossip.new_peer(false, now));

  for (int step = 0; step < 64 && in.remaining_bytes() > 0; ++step) {
    PeerAddrState& peer = peers[in.ConsumeIntegralInRange<std::size_t>(0, peers.size() - 1)];
    switch (in.ConsumeIntegralInRange<int>(0, 10)) {
    case 0: { // an addrv2 message, through the real decoder
      auto bytes = in.ConsumeBytes<std::uint8_t>(in.ConsumeIntegralInRange<std::size_t>(0, 600));
      if (auto m = wire::from_bytes<wire::AddrV2Message>(bytes)) {
        auto r = gossip.on_addr(peer, m->entries, small_address(in), now);
        if (r.stored > r.received || r.new_to_book > r.stored) __builtin_trap();
      }
      break;
    }
    case 1: { // an addr (v1) message
      auto bytes = in.ConsumeBytes<std::uint8_t>(in.ConsumeIntegralInRange<std::size_t>(0, 600));
      if (auto m = wire::from_bytes<wire::AddrMessage>(bytes))
        gossip.on_addr(peer, m->entries, small_address(in), now);
      break;
    }
    case 2: { // entries built directly: any network, any length, any time
      std::vector<wire::AddressEntry> entries(in.ConsumeIntegralInRange<std::size_t>(0, 12));
      for (auto& e : entries) {
        e.address = small_address(in);
        e.port = in.ConsumeIntegral<std::uint16_t>();
        e.time = in.ConsumeIntegral<std::uint32_t>();
        e.services = in.ConsumeIntegral<std::uint64_t>();
      }
      if (in.ConsumeBool()) peer.on_getaddr_sent();
      gossip.on_addr(peer, entries, small_address(in), now);
      break;
    }
    case 3:
      gossip.on_getaddr(peer, small_address(in), now);
      (void)peer.take_to_send();
      break;
    case 4: {
      auto e = book.select(in.ConsumeBool(), now);
      if (e && !book.is_reachable(e->address)) __builtin_trap();
      if (e) {
        if (in.ConsumeBool())
          book.good(e->address, e->port, now);
        else
          book.attempt(e->address, e->port, now, in.ConsumeBool());
      }
      break;
    }
    case 5:
      book.good(small_address(in), in.ConsumeIntegralInRange<std::uint16_t>(8333, 8334), now);
      break;
    case 6: book.select_many(in.ConsumeIntegralInRange<std::size_t>(0, 10), {}, now); break;
    case 7:
      if (auto f = book.select_feeler(now)) book.good(f->address, f->port, now);
      break;
    case 8: now += in.ConsumeIntegralInRange<std::int64_t>(-3600, 40 * 86400); break;
    case 9:
      book.set_reachable(static_cast<wire::NetworkId>(in.ConsumeIntegralInRange<int>(1, 6)),
                         in.ConsumeBool());
      break;
    case 10: {
      auto targets = gossip.relay_targets(wire::AddressEntry{0, 1, small_address(in), 8333},
                                          std::vector<PeerId>{1, 2, 3}, PeerId{2}, now);
      if (targets.size() > 2) __builtin_trap();
      break;
    }
    }
    // check() walks all 81,920 slots: every few steps keeps the fuzzer fast and still pins a
    // broken invariant close to the step that broke it.
    if (step % 8 == 7 && !book.check().empty()) __builtin_trap();
  }
  if (!book.check().empty()) __builtin_trap();
  auto stats = book.stats();
  if (stats.size != stats.new_count + stats.tried_count) __builtin_trap();
  return 0;
}
