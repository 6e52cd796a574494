#include "node/peer_options.hpp"

#include <fmt/format.h>

#include "peer/endpoint.hpp"
#include "peer/subnet.hpp"

namespace peregrine::node {

std::vector<OptionSpec> peer_options() {
  return {
      {"connect", ArgKind::list, "HOST[:PORT]", "connect only to this peer"},
      {"addnode", ArgKind::list, "HOST[:PORT]", "also keep a connection to this peer"},
      {"listen", ArgKind::flag, "", "accept inbound connections"},
      {"bind", ArgKind::value, "ADDR", "address to listen on (default :: and 0.0.0.0)"},
      {"port", ArgKind::value, "PORT", "port to listen on (default: the network's)"},
      {"maxconnections", ArgKind::value, "N", "most connections in all (default 125)"},
      {"maxuploadrate", ArgKind::value, "KB/s", "limit upload bandwidth (default unlimited)"},
      {"maxdownloadrate", ArgKind::value, "KB/s", "limit download bandwidth (default unlimited)"},
      {"bantime", ArgKind::value, "SECONDS", "setban's default ban duration (default 86400); misbehaving peers are discouraged, not banned"},
      {"whitelist", ArgKind::list, "ADDR[/BITS]", "never ban peers from this address or subnet"},
      {"upnp", ArgKind::flag, "", "map the listening port with UPnP"},
      {"natpmp", ArgKind::flag, "", "map the listening port with NAT-PMP"},
  };
}

std::expected<peer::PeerManagerConfig, UsageError> peer_config(const ParsedArgs& args,
                                                               const consensus::ChainParams& params,
                                                               const std::filesystem::path& datadir) {
  peer::PeerManagerConfig c;
  c.magic = params.magic;
  c.default_port = params.default_port;
  c.datadir = datadir;
  for (const char* name : {"connect", "addnode"}) {
    for (const auto& target : args.values(name)) {
      if (!peer::parse_host_port(target, params.default_port)) {
        return std::unexpected(UsageError{fmt::format("invalid value '{}' for --{} (expected HOST[:PORT])", target, name)});
      }
    }
  }
  c.connect = args.values("connect");
  c.addnode = args.values("addnode");
  c.listen = args.has("listen");
  if (auto bind = args.value("bind")) {
    if (!peer::parse_ip(*bind)) {
      return std::unexpected(UsageError{fmt::format("invalid value '{}' for --bind (expected an IP address)", *bind)});
    }
    c.bind = *bind;
  }
  auto port = parse_uint_option(args, "port", params.default_port, 1, 65535);
  auto max_connections = parse_uint_option(args, "maxconnections", 125, 0, 100'000);
  auto upload = parse_uint_option(args, "maxuploadrate", 0, 0, 100'000'000);
  auto download = parse_uint_option(args, "maxdownloadrate", 0, 0, 100'000'000);
  auto bantime = parse_uint_option(args, "bantime", 86'400, 1, std::uint64_t{1} << 40);
  for (const auto* result : {&port, &max_connections, &upload, &download, &bantime}) {
    if (!*result) return std::unexpected(result->error());
  }
  c.listen_port = static_cast<std::uint16_t>(*port);
  c.max_connections = static_cast<int>(*max_connections);
  c.max_upload_kbps = static_cast<double>(*upload);
  c.max_download_kbps = static_cast<double>(*download);
  c.ban_time = static_cast<std::int64_t>(*bantime);
  for (const auto& text : args.values("whitelist")) {
    auto subnet = peer::Subnet::parse(text);
    if (!subnet) {
      return std::unexpected(UsageError{fmt::format("invalid value '{}' for --whitelist (expected ADDR or ADDR/BITS)", text)});
    }
    c.whitelist.push_back(*subnet);
  }
  c.upnp = args.has("upnp");
  c.natpmp = args.has("natpmp");
  if ((c.upnp || c.natpmp) && !c.listen) {
    return std::unexpected(UsageError{"--upnp and --natpmp need --listen"});
  }
  return c;
}

} // namespace peregrine::node
