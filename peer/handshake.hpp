#pragma once
// The version/verack handshake as Bitcoin Core does it, without sockets: feed it the peer's
// messages, queue what it returns. Outbound we speak first; inbound we answer their version.
//   version → (wtxidrelay, sendaddrv2 if protocol ≥ 70016) → verack;
//   once both veracks are exchanged: sendheaders (≥ 70012) and sendcmpct (≥ 70014).
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "peer/offence.hpp"
#include "wire/message.hpp"
#include "wire/net_address.hpp"

namespace peregrine::peer {

inline constexpr std::int32_t kProtocolVersion = 70016;
inline constexpr std::int32_t kMinPeerProtocolVersion = 31800;
inline constexpr std::int32_t kSendHeadersVersion = 70012;
inline constexpr std::int32_t kShortIdsBlocksVersion = 70014;
inline constexpr std::int32_t kWtxidRelayVersion = 70016;

inline constexpr std::uint64_t kNodeNetwork = 1;
inline constexpr std::uint64_t kNodeWitness = 8;
inline constexpr std::uint64_t kNodeNetworkLimited = 1024;

// What we announce about ourselves.
struct LocalVersion {
  // Core's: the whole chain (NODE_NETWORK) and at least the last 288 blocks (NODE_NETWORK_LIMITED);
  // a pruned node drops NODE_NETWORK.
  std::uint64_t services = kNodeNetwork | kNodeWitness | kNodeNetworkLimited;
  std::string user_agent = "/Peregrine:0.1.0/";
  std::int32_t start_height = 0;
  bool relay = false; // no mempool: no transaction announcements, please
};

// What the peer told us about itself.
struct RemoteVersion {
  std::int32_t version = 0;
  std::uint64_t services = 0;
  std::string user_agent;
  std::int32_t start_height = 0;
  bool relay = false;
  std::uint64_t nonce = 0;
  std::int64_t time_offset = 0; // their clock minus ours, seconds
  bool wtxid_relay = false;     // BIP339
  bool addrv2 = false;          // BIP155
};

// Services a peer must offer for us to sync from it (outbound): witness blocks, and either the
// whole chain or, near the tip, the last 288 blocks.
bool offers_sync_services(std::uint64_t services, bool near_tip);

class Handshake {
public:
  struct Options {
    bool inbound = false;
    bool require_sync_services = true; // outbound full and block-relay connections
    bool near_tip = false;
  };

  Handshake(Options options, LocalVersion local, std::uint64_t our_nonce,
            wire::ServiceAddress peer_address);

  // Outbound connections send their version at once; inbound ones wait.
  std::vector<wire::Message> start(std::int64_t now);

  struct Outcome {
    std::vector<wire::Message> send;       // queue these, in order
    bool completed = false;                // the handshake finished with this message
    std::optional<Offence> offence;        // score the peer for this
    std::optional<std::string> disconnect; // close without blame (too old, not useful, ...)
  };

  // version, verack, wtxidrelay and sendaddrv2 at any time; any other message only before the
  // handshake completes (afterwards it belongs to the peer manager).
  Outcome on_message(const wire::Message& message, std::int64_t now);

  bool version_received() const { return version_received_; }
  bool complete() const { return verack_received_ && version_received_; }
  const RemoteVersion& remote() const { return remote_; }

private:
  Outcome on_version(const wire::VersionMessage& v, std::int64_t now);
  wire::VersionMessage our_version(std::int64_t now) const;

  Options options_;
  LocalVersion local_;
  std::uint64_t nonce_;
  wire::ServiceAddress peer_address_;
  RemoteVersion remote_;
  bool version_sent_ = false;
  bool version_received_ = false;
  bool verack_received_ = false;
};

} // namespace peregrine::peer
