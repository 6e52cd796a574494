// Header sync against a real, independent node: bcoin in regtest on loopback (started by the ctest
// fixture with a chain of more than 2,000 blocks, so sync takes more than one getheaders round).
#include <doctest/doctest.h>

#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <random>
#include <thread>

#include "consensus/chainparams.hpp"
#include "sync/header_store.hpp"
#include "sync/header_sync.hpp"
#include "test_node.hpp"

using namespace peregrine;
using namespace peregrine::test;
using namespace std::chrono_literals;

namespace {

std::string env(const char* name) {
  const char* v = std::getenv(name);
  REQUIRE_MESSAGE(v != nullptr, name, " is not set: run through ctest (the realpeer fixture)");
  return v;
}

// Runs contrib/realpeer.sh with these arguments against the fixture's node; returns its stdout.
std::string realpeer(const std::string& args) {
  std::string command = env("PEREGRINE_REALPEER_SCRIPT") + " " + args;
  std::FILE* pipe = ::popen(command.c_str(), "r");
  REQUIRE(pipe != nullptr);
  std::string out;
  char buffer[512];
  while (std::fgets(buffer, sizeof buffer, pipe)) out += buffer;
  REQUIRE_MESSAGE(::pclose(pipe) == 0, command, " failed: ", out);
  while (!out.empty() && (out.back() == '\n' || out.back() == '"')) out.pop_back();
  if (!out.empty() && out.front() == '"') out.erase(0, 1);
  return out;
}

} // namespace

TEST_CASE("against bcoin: the whole header chain syncs, a new block is followed, the store reloads it") {
  const auto& regtest = consensus::chain_params(consensus::Network::regtest);
  const int port = std::stoi(env("PEREGRINE_REALPEER_PORT"));
  const int tip_height = std::stoi(realpeer("rpc getblockcount"));
  REQUIRE(tip_height > 2000);
  const auto dir = std::filesystem::temp_directory_path() / ("peregrine-it-" + std::to_string(std::random_device{}()));

  sync::HeaderTree tree(regtest);
  auto store = sync::HeaderStore::open(dir, regtest);
  REQUIRE(store.has_value());
  sync::HeaderSync* header_sync = nullptr;
  auto config = test_config();
  config.magic = regtest.magic;
  config.listen = false;
  config.connect = {fmt::format("127.0.0.1:{}", port)};
  {
    TestNode node(config, nullptr, nullptr, [&](peer::PeerControl& peers, util::Logger& log) {
      auto s = std::make_unique<sync::HeaderSync>(tree, store->get(), peers, log);
      header_sync = s.get();
      return s;
    });
    auto best = [&] {
      return node.call([&](peer::PeerManager&) { return std::pair(tree.best_height(), tree.best().hash->to_hex()); });
    };
    REQUIRE(eventually([&] { return best().first == tip_height; }, 60s));
    CHECK(node.call([&](peer::PeerManager&) { return header_sync->caught_up(); }));
    CHECK(best().second == realpeer("rpc getbestblockhash"));

    // A block mined now reaches us as an announcement and is followed.
    realpeer("mine 1");
    const std::string new_tip = realpeer("rpc getbestblockhash");
    REQUIRE(eventually([&] { return best().first == tip_height + 1; }, 20s));
    CHECK(best().second == new_tip);
    CHECK_FALSE(node.logs().contains("misbehaved"));
    CHECK_FALSE(node.logs().contains("bug:"));
  }

  // Restart: the stored chain comes back without the network.
  sync::HeaderTree reloaded(regtest);
  auto loaded = (*store)->load_into(reloaded);
  REQUIRE(loaded.has_value());
  CHECK(loaded->loaded == static_cast<std::size_t>(tip_height + 1));
  CHECK(reloaded.best_height() == tip_height + 1);
  CHECK(*reloaded.best().hash == *tree.best().hash);
  store->reset();
  std::filesystem::remove_all(dir);
}
