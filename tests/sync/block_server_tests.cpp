// The block server: which getdata and getblocks requests are answered and how (witness or not,
// pruned, over the upload target, unknown), in what order, paced on the send queue, within its
// read limits, with reads on its own threads and completions on the caller's ("io") thread.
#include <doctest/doctest.h>

#include <chrono>
#include <condition_variable>
#include <functional>
#include <map>
#include <mutex>
#include <set>
#include <thread>

#include "block_builder.hpp"
#include "chain_fixture.hpp"
#include "posted_tasks.hpp"
#include "recording_peers.hpp"
#include "sync/block_server.hpp"
#include "test_data.hpp"

using namespace peregrine;
using namespace peregrine::test;
using namespace std::chrono_literals;

namespace {

constexpr std::int64_t kNow = 2'000'000'000;

// A header tree over a chain of real blocks whose bytes the read hook serves by height (the
// "file offset"), an active tip to move by hand, and the server on a hand-run "io thread": posted
// completions run when the test calls run_until.
struct Fixture {
  const consensus::ChainParams& params = regtest();
  util::Logger log{[](util::LogLevel, std::string_view, std::string_view) {}};
  sync::HeaderTree tree{params};
  std::vector<Bytes> stored{Bytes{}}; // by height; genesis is not stored here
  const sync::HeaderEntry* tip = nullptr;
  RecordingPeers peers;
  sync::BlockServerOptions options;
  std::int64_t now = kNow;
  bool grow_queue = false; // frames sent stay in the peer's send queue until the test drains it

  PostedTasks posted;
  std::mutex mutex; // what the readers touch
  std::set<std::thread::id> reader_threads;
  // Reads wait while `gate` is closed (to hold reads in flight).
  bool gate_open = true;
  std::condition_variable gate_cv;
  int reads_now = 0;
  std::function<std::expected<Bytes, std::string>(sync::BlockPos)> read = [this](sync::BlockPos pos) {
    return std::expected<Bytes, std::string>(stored.at(pos.offset));
  };
  std::unique_ptr<sync::BlockServer> server;

  explicit Fixture(int blocks) {
    wire::BlockHeader parent = params.genesis.header;
    for (int h = 1; h <= blocks; ++h) {
      wire::Block block = make_block(params, parent, h, {}, 0);
      parent = block.header;
      auto accepted = tree.accept(block.header, kNow);
      REQUIRE(accepted);
      tree.set_data_pos(*accepted->entry, sync::DataPos{0, static_cast<std::uint32_t>(h)});
      tree.set_undo_pos(*accepted->entry, sync::DataPos{0, static_cast<std::uint32_t>(h)});
      stored.push_back(wire::to_bytes(block));
    }
    tip = &tree.best();
  }
  ~Fixture() { open_gate(); }

  void start() {
    options.unix_now = [this] { return now; };
    peers.observe = [this](peer::PeerId id, const wire::Message& m) {
      if (grow_queue && std::holds_alternative<wire::BlockMessage>(m)) peers.queued[id] += wire::encode_payload(m).size();
    };
    server = std::make_unique<sync::BlockServer>(
        tree, [this]() -> const sync::HeaderEntry& { return *tip; },
        [this](sync::BlockPos pos) {
          std::unique_lock lock(mutex);
          reader_threads.insert(std::this_thread::get_id());
          ++reads_now;
          gate_cv.wait(lock, [this] { return gate_open; });
          --reads_now;
          lock.unlock();
          return read(pos);
        },
        posted.poster(), peers, log, options);
  }
  void close_gate() {
    std::lock_guard lock(mutex);
    gate_open = false;
  }
  void open_gate() {
    std::lock_guard lock(mutex);
    gate_open = true;
    gate_cv.notify_all();
  }
  template <class Pred> bool run_until(Pred done) { return posted.run_until(done); }
  bool wait_reads(int n) {
    const auto deadline = std::chrono::steady_clock::now() + 10s;
    std::unique_lock lock(mutex);
    while (reads_now != n && std::chrono::steady_clock::now() < deadline) {
      lock.unlock();
      std::this_thread::sleep_for(1ms);
      lock.lock();
    }
    return reads_now == n;
  }

  const Hash256& hash(int height) const { return *tree.at_height(height)->hash; }
  wire::InvItem block(int height, wire::InvType type = wire::InvType::witness_block) const {
    return {type, hash(height)};
  }
  void getdata(peer::PeerId id, std::vector<wire::InvItem> items) { server->on_getdata(id, wire::GetDataMessage{std::move(items)}); }
  // Heights of the blocks sent to a peer, in order.
  std::vector<int> served(peer::PeerId id) const {
    std::vector<int> out;
    for (const auto& [to, m] : peers.sent)
      if (const auto* b = std::get_if<wire::BlockMessage>(&m); b && to == id)
        out.push_back(tree.find(wire::block_hash(b->block.header))->height);
    return out;
  }
  template <class T> std::vector<T> sent_of(peer::PeerId id) const {
    std::vector<T> out;
    for (const auto& [to, m] : peers.sent)
      if (const auto* x = std::get_if<T>(&m); x && to == id) out.push_back(*x);
    return out;
  }
  bool served_count(std::size_t n) const { return server->stats().blocks_served == n; }
};

std::vector<int> range(int from, int to) {
  std::vector<int> out;
  for (int h = from; h <= to; ++h) out.push_back(h);
  return out;
}

} // namespace

TEST_CASE("block server: blocks in request order, off the io thread; unknown ignored, transactions notfound") {
  Fixture f(10);
  f.start();
  const Hash256 unknown = Hash256::from_hex(std::string(64, '7')).value();
  const wire::InvItem tx{wire::InvType::witness_tx, unknown};
  f.getdata(1, {f.block(5), f.block(3, wire::InvType::block), {wire::InvType::witness_block, unknown}, tx,
                f.block(7, wire::InvType::cmpct_block), {wire::InvType::filtered_block, f.hash(2)}});
  REQUIRE(f.run_until([&] { return f.served_count(3); }));
  CHECK(f.served(1) == std::vector<int>{5, 3, 7});
  // A witness request gets the bytes as stored, framed; Core sends no notfound for blocks.
  CHECK(f.peers.frames == 3);
  CHECK(std::get<wire::BlockMessage>(f.peers.sent[1].second).block == *wire::from_bytes<wire::Block>(f.stored[5]));
  auto notfound = f.sent_of<wire::NotFoundMessage>(1);
  REQUIRE(notfound.size() == 1);
  CHECK(notfound[0].items == std::vector<wire::InvItem>{tx});
  CHECK(f.server->stats().requests_ignored == 1);
  CHECK(f.server->stats().reads_in_flight == 0);
  CHECK_FALSE(f.reader_threads.contains(std::this_thread::get_id()));
  CHECK(f.peers.held[1] == false);
  CHECK(f.peers.disconnects.empty());
}

TEST_CASE("block server: MSG_BLOCK gets the block without witnesses, MSG_WITNESS_BLOCK the stored bytes") {
  Fixture f(2);
  const Bytes segwit = load_shared("blocks/mainnet_481829.raw"); // with witnesses; the hook serves it for any block
  f.read = [&](sync::BlockPos) { return std::expected<Bytes, std::string>(segwit); };
  f.start();
  f.getdata(1, {f.block(1, wire::InvType::block), f.block(1, wire::InvType::witness_block)});
  REQUIRE(f.run_until([&] { return f.served_count(2); }));
  const auto decoded = wire::from_bytes<wire::Block>(segwit).value();
  Bytes stripped;
  wire::Writer w(stripped);
  wire::write(w, decoded, wire::TxEncoding::without_witness);
  REQUIRE(stripped.size() < segwit.size());
  const auto blocks = f.sent_of<wire::BlockMessage>(1);
  REQUIRE(blocks.size() == 2);
  CHECK(wire::encode_payload(wire::Message{blocks[0]}) == stripped);
  CHECK(wire::encode_payload(wire::Message{blocks[1]}) == segwit);
  CHECK(f.server->stats().bytes_served == 2 * wire::kMessageHeaderSize + stripped.size() + segwit.size());
}

TEST_CASE("block server: a block off our chain is served only if it was connected and is recent") {
  Fixture f(10);
  f.tip = f.tree.at_height(6); // blocks 7..10 stored, not connected yet
  const sync::HeaderEntry& seven = *f.tree.at_height(7);
  f.tree.clear_data(seven, sync::kHaveUndo);
  f.start();
  f.getdata(1, {f.block(7), f.block(8), f.block(6)});
  REQUIRE(f.run_until([&] { return f.served_count(2); }));
  // 8 was connected once (it has undo data) and is a month or less from the best header: as Core.
  CHECK(f.served(1) == std::vector<int>{8, 6});
  CHECK(f.server->stats().requests_ignored == 1);
}

TEST_CASE("block server: pruned, blocks within 288 + 2 of the tip are served, older ones cost the connection") {
  Fixture f(300);
  f.options.pruned = true;
  f.start();
  f.tree.clear_data(*f.tree.at_height(299), sync::kHaveData); // gone already: ignored, no disconnect
  f.getdata(1, {f.block(10), f.block(299)});                  // 290 below the tip: still served
  REQUIRE(f.run_until([&] { return f.served_count(1); }));
  CHECK(f.served(1) == std::vector<int>{10});
  CHECK(f.peers.disconnects.empty());
  f.getdata(2, {f.block(9), f.block(300)}); // 291 below
  CHECK(f.peers.disconnected(2));
  CHECK(f.server->stats().peers_disconnected == 1);
  CHECK(f.server->pending(2) == 0); // nothing more is served to it
  CHECK(f.peers.held[2] == false);
}

TEST_CASE("block server: a peer's requests wait while its send queue is over the send buffer, and so do its messages") {
  Fixture f(10);
  f.options.send_buffer_bytes = 100; // under two of these small blocks
  f.options.reads_per_peer = 2;
  f.grow_queue = true;
  f.start();
  f.peers.queued[1] = 5000; // already more than the buffer: nothing is read
  f.getdata(1, {f.block(1), f.block(2), f.block(3), f.block(4)});
  CHECK(f.server->stats().reads_in_flight == 0);
  CHECK(f.server->pending(1) == 4);
  CHECK(f.peers.held[1] == true);

  f.peers.queued[1] = 0; // the queue drained
  f.server->on_peer_sent(1, 5000, 0);
  // Two reads start (the read-ahead): both land, and the queue is over the buffer again.
  REQUIRE(f.run_until([&] { return f.served_count(2); }));
  CHECK(f.server->pending(1) == 2);
  CHECK(f.peers.held[1] == true);
  f.peers.queued[1] = 0;
  f.server->on_peer_sent(1, 400, 0);
  REQUIRE(f.run_until([&] { return f.served_count(4); }));
  CHECK(f.served(1) == std::vector<int>{1, 2, 3, 4});
  CHECK(f.peers.held[1] == false);
}

TEST_CASE("block server: reads in flight stay within reads_per_peer and max_reads, and waiting peers get turns") {
  Fixture f(40);
  f.options.reads_per_peer = 2;
  f.options.max_reads = 3;
  f.options.reader_threads = 4;
  f.start();
  f.close_gate();
  std::vector<wire::InvItem> first, second;
  for (int h = 1; h <= 20; ++h) first.push_back(f.block(h));
  for (int h = 21; h <= 40; ++h) second.push_back(f.block(h));
  f.getdata(1, first);
  f.getdata(2, second);
  REQUIRE(f.wait_reads(3));
  std::this_thread::sleep_for(50ms);
  CHECK(f.server->stats().reads_in_flight == 3);
  CHECK(f.server->pending(1) == 20); // 2 reading, 18 waiting
  f.open_gate();
  REQUIRE(f.run_until([&] { return f.served_count(40); }));
  CHECK(f.server->stats().peak_reads_in_flight == 3);
  CHECK(f.served(1) == range(1, 20));
  CHECK(f.served(2) == range(21, 40));
}

TEST_CASE("block server: a getdata flood of 50,000 unknown hashes costs no reads and no memory kept") {
  Fixture f(1);
  f.start();
  std::vector<wire::InvItem> items;
  for (std::uint32_t i = 0; i < wire::kMaxInvItems; ++i) {
    Hash256 h;
    h.bytes[0] = static_cast<std::uint8_t>(i);
    h.bytes[1] = static_cast<std::uint8_t>(i >> 8);
    h.bytes[2] = 0xee;
    items.push_back({wire::InvType::witness_block, h});
  }
  f.getdata(1, items);
  CHECK(f.server->stats().requests_ignored == wire::kMaxInvItems);
  CHECK(f.server->pending(1) == 0);
  CHECK(f.server->stats().peak_reads_in_flight == 0);
  CHECK(f.peers.held[1] == false);
  CHECK(f.peers.disconnects.empty());
}

TEST_CASE("block server: a read that fails disconnects; a peer gone before its reads land gets nothing") {
  Fixture f(5);
  f.read = [](sync::BlockPos) { return std::expected<Bytes, std::string>(std::unexpected("blk00000.dat: cannot open")); };
  f.start();
  f.getdata(1, {f.block(1), f.block(2)});
  REQUIRE(f.run_until([&] { return f.peers.disconnected(1); }));
  REQUIRE(f.run_until([&] { return f.server->stats().reads_in_flight == 0; }));
  CHECK(f.server->stats().blocks_served == 0);

  f.read = [&f](sync::BlockPos pos) { return std::expected<Bytes, std::string>(f.stored.at(pos.offset)); };
  f.close_gate();
  f.getdata(2, {f.block(3), f.block(4)});
  REQUIRE(f.wait_reads(2));
  f.server->on_peer_closed(2);
  f.open_gate();
  REQUIRE(f.run_until([&] { return f.server->stats().reads_in_flight == 0; }));
  CHECK(f.served(2).empty());
}

TEST_CASE("block server: getblocks answers up to 500 hashes after the locator's fork; the last one's fetch invs the tip") {
  Fixture f(600);
  f.start();
  f.server->on_getblocks(1, wire::GetBlocksMessage{70016, {f.hash(550), f.hash(3), f.params.genesis_hash}, {}});
  f.server->on_getblocks(2, wire::GetBlocksMessage{70016, {Hash256::from_hex(std::string(64, 'a')).value()}, {}});
  f.server->on_getblocks(3, wire::GetBlocksMessage{70016, {f.hash(600)}, {}});
  f.server->on_getblocks(4, wire::GetBlocksMessage{70016, {f.hash(10)}, f.hash(15)});
  auto first = f.sent_of<wire::InvMessage>(1);
  REQUIRE(first.size() == 1);
  REQUIRE(first[0].items.size() == 50); // from 551 to the tip
  CHECK(first[0].items.front() == f.block(551, wire::InvType::block));
  auto garbage = f.sent_of<wire::InvMessage>(2); // an unknown locator: from genesis, 500 at most
  REQUIRE(garbage.size() == 1);
  REQUIRE(garbage[0].items.size() == sync::kMaxGetBlocksHashes);
  CHECK(garbage[0].items.front() == f.block(1, wire::InvType::block));
  CHECK(garbage[0].items.back() == f.block(500, wire::InvType::block));
  CHECK(f.sent_of<wire::InvMessage>(3).empty()); // level with us: nothing
  auto stopped = f.sent_of<wire::InvMessage>(4);
  REQUIRE(stopped.size() == 1);
  CHECK(stopped[0].items.size() == 4); // 11..14: the stop hash itself is not sent
  CHECK(f.server->stats().getblocks_answered == 4);

  // Peer 2 fetches the batch: right after block 500, an inv of our tip asks for the next getblocks.
  f.getdata(2, {f.block(499), f.block(500)});
  REQUIRE(f.run_until([&] { return f.served_count(2); }));
  auto after = f.sent_of<wire::InvMessage>(2);
  REQUIRE(after.size() == 2);
  CHECK(after[1].items == std::vector<wire::InvItem>{f.block(600, wire::InvType::block)});
  CHECK(std::holds_alternative<wire::InvMessage>(f.peers.sent.back().second));
}

TEST_CASE("block server: pruned, getblocks stops short of what may be pruned within the hour") {
  Fixture f(600);
  f.options.pruned = true;
  f.start();
  f.server->on_getblocks(1, wire::GetBlocksMessage{70016, {f.hash(300)}, {}});
  auto inv = f.sent_of<wire::InvMessage>(1);
  REQUIRE(inv.size() == 0); // 301 is 299 below the tip: past the 282 kept for an hour
  f.server->on_getblocks(1, wire::GetBlocksMessage{70016, {f.hash(320)}, {}});
  inv = f.sent_of<wire::InvMessage>(1);
  REQUIRE(inv.size() == 1);
  CHECK(inv[0].items.front() == f.block(321, wire::InvType::block));
}

TEST_CASE("block server: past --maxuploadtarget less a day of blocks, a week-old block costs the connection") {
  Fixture f(1100); // 10 minutes apart: a week is 1,008 blocks
  f.options.max_upload_target = sync::UploadTarget::kRecentBlocksReserve + 10'000;
  f.start();
  f.getdata(1, {f.block(50), f.block(1000)});
  REQUIRE(f.run_until([&] { return f.served_count(2); }));
  f.server->on_peer_sent(1, 10'000, 0); // the cycle reaches target - reserve
  CHECK_FALSE(f.server->upload_figures().serve_historical_blocks);
  f.getdata(1, {f.block(1000)}); // recent: still served
  REQUIRE(f.run_until([&] { return f.served_count(3); }));
  f.getdata(1, {f.block(50)});
  CHECK(f.peers.disconnected(1));
  CHECK(f.served(1) == std::vector<int>{50, 1000, 1000});
  // The next cycle starts afresh.
  f.now += sync::UploadTarget::kCycleSeconds;
  CHECK(f.server->upload_figures().serve_historical_blocks);
}

TEST_CASE("block server: reads the real block store") {
  Node node;
  Builder chain;
  for (int i = 0; i < 3; ++i) chain.add();
  node.feed(chain.blocks);
  RecordingPeers peers;
  PostedTasks posted;
  sync::BlockServer server(
      *node.tree, [&]() -> const sync::HeaderEntry& { return node.chain->tip(); },
      [&](sync::BlockPos pos) { return node.blocks->read_block(pos); }, posted.poster(), peers, node.log);
  server.on_getdata(1, wire::GetDataMessage{{{wire::InvType::witness_block, wire::block_hash(chain.blocks[1].header)}}});
  REQUIRE(posted.run_until([&] { return server.stats().blocks_served == 1; }));
  REQUIRE(peers.sent.size() == 1);
  CHECK(std::get<wire::BlockMessage>(peers.sent[0].second).block == chain.blocks[1]);
}

TEST_CASE("upload target: 24-hour cycles; the historical limit a day of blocks before the target") {
  sync::UploadTarget none;
  none.sent(1'000'000'000, 0);
  CHECK_FALSE(none.historical_limit_reached(0));
  CHECK(none.figures(0).bytes_left == 0);

  const std::uint64_t target = sync::UploadTarget::kRecentBlocksReserve + 1'000'000;
  sync::UploadTarget t(target);
  CHECK(t.figures(100).seconds_left == sync::UploadTarget::kCycleSeconds); // no cycle yet
  t.sent(600'000, 100);
  CHECK_FALSE(t.historical_limit_reached(200));
  CHECK(t.figures(200).bytes_left == target - 600'000);
  CHECK(t.figures(200).seconds_left == sync::UploadTarget::kCycleSeconds - 100);
  t.sent(400'000, 300);
  CHECK(t.historical_limit_reached(300));
  CHECK_FALSE(t.figures(300).target_reached);
  t.sent(target, 400);
  CHECK(t.figures(400).target_reached);
  CHECK(t.figures(400).bytes_left == 0);
  // The cycle that started at 100 ends; the next byte starts a new one.
  const std::int64_t later = 100 + sync::UploadTarget::kCycleSeconds;
  CHECK_FALSE(t.historical_limit_reached(later));
  t.sent(10, later + 5);
  CHECK(t.figures(later + 5).sent_in_cycle == 10);
  // A target below a day's reserve never serves old blocks.
  CHECK(sync::UploadTarget(1000).historical_limit_reached(0));
}
