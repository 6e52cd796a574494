// The IBD bottleneck report: its verdict, its table and the --trace rows.
#include <doctest/doctest.h>

#include <fstream>
#include <sstream>

#include "sync/ibd_profile.hpp"
#include "temp_dir.hpp"

using namespace peregrine;
using namespace std::chrono_literals;

namespace {

using ns = std::chrono::nanoseconds;

// A sync whose io thread waited `network` for the network while the chain thread waited for
// blocks that long, checked scripts `scripts` and flushed `flush`.
sync::ProfileTotals totals(ns network, ns scripts, ns flush) {
  sync::ProfileTotals t;
  t.timings.script_wait = scripts;
  t.timings.utxo_flush = flush;
  sync::ChainThreadTimes chain;
  chain.busy = scripts + flush;
  chain.waiting = network;
  t.chain = sync::chain_thread_profile(t.timings, chain);
  t.feeder = {"io", {{"network_wait", "waiting for the network", network, sync::Resource::network},
                     {"deserialize", "deserialization", 0s, sync::Resource::cpu}}};
  t.wall = network + scripts + flush;
  t.script_threads = 2;
  return t;
}

} // namespace

TEST_CASE("bottleneck names the resource that held the chain back most") {
  CHECK(sync::bottleneck(totals(5s, 1s, 1s)) == "network");
  CHECK(sync::bottleneck(totals(1s, 5s, 1s)) == "cpu");
  CHECK(sync::bottleneck(totals(1s, 1s, 5s)) == "disk");
  // Cache misses are disk, cache hits CPU.
  auto t = totals(0s, 0s, 0s);
  t.timings.coins_miss = 3s;
  t.timings.coins_hit = 2s;
  t.chain = sync::chain_thread_profile(t.timings, {5s, 0s, 0s});
  CHECK(sync::bottleneck(t) == "disk");
  // The chain waiting for blocks while the feeder decodes is the feeder's CPU, not the network.
  auto fed = totals(4s, 1s, 1s);
  fed.feeder.stages = {{"decode", "decoding", 4s, sync::Resource::cpu}};
  CHECK(sync::bottleneck(fed) == "cpu");
}

TEST_CASE("the report's table and JSON carry every stage of both threads") {
  auto t = totals(2s, 1s, 1s);
  t.timings.script_cpu = 3s;
  t.timings.coin_hits = 7;
  t.timings.coin_misses = 3;
  t.timings.bip30_probes = 2;
  t.flushes = 2;
  t.backpressure = 1500ms;
  t.backpressure_in_flush = 1s;
  std::map<peer::PeerId, sync::PeerDelivery> peers;
  peers[4] = {"127.0.0.1:18444", 10, 2'500'000, false, "stalling block download"};
  const std::string table = sync::format_profile(t, peers);
  CHECK(table.find("chain thread: 4.000 s") != std::string::npos);
  CHECK(table.find("waiting for blocks                        2.000   50.0%") != std::string::npos);
  CHECK(table.find("UTXO flushes                              1.000   25.0%") != std::string::npos);
  CHECK(table.find("io thread: 2.000 s") != std::string::npos);
  CHECK(table.find("7 from the cache, 3 from the database (70.0% hits; 2 of the database's were BIP30's") !=
        std::string::npos);
  CHECK(table.find("UTXO flushes: 2, 1.000 s; the feeder held back by the memory bound 1.500 s, 1.000 s of it during flushes") !=
        std::string::npos);
  CHECK(table.find("3.000 s of pool time, 37.5% of its capacity") != std::string::npos); // 3 s / (4 s * 2)
  CHECK(table.find("bottleneck: network") != std::string::npos);
  CHECK(table.find("peer 4 127.0.0.1:18444: 10 blocks, 2.50 MB (dropped: stalling block download)") != std::string::npos);
  const std::string json = sync::profile_json(t).dump();
  CHECK(json.find("\"chain\":{\"wall_seconds\":4,\"waiting_for_blocks_seconds\":2") != std::string::npos);
  CHECK(json.find("\"io\":{\"wall_seconds\":2,\"network_wait_seconds\":2") != std::string::npos);
  CHECK(json.find("\"coin_misses\":3,\"bip30_probes\":2") != std::string::npos);
  CHECK(json.find("\"bottleneck\":\"network\"") != std::string::npos);
}

TEST_CASE("--trace writes one row per block with its decoding time") {
  test::TempDir dir;
  std::filesystem::create_directories(dir.path);
  const auto path = dir.path / "trace.csv";
  {
    sync::IbdProfile profile;
    REQUIRE(profile.open_trace(path));
    sync::BlockTrace b;
    b.height = 7;
    b.hash.bytes[0] = 1;
    b.bytes = 250;
    b.txs = 2;
    b.inputs = 1;
    b.coin_hits = 1;
    b.block_check = 12us;
    b.script_cpu = 40us;
    b.utxo_flush = 3ms;
    profile.block_decoded(b.hash, 5us, 3);
    profile.block_decoded(b.hash, 1us, 4); // received twice: both decodings count, the last sender is named
    profile.block_traced(b);
    b.height = 8;
    b.hash.bytes[0] = 2;
    profile.block_traced(b); // never decoded here (read back from disk): 0
  }
  std::ifstream in(path);
  std::string header, first, second, extra;
  std::getline(in, header);
  std::getline(in, first);
  std::getline(in, second);
  CHECK(header.starts_with("height,hash,bytes,txs,inputs,coin_hits,coin_misses,deserialize_us,"));
  CHECK(first.starts_with("7,"));
  // The columns after utxo_flush_us came later: elapsed_us (since the trace was opened) and the peer.
  CHECK(header.ends_with(",utxo_flush_us,elapsed_us,peer"));
  auto before_elapsed = [](const std::string& row) { return row.substr(0, row.rfind(',', row.rfind(',') - 1)); };
  auto peer_column = [](const std::string& row) { return row.substr(row.rfind(',') + 1); };
  CHECK(before_elapsed(first).ends_with(",250,2,1,1,0,6,12,0,0,40,0,0,3000"));
  CHECK(peer_column(first) == "4");
  CHECK(second.starts_with("8,"));
  CHECK(before_elapsed(second).ends_with(",250,2,1,1,0,0,12,0,0,40,0,0,3000"));
  CHECK(peer_column(second).empty()); // not from a peer
  CHECK_FALSE(std::getline(in, extra));
}
