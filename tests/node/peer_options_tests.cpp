#include <doctest/doctest.h>

#include <string>
#include <vector>

#include "node/peer_options.hpp"

using namespace peregrine;
using namespace peregrine::node;

namespace {

std::expected<peer::PeerManagerConfig, UsageError> config_for(std::vector<std::string> args) {
  auto options = peer_options();
  auto parsed = parse_args(args, options);
  REQUIRE(parsed.has_value());
  return peer_config(*parsed, consensus::chain_params(consensus::Network::regtest), "/tmp/dd");
}

} // namespace

TEST_CASE("peer options fill the peer manager's configuration for the network") {
  auto c = config_for({"--connect=127.0.0.1:18444", "--connect", "[::1]", "--addnode=node.example:1",
                       "--listen", "--port=18555", "--maxconnections=40", "--maxuploadrate=500",
                       "--maxdownloadrate=2000", "--bantime=600", "--whitelist=10.0.0.0/8", "--upnp"});
  REQUIRE(c.has_value());
  CHECK(c->magic == consensus::chain_params(consensus::Network::regtest).magic);
  CHECK(c->default_port == 18444);
  CHECK(c->datadir == "/tmp/dd");
  CHECK(c->connect == std::vector<std::string>{"127.0.0.1:18444", "[::1]"});
  CHECK(c->addnode == std::vector<std::string>{"node.example:1"});
  CHECK(c->listen);
  CHECK(c->listen_port == 18555);
  CHECK(c->max_connections == 40);
  CHECK(c->max_upload_kbps == 500);
  CHECK(c->max_download_kbps == 2000);
  CHECK(c->ban_time == 600);
  REQUIRE(c->whitelist.size() == 1);
  CHECK(c->whitelist[0].to_string() == "10.0.0.0/8");
  CHECK(c->upnp);
  CHECK_FALSE(c->natpmp);

  auto defaults = config_for({});
  REQUIRE(defaults.has_value());
  CHECK(defaults->listen_port == 18444);
  CHECK(defaults->max_connections == 125);
  CHECK(defaults->ban_time == 86'400);
  CHECK_FALSE(defaults->listen);
}

TEST_CASE("bad peer option values are usage errors naming the option") {
  struct Case {
    std::vector<std::string> args;
    std::string message;
  };
  const Case cases[] = {
      {{"--connect=host:99999"}, "invalid value 'host:99999' for --connect"},
      {{"--addnode=:1"}, "invalid value ':1' for --addnode"},
      {{"--port=0"}, "invalid value '0' for --port"},
      {{"--maxconnections=lots"}, "invalid value 'lots' for --maxconnections"},
      {{"--bantime=0"}, "invalid value '0' for --bantime"},
      {{"--whitelist=10.0.0.0/40"}, "invalid value '10.0.0.0/40' for --whitelist"},
      {{"--bind=example.org"}, "invalid value 'example.org' for --bind"},
      {{"--natpmp"}, "--upnp and --natpmp need --listen"},
  };
  for (const auto& c : cases) {
    CAPTURE(c.message);
    auto result = config_for(c.args);
    REQUIRE_FALSE(result.has_value());
    CHECK(result.error().message.find(c.message) != std::string::npos);
  }
}
