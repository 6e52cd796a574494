#include "bench/p2p_bench.hpp"

#include <malloc.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <future>
#include <ostream>
#include <thread>
#include <vector>

#include <fmt/format.h>

#include "peer/blocking_client.hpp"
#include "peer/peer_manager.hpp"
#include "util/file.hpp"
#include "util/json.hpp"
#include "wire/codec.hpp"

namespace peregrine::bench {
namespace {

using namespace std::chrono_literals;
using peer::asio::ip::make_address;
using Clock = std::chrono::steady_clock;
constexpr wire::Magic kMagic = {0xfa, 0xbf, 0xb5, 0xda}; // regtest
constexpr std::size_t kPingBatch = 1'000;
constexpr int kIdlePeers = 200;
constexpr std::uint64_t kProbeNonce = 0xbeef;

double seconds_since(Clock::time_point t) { return std::chrono::duration<double>(Clock::now() - t).count(); }

std::uint16_t free_port() {
  peer::asio::io_context io;
  peer::tcp::acceptor probe(io, peer::tcp::endpoint(make_address("127.0.0.1"), 0));
  return probe.local_endpoint().port();
}

// Counts blocks handed up by the peer manager (called on its io thread).
class CountingHandler : public peer::MessageHandler {
public:
  void on_peer_ready(const peer::PeerInfo&) override { ++ready; }
  void on_peer_message(peer::PeerId, wire::Message&& m) override {
    if (std::holds_alternative<wire::BlockMessage>(m)) ++blocks;
  }
  void on_peer_closed(peer::PeerId) override {}
  std::atomic<int> ready{0};
  std::atomic<std::uint64_t> blocks{0};
};

// A peer manager on its own thread with every rate limit off: this measures the stack, not policy.
class Server {
public:
  Server() : log_(util::Logger::null_sink()) {
    peer::PeerManagerConfig c;
    c.magic = kMagic;
    c.listen = true;
    c.bind = "127.0.0.1";
    c.listen_port = free_port();
    c.max_connections = 1'000;
    c.limits.connection.messages_per_second = 0; // unlimited
    c.limits.connection.unknown_commands_per_second = 0;
    c.limits.inbox_bytes = 256 << 20;
    c.limits.send_queue_hard = 512 << 20;
    c.limits.send_queue_soft = 256 << 20;
    c.local.services = peer::kNodeNetwork | peer::kNodeWitness;
    manager_ = std::make_unique<peer::PeerManager>(io_, c, log_, nullptr, nullptr, &handler);
    manager_->start();
    port = *manager_->listening_port();
    thread_ = std::thread([this] { io_.run(); });
  }
  ~Server() {
    peer::asio::post(io_, [this] { manager_->stop(); });
    std::this_thread::sleep_for(200ms);
    work_.reset();
    io_.stop();
    thread_.join();
  }
  template <class F>
  auto call(F f) {
    std::packaged_task<decltype(f(*manager_))()> task([&] { return f(*manager_); });
    auto result = task.get_future();
    peer::asio::post(io_, [&] { task(); });
    return result.get();
  }
  std::vector<peer::PeerSnapshot> peers() { return call([](peer::PeerManager& m) { return m.snapshot(); }); }

  CountingHandler handler;
  std::uint16_t port = 0;

private:
  peer::asio::io_context io_;
  peer::asio::executor_work_guard<peer::asio::io_context::executor_type> work_{io_.get_executor()};
  util::Logger log_;
  std::unique_ptr<peer::PeerManager> manager_;
  std::thread thread_;
};

// Raw loopback TCP as the baseline: a thread that discards (throughput) or echoes (round trips).
struct RawTcp {
  double bytes_per_second = 0;
  double round_trips_per_second = 0; // pipelined, batches of kPingBatch frames
  double round_trip_us = 0;          // one 32-byte frame at a time
};

RawTcp measure_raw_tcp(double seconds) {
  RawTcp result;
  for (bool echo : {false, true}) {
    peer::asio::io_context io;
    peer::tcp::acceptor acceptor(io, peer::tcp::endpoint(make_address("127.0.0.1"), 0));
    std::thread server([&] {
      peer::tcp::socket s(io);
      acceptor.accept(s);
      std::vector<std::uint8_t> buf(1 << 20);
      peer::error_code ec;
      for (;;) {
        std::size_t n = s.read_some(peer::asio::buffer(buf), ec);
        if (ec) break;
        if (echo) peer::asio::write(s, peer::asio::buffer(buf.data(), n), ec);
      }
    });
    peer::tcp::socket client(io);
    client.connect(acceptor.local_endpoint());
    client.set_option(peer::tcp::no_delay(true));
    if (!echo) {
      std::vector<std::uint8_t> chunk(1 << 20, 0x42);
      std::uint64_t sent = 0;
      auto start = Clock::now();
      while (seconds_since(start) < seconds) {
        peer::asio::write(client, peer::asio::buffer(chunk));
        sent += chunk.size();
      }
      result.bytes_per_second = static_cast<double>(sent) / seconds_since(start);
    } else {
      // Same shape as the ping test: batches of 32-byte frames written at once, read back.
      std::vector<std::uint8_t> batch(32 * kPingBatch, 0x42), back(batch.size());
      std::uint64_t trips = 0;
      auto start = Clock::now();
      while (seconds_since(start) < seconds) {
        peer::asio::write(client, peer::asio::buffer(batch));
        peer::asio::read(client, peer::asio::buffer(back));
        trips += kPingBatch;
      }
      result.round_trips_per_second = static_cast<double>(trips) / seconds_since(start);
      std::uint64_t singles = 0;
      start = Clock::now();
      while (seconds_since(start) < seconds / 2) {
        peer::asio::write(client, peer::asio::buffer(batch.data(), 32));
        peer::asio::read(client, peer::asio::buffer(back.data(), 32));
        ++singles;
      }
      result.round_trip_us = seconds_since(start) * 1e6 / static_cast<double>(singles);
    }
    client.close();
    server.join();
  }
  return result;
}

struct PingPong {
  double per_second = 0; // pipelined
  double round_trip_us = 0;
};

PingPong ping_pong(Server& server, double seconds) {
  PingPong result;
  peer::BlockingClient client(kMagic, server.port);
  if (!client.handshake(1)) return result;
  Bytes batch;
  std::uint64_t pongs = 0;
  auto start = Clock::now();
  while (seconds_since(start) < seconds) {
    batch.clear();
    for (std::size_t i = 0; i < kPingBatch; ++i) {
      Bytes frame = wire::encode_message(kMagic, wire::PingMessage{i});
      batch.insert(batch.end(), frame.begin(), frame.end());
    }
    client.send_bytes(batch);
    for (std::size_t got = 0; got < kPingBatch;) {
      auto frame = client.read_frame(10s);
      if (!frame) return result;
      if (frame->header.command == "pong") ++got;
    }
    pongs += kPingBatch;
  }
  result.per_second = static_cast<double>(pongs) / seconds_since(start);
  std::uint64_t singles = 0;
  start = Clock::now();
  while (seconds_since(start) < seconds / 2) {
    client.send_message(wire::PingMessage{singles});
    if (!client.expect<wire::PongMessage>(10s)) return result;
    ++singles;
  }
  result.round_trip_us = seconds_since(start) * 1e6 / static_cast<double>(singles);
  return result;
}

double blocks_in_rate(Server& server, const Bytes& block_frame, double seconds) {
  peer::BlockingClient client(kMagic, server.port, "127.0.0.2");
  if (!client.handshake(2)) return 0;
  std::uint64_t base = server.handler.blocks;
  std::uint64_t sent = 0;
  auto start = Clock::now();
  while (seconds_since(start) < seconds) {
    client.send_bytes(block_frame);
    ++sent;
    while (sent - (server.handler.blocks - base) > 8) std::this_thread::sleep_for(50us); // bounded lead
  }
  while (server.handler.blocks - base < sent) std::this_thread::sleep_for(50us);
  return static_cast<double>(sent) / seconds_since(start);
}

double blocks_out_rate(Server& server, const wire::Block& block, double seconds) {
  peer::BlockingClient client(kMagic, server.port, "127.0.0.3");
  if (!client.handshake(3)) return 0;
  auto peers = server.peers();
  auto me = std::find_if(peers.begin(), peers.end(),
                         [](const peer::PeerSnapshot& p) { return p.address.starts_with("127.0.0.3:"); });
  if (me == peers.end()) return 0;
  peer::PeerId id = me->id;
  wire::BlockMessage message{block};
  std::uint64_t received = 0;
  auto start = Clock::now();
  while (seconds_since(start) < seconds) {
    server.call([&](peer::PeerManager& m) {
      for (int i = 0; i < 8; ++i) m.send(id, message);
      return 0;
    });
    for (int got = 0; got < 8;) {
      auto frame = client.read_frame(10s);
      if (!frame) return 0;
      if (frame->header.command == "block") ++got;
    }
    received += 8;
  }
  return static_cast<double>(received) / seconds_since(start);
}

struct PriorityCheck {
  double ping_ms = 0;            // queued while a block was on the wire, until it arrived
  // Blocks that still arrived first: the one being written, plus any the kernel's socket buffer
  // already held (priority can only reorder what is still in our queue).
  int blocks_before_ping = 0;
  double block_ms = 0;           // time to send one 3.9 MB block
  double fifo_ms = 0;            // what a FIFO would have made the ping wait: every block queued before it
  double worst_ping_ms = 0;      // the slowest of the runs
};

// Eight 3.9 MB blocks are queued; once the first has arrived (the second is then being written) a
// ping is queued behind the remaining seven. Priority lets it overtake all but the one in flight.
PriorityCheck priority_check(Server& server) {
  wire::Block big; // one transaction with a huge output script (the wire allows it)
  wire::Transaction tx;
  tx.inputs.push_back(wire::TxIn{});
  tx.outputs.push_back(wire::TxOut{0, Bytes(3'900'000, 0x6a)});
  big.txs.push_back(tx);
  wire::BlockMessage message{big};

  peer::BlockingClient client(kMagic, server.port, "127.0.0.4");
  if (!client.handshake(4)) return {};
  auto peers = server.peers();
  auto me = std::find_if(peers.begin(), peers.end(),
                         [](const peer::PeerSnapshot& p) { return p.address.starts_with("127.0.0.4:"); });
  if (me == peers.end()) return {};
  peer::PeerId id = me->id;
  std::vector<PriorityCheck> runs;
  for (int run = 0; run < 5; ++run) {
    Clock::time_point started = server.call([&](peer::PeerManager& m) {
      for (int i = 0; i < 8; ++i) m.send(id, message);
      return Clock::now();
    });
    PriorityCheck r;
    int blocks = 0;
    bool ping = false;
    Clock::time_point ping_queued{};
    while (blocks < 8 || !ping) {
      auto frame = client.read_frame(30s);
      if (!frame) return {};
      auto now = Clock::now();
      if (frame->header.command == "ping") {
        // Ours carries kProbeNonce; the node's own keepalive pings are not the measurement.
        auto m = wire::decode_message("ping", frame->payload);
        if (!m || std::get<wire::PingMessage>(*m).nonce != kProbeNonce) continue;
        ping = true;
        r.ping_ms = std::chrono::duration<double, std::milli>(now - ping_queued).count();
      } else if (frame->header.command == "block") {
        ++blocks;
        if (ping_queued != Clock::time_point{} && !ping) ++r.blocks_before_ping;
        if (blocks == 1) {
          r.block_ms = std::chrono::duration<double, std::milli>(now - started).count();
          ping_queued = server.call([&](peer::PeerManager& m) {
            m.send(id, wire::PingMessage{kProbeNonce});
            return Clock::now();
          });
        }
        if (blocks == 8) r.fifo_ms = std::chrono::duration<double, std::milli>(now - ping_queued).count();
      }
    }
    runs.push_back(r);
  }
  std::sort(runs.begin(), runs.end(), [](const auto& a, const auto& b) { return a.ping_ms < b.ping_ms; });
  PriorityCheck median = runs[runs.size() / 2];
  median.worst_ping_ms = runs.back().ping_ms;
  return median;
}

// Heap growth in the node per idle peer; the clients live in a child process so their own
// memory does not count. Kernel socket buffers are not included.
double bytes_per_idle_peer(Server& server) {
  auto before_peers = server.peers().size();
  std::size_t before = mallinfo2().uordblks;
  int ready[2];
  if (pipe(ready) != 0) return -1;
  pid_t child = fork();
  if (child == 0) {
    close(ready[0]);
    std::vector<std::unique_ptr<peer::BlockingClient>> clients;
    for (int i = 0; i < kIdlePeers; ++i) {
      auto from = fmt::format("127.0.1.{}", 1 + i % 250);
      clients.push_back(std::make_unique<peer::BlockingClient>(kMagic, server.port, from.c_str()));
      clients.back()->handshake(1000 + i);
    }
    char byte = 1;
    if (write(ready[1], &byte, 1) != 1) _exit(1);
    pause(); // hold the connections until the parent kills us
    _exit(0);
  }
  close(ready[1]);
  char byte;
  bool ok = read(ready[0], &byte, 1) == 1;
  close(ready[0]);
  auto deadline = Clock::now() + 10s;
  while (ok && server.peers().size() < before_peers + kIdlePeers && Clock::now() < deadline) {
    std::this_thread::sleep_for(10ms);
  }
  std::this_thread::sleep_for(300ms); // let the first ping round trips settle
  std::size_t after = mallinfo2().uordblks;
  std::size_t peers = server.peers().size() - before_peers;
  kill(child, SIGKILL);
  waitpid(child, nullptr, 0);
  if (peers == 0) return -1;
  return static_cast<double>(after > before ? after - before : 0) / static_cast<double>(peers);
}

} // namespace

bool run_p2p_bench(std::ostream& out, std::ostream& err, const std::filesystem::path& block_file,
                   double seconds, bool json) {
  auto raw = util::read_file(block_file);
  if (!raw) {
    err << "peregrine bench p2p: " << raw.error() << "\n";
    return false;
  }
  auto block = wire::from_bytes<wire::Block>(*raw);
  if (!block) {
    err << "peregrine bench p2p: " << block_file.string() << ": not a block\n";
    return false;
  }
  Bytes block_frame = wire::encode_message(kMagic, wire::BlockMessage{*block});
  double mb = static_cast<double>(raw->size()) / 1e6;

  RawTcp tcp = measure_raw_tcp(seconds);
  Server server;
  PingPong pings = ping_pong(server, seconds);
  double blocks_in = blocks_in_rate(server, block_frame, seconds);
  double blocks_out = blocks_out_rate(server, *block, seconds);
  PriorityCheck priority = priority_check(server);
  double idle = bytes_per_idle_peer(server);

  if (json) {
    util::json::Value v = util::json::Value::object();
    v.set("benchmark", "p2p");
    v.set("raw_tcp_mb_per_s", tcp.bytes_per_second / 1e6);
    v.set("raw_tcp_round_trips_per_s", tcp.round_trips_per_second);
    v.set("raw_tcp_round_trip_us", tcp.round_trip_us);
    v.set("ping_pong_per_s", pings.per_second);
    v.set("ping_round_trip_us", pings.round_trip_us);
    v.set("blocks_in_per_s", blocks_in);
    v.set("blocks_out_per_s", blocks_out);
    v.set("block_mb", mb);
    v.set("ping_latency_ms_during_block", priority.ping_ms);
    v.set("ping_latency_ms_worst", priority.worst_ping_ms);
    v.set("blocks_before_ping", priority.blocks_before_ping);
    v.set("block_3_9mb_ms", priority.block_ms);
    v.set("fifo_wait_ms", priority.fifo_ms);
    v.set("bytes_per_idle_peer", idle);
    out << v.dump() << "\n";
    return pings.per_second > 0 && blocks_in > 0 && blocks_out > 0;
  }
  out << fmt::format("bench p2p: one loopback connection, {} s per phase, rate limits off\n", seconds);
  out << fmt::format("  raw TCP baseline       {:>10.0f} MB/s; 32-byte echo: {:.1f} us per round trip, "
                     "{:.0f}/s pipelined in batches of {}\n",
                     tcp.bytes_per_second / 1e6, tcp.round_trip_us, tcp.round_trips_per_second, kPingBatch);
  out << fmt::format("  ping/pong              {:>10.0f} round trips/s pipelined; {:.1f} us per round trip "
                     "({:.2f} x raw echo)\n",
                     pings.per_second, pings.round_trip_us, pings.round_trip_us / tcp.round_trip_us);
  out << fmt::format("  1 MB blocks in         {:>10.0f} blocks/s = {:.0f} MB/s decoded ({:.2f} x raw TCP)\n",
                     blocks_in, blocks_in * mb, blocks_in * mb * 1e6 / tcp.bytes_per_second);
  out << fmt::format("  1 MB blocks out        {:>10.0f} blocks/s = {:.0f} MB/s ({:.2f} x raw TCP)\n", blocks_out,
                     blocks_out * mb, blocks_out * mb * 1e6 / tcp.bytes_per_second);
  out << fmt::format("  priority: a ping queued while 7 x 3.9 MB blocks wait arrives after {:.2f} ms (median of "
                     "5; worst {:.2f} ms), behind {} block(s) already on the wire; one block takes {:.1f} ms, "
                     "and in a FIFO the ping would wait {:.1f} ms\n",
                     priority.ping_ms, priority.worst_ping_ms, priority.blocks_before_ping, priority.block_ms,
                     priority.fifo_ms);
  out << fmt::format("  memory per idle peer   {:>10.0f} bytes of heap ({} peers, kernel buffers not counted)\n",
                     idle, kIdlePeers);
  return pings.per_second > 0 && blocks_in > 0 && blocks_out > 0;
}

} // namespace peregrine::bench
