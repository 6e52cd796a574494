// Drives header sync with what hostile peers could send: headers built on any header we know
// (with fuzzed times, bits and versions, ground to regtest's easy proof of work so they get past
// the first check), raw headers, inv, getheaders, peers coming and going, the clock moving. A
// minimum chain work makes longer chains go through presync. No crash, and the tree's invariants
// hold: the best chain is consistent by height and no valid header has more work than the best.
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <map>

#include "consensus/pow.hpp"
#include "sync/header_sync.hpp"
#include "fuzz_input.hpp"

using namespace peregrine;

namespace {

using fuzz::Input;

struct NullPeers final : peer::PeerControl {
  void send(peer::PeerId, const wire::Message&) override {}
  void disconnect(peer::PeerId, const std::string&) override {}
  void misbehaving(peer::PeerId, peer::Offence, const std::string&) override {}
  void set_degraded(peer::PeerId, bool, const std::string&) override {}
  void send_frame(peer::PeerId, Bytes) override {}
  std::size_t send_queue_bytes(peer::PeerId) const override { return 0; }
  void hold_messages(peer::PeerId, bool) override {}
};

consensus::ChainParams make_params() {
  consensus::ChainParams p = consensus::chain_params(consensus::Network::regtest);
  p.minimum_chain_work = consensus::ArithU256(60).to_hash(); // 29 headers: reachable by presync
  p.headers_sync.commitment_period = 3;
  p.headers_sync.redownload_buffer_size = 5;
  return p;
}

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  static const consensus::ChainParams params = make_params();
  Input in{data, size};
  sync::HeaderTree tree(params);
  NullPeers peers;
  util::Logger log(util::Logger::null_sink());
  auto clock = std::chrono::steady_clock::time_point{};
  std::int64_t unix_now = params.genesis.header.time + 100'000;
  sync::HeaderSyncConfig config;
  config.sync_timeout = std::chrono::seconds(10);
  config.now = [&] { return clock; };
  config.unix_now = [&] { return unix_now; };
  config.salt = 1;
  sync::HeaderSync hs(tree, nullptr, peers, log, config);
  std::vector<wire::BlockHeader> known{params.genesis.header};

  while (in.more()) {
    const std::uint8_t op = in.byte();
    const peer::PeerId id = 1 + op % 3;
    switch ((op >> 2) % 6) {
    case 0: { // peer ready
      peer::PeerInfo info;
      info.id = id;
      info.type = (op & 0x80) ? peer::ConnectionType::inbound : peer::ConnectionType::outbound_full;
      hs.on_peer_ready(info);
      break;
    }
    case 1: // peer gone
      hs.on_peer_closed(id);
      break;
    case 2: { // a headers message: a run built on a known header, then maybe a raw one
      wire::HeadersMessage m;
      wire::BlockHeader parent = known[in.byte() % known.size()];
      const int count = in.byte() % 40;
      for (int i = 0; i < count && in.more(); ++i) {
        wire::BlockHeader h;
        h.prev_block = wire::block_hash(parent);
        h.version = (in.byte() & 1) ? 0x20000000 : static_cast<std::int32_t>(in.u32());
        h.time = parent.time + static_cast<std::int8_t>(in.byte()) * 60;
        h.bits = (in.byte() & 7) ? parent.bits : in.u32();
        h.merkle_root.bytes[0] = in.byte();
        // A few tries at the easy target; an unusable target just stays invalid.
        for (int tries = 0; tries < 16 && !consensus::check_proof_of_work(wire::block_hash(h), h.bits, params); ++tries)
          ++h.nonce;
        m.headers.push_back(h);
        known.push_back(h);
        parent = h;
      }
      if (in.byte() == 0xff && in.pos + wire::kBlockHeaderSize <= in.size) {
        wire::BlockHeader raw;
        std::memcpy(raw.merkle_root.bytes.data(), in.data + in.pos, 32);
        std::memcpy(raw.prev_block.bytes.data(), in.data + in.pos + 32, 32);
        in.pos += 64;
        raw.time = in.u32();
        raw.bits = in.u32();
        raw.nonce = in.u32();
        raw.version = static_cast<std::int32_t>(in.u32());
        m.headers.push_back(raw);
      }
      hs.on_peer_message(id, m);
      break;
    }
    case 3: { // inv of a known or unknown block
      Hash256 hash = wire::block_hash(known[in.byte() % known.size()]);
      hash.bytes[31] ^= in.byte() & 1;
      hs.on_peer_message(id, wire::InvMessage{{{wire::InvType::block, hash}}});
      break;
    }
    case 4: { // getheaders with a locator of known hashes
      wire::GetHeadersMessage g;
      for (int i = in.byte() % 4; i >= 0; --i) g.locator.push_back(wire::block_hash(known[in.byte() % known.size()]));
      hs.on_peer_message(id, g);
      break;
    }
    case 5: // time passes
      clock += std::chrono::seconds(in.byte());
      unix_now += in.byte() * 600;
      hs.tick();
      break;
    }
    if (known.size() > 4'000) break;
  }

  const sync::HeaderEntry& best = tree.best();
  for (int h = 0; h <= best.height; h += 1 + best.height / 16) {
    if (best.ancestor(h) != tree.at_height(h)) __builtin_trap();
  }
  for (const auto& header : known) {
    const sync::HeaderEntry* e = tree.find(wire::block_hash(header));
    if (e && e->valid() && e->chain_work > best.chain_work) __builtin_trap();
  }
  return 0;
}
