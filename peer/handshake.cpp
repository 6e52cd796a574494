#include "peer/handshake.hpp"

#include <limits>

#include <fmt/format.h>

namespace peregrine::peer {
namespace {

// Their clock minus ours. The timestamp is the peer's to choose: saturate, never overflow.
std::int64_t clock_offset(std::int64_t theirs, std::int64_t ours) {
  std::int64_t offset;
  if (__builtin_sub_overflow(theirs, ours, &offset)) {
    return theirs < 0 ? std::numeric_limits<std::int64_t>::min()
                      : std::numeric_limits<std::int64_t>::max();
  }
  return offset;
}

} // namespace

bool offers_sync_services(std::uint64_t services, bool near_tip) {
  if (!(services & kNodeWitness)) return false;
  return (services & kNodeNetwork) || (near_tip && (services & kNodeNetworkLimited));
}

Handshake::Handshake(Options options, LocalVersion local, std::uint64_t our_nonce,
                     wire::ServiceAddress peer_address)
    : options_(options), local_(std::move(local)), nonce_(our_nonce),
      peer_address_(std::move(peer_address)) {}

wire::VersionMessage Handshake::our_version(std::int64_t now) const {
  wire::VersionMessage v;
  v.version = kProtocolVersion;
  v.services = local_.services;
  v.timestamp = now;
  v.addr_recv = peer_address_;
  v.addr_from.services = local_.services; // address left unspecified, as Core does
  v.nonce = nonce_;
  v.user_agent = local_.user_agent;
  v.start_height = local_.start_height;
  v.relay = local_.relay;
  return v;
}

std::vector<wire::Message> Handshake::start(std::int64_t now) {
  if (options_.inbound || version_sent_) return {};
  version_sent_ = true;
  return {our_version(now)};
}

Handshake::Outcome Handshake::on_version(const wire::VersionMessage& v, std::int64_t now) {
  Outcome out;
  if (version_received_) {
    out.offence = Offence::handshake_violation; // redundant version: ignored, as Core does
    return out;
  }
  version_received_ = true;
  remote_.version = v.version;
  remote_.services = v.services;
  remote_.user_agent = v.user_agent;
  remote_.start_height = v.start_height;
  remote_.relay = v.relay;
  remote_.nonce = v.nonce;
  remote_.time_offset = clock_offset(v.timestamp, now);

  if (v.version < kMinPeerProtocolVersion) {
    out.disconnect = fmt::format("protocol version {} is older than {}", v.version,
                                 kMinPeerProtocolVersion);
    return out;
  }
  if (!options_.inbound && options_.require_sync_services &&
      !offers_sync_services(v.services, options_.near_tip)) {
    out.disconnect = fmt::format("services {:#x} lack what sync needs (witness and network)",
                                 v.services);
    return out;
  }
  if (options_.inbound && !version_sent_) {
    version_sent_ = true;
    out.send.push_back(our_version(now));
  }
  if (v.version >= kWtxidRelayVersion) {
    out.send.push_back(wire::WtxidRelayMessage{});
    out.send.push_back(wire::SendAddrV2Message{});
  }
  out.send.push_back(wire::VerackMessage{});
  return out;
}

Handshake::Outcome Handshake::on_message(const wire::Message& message, std::int64_t now) {
  if (const auto* v = std::get_if<wire::VersionMessage>(&message)) return on_version(*v, now);

  Outcome out;
  if (!version_received_) {
    out.offence = Offence::handshake_violation; // anything before version: ignored, as Core does
    return out;
  }
  if (std::holds_alternative<wire::VerackMessage>(message)) {
    if (verack_received_) return out; // redundant verack: ignored, as Core does
    verack_received_ = true;
    out.completed = true;
    if (remote_.version >= kSendHeadersVersion) out.send.push_back(wire::SendHeadersMessage{});
    if (remote_.version >= kShortIdsBlocksVersion) {
      out.send.push_back(wire::SendCmpctMessage{false, 2}); // BIP152 v2 (segwit), low bandwidth
    }
    return out;
  }
  bool feature = std::holds_alternative<wire::WtxidRelayMessage>(message) ||
                 std::holds_alternative<wire::SendAddrV2Message>(message);
  if (feature) {
    // BIP339/BIP155: only between version and verack.
    if (verack_received_) {
      out.offence = Offence::late_feature_message; // Core disconnects, without discouraging
      out.disconnect = std::string(wire::command_of(message)) + " after verack";
      return out;
    }
    if (std::holds_alternative<wire::WtxidRelayMessage>(message)) remote_.wtxid_relay = true;
    else remote_.addrv2 = true;
  }
  // Anything else between version and verack is ignored, as Core does.
  return out;
}

} // namespace peregrine::peer
