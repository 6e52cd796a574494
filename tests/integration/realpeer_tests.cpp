// Peregrine's peer layer against a real, independent Bitcoin node: bcoin in regtest on loopback,
// started by the ctest fixture (tests/integration/realpeer_fixture.sh) with a short chain.
#include <doctest/doctest.h>

#include <cstdlib>
#include <thread>

#include "consensus/chainparams.hpp"
#include "test_node.hpp"

using namespace peregrine;
using namespace peregrine::test;
using namespace std::chrono_literals;

namespace {

int env_int(const char* name) {
  const char* v = std::getenv(name);
  REQUIRE_MESSAGE(v != nullptr, name, " is not set: run through ctest (the realpeer fixture)");
  return std::atoi(v);
}

} // namespace

TEST_CASE("against bcoin: connect, handshake, ping/pong with RTT, getheaders gets headers, clean disconnect") {
  const int port = env_int("PEREGRINE_REALPEER_PORT");
  const int blocks = env_int("PEREGRINE_REALPEER_BLOCKS");
  const auto& regtest = consensus::chain_params(consensus::Network::regtest);

  auto config = test_config();
  config.magic = regtest.magic;
  config.listen = false;
  config.connect = {fmt::format("127.0.0.1:{}", port)};
  TestNode node(config);

  REQUIRE(node.wait_for_ready_peers(1, 15s));
  auto bcoin = node.snapshot().at(0);
  CHECK(bcoin.version.user_agent.find("bcoin") != std::string::npos);
  CHECK((bcoin.version.services & peer::kNodeWitness) != 0);
  CHECK((bcoin.version.services & peer::kNodeNetwork) != 0);
  CHECK(bcoin.version.start_height >= blocks); // other tests may mine more
  CHECK(node.handler().ready_count() == 1);

  REQUIRE(eventually([&] { return node.snapshot().at(0).rtt_ms > 0; }));
  CHECK(node.snapshot().at(0).rtt_ms < 1000);

  wire::GetHeadersMessage request;
  request.version = peer::kProtocolVersion;
  request.locator = {regtest.genesis_hash};
  peer::PeerId id = bcoin.id;
  node.call([&](peer::PeerManager& m) { m.send(id, request); return 0; });
  std::optional<wire::HeadersMessage> headers;
  REQUIRE(eventually([&] {
    for (const auto& m : node.handler().messages()) {
      if (const auto* h = std::get_if<wire::HeadersMessage>(&m)) headers = *h;
    }
    return headers.has_value();
  }));
  REQUIRE(headers->headers.size() == std::min<std::size_t>(bcoin.version.start_height, wire::kMaxHeadersResults));
  CHECK(headers->headers.front().prev_block == regtest.genesis_hash);
  for (std::size_t i = 1; i < headers->headers.size(); ++i) {
    CHECK(headers->headers[i].prev_block == wire::block_hash(headers->headers[i - 1]));
  }

  node.call([&](peer::PeerManager& m) { m.disconnect(id, "integration test done"); return 0; });
  CHECK(eventually([&] { return node.handler().closed_count() == 1; }));
  CHECK(node.logs().contains("disconnecting peer " + std::to_string(id)));
  CHECK_FALSE(node.logs().contains("misbehaved"));
  CHECK_FALSE(node.logs().contains("bug:"));
}
