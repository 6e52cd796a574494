#include "node/sync_command.hpp"

#include <chrono>
#include <csignal>
#include <optional>
#include <ostream>
#include <thread>

#include <fmt/format.h>

#include "addrbook/addr_book.hpp"
#include "addrbook/addr_gossip.hpp"
#include "addrbook/seeder.hpp"
#include "node/chain_options.hpp"
#include "node/commands.hpp"
#include "node/debug_log.hpp"
#include "node/disk_space.hpp"
#include "node/peer_options.hpp"
#include "node/recovery.hpp"
#include "node/snapshot_command.hpp"
#include "node/sync_node.hpp"
#include "node/json_rpc.hpp"
#include "node/rpc_server.hpp"
#include "node/sync_report.hpp"
#include "node/rpc_chain_control.hpp"
#include "node/sync_rpc.hpp"
#include "peer/asio.hpp"
#include "sync/block_server.hpp"
#include "sync/header_store.hpp"
#include "sync/header_tree.hpp"
#include "sync/utxo_db.hpp"
#include "sync/sync_progress.hpp"
#include "util/datadir_lock.hpp"
#include "util/unix_time.hpp"

namespace peregrine::node {
namespace {

namespace asio = peer::asio;
using Clock = std::chrono::steady_clock;
constexpr std::string_view kName = "peregrine sync";
constexpr std::string_view kLog = "sync";
// With no peer this long, and DNS seeds that gave nothing, the machine is probably offline.
constexpr std::chrono::seconds kNoPeersWarning{30};

int fail(const Context& ctx, std::string_view message) { return command_failed(ctx, kName, message); }
// A wrong option value: the command line is wrong.
int usage(const Context& ctx, const UsageError& error) { return command_misused(ctx, kName, error.message); }

struct StopRules {
  std::optional<int> at_height;
  bool at_tip = false;
  std::optional<Hash256> at_header; // --load-snapshot's first part: headers only, until this one is stored
  std::chrono::seconds progress_interval{5};
};

// The address book and gossip; seeding too when peers are not given with --connect. As Core's,
// peers.dat is loaded and saved with --connect as well: what the chosen peers tell us is kept for
// a later run without it.
struct AddressSupply {
  std::unique_ptr<addrbook::AddrBook> book;
  std::unique_ptr<addrbook::AddrGossip> gossip;
  std::unique_ptr<addrbook::Seeder> seeder;
};

AddressSupply make_address_supply(const consensus::ChainParams& params, const Context& ctx, util::Logger& log,
                                  bool seeding) {
  AddressSupply s;
  addrbook::AddrBookOptions options;
  options.file = ctx.datadir / "peers.dat";
  options.network_magic = params.magic;
  options.log = [&log](std::string_view line) { log.info("addrbook", "{}", line); };
  s.book = std::make_unique<addrbook::AddrBook>(std::move(options));
  auto loaded = s.book->load();
  if (loaded.status == addrbook::LoadStatus::loaded) log.info("addrbook", "{} addresses from peers.dat", loaded.entries);
  s.gossip = std::make_unique<addrbook::AddrGossip>(*s.book);
  if (!seeding) return s;
  addrbook::SeedOptions seeds;
  seeds.network = std::string(consensus::to_string(params.network));
  seeds.dns_seeds = params.dns_seeds;
  seeds.fixed_seeds = !params.custom_signet; // the default signet's nodes do not serve another
  seeds.default_port = params.default_port;
  s.seeder = std::make_unique<addrbook::Seeder>(*s.book, std::move(seeds), addrbook::system_resolver(),
                                                [&log](std::string_view line) { log.info("seeder", "{}", line); },
                                                util::unix_time());
  return s;
}

// Runs the io_context on a thread of its own while the chain loads (the RPC server answers -28
// meanwhile); finish() stops it, so the node's own loop takes the same io_context over.
class WarmupIo {
public:
  explicit WarmupIo(asio::io_context& io) : io_(io), work_(io.get_executor()), thread_([&io] { io.run(); }) {}
  ~WarmupIo() { finish(); }
  WarmupIo(const WarmupIo&) = delete;
  WarmupIo& operator=(const WarmupIo&) = delete;

  void finish() {
    if (!thread_.joinable()) return;
    work_.reset();
    io_.stop(); // handlers under way stay queued for the next run()
    thread_.join();
    io_.restart();
  }

private:
  asio::io_context& io_;
  asio::executor_work_guard<asio::io_context::executor_type> work_;
  std::thread thread_;
};

// Runs the node until a stop rule holds, a signal arrives or the chain fails.
class SyncRun {
public:
  SyncRun(asio::io_context& io, SyncNode& node, StopRules rules, AddressSupply& addresses, util::Logger& log)
      : node_(node), rules_(rules), addresses_(addresses), log_(log), timer_(io), stop_timer_(io), signals_(io, SIGINT, SIGTERM),
        report_signal_(io, SIGUSR1), hangup_signal_(io, SIGHUP) {}

  void start() {
    signals_.async_wait([this](const peer::error_code& ec, int signal) {
      if (ec) return;
      log_.info(kLog, "signal {}: stopping", signal);
      interrupted_ = true;
      stop();
    });
    wait_for_report_signal();
    wait_for_hangup();
    node_.peers.start();
    schedule_tick();
  }

  void stop() {
    if (stopping_) return;
    stopping_ = true;
    timer_.cancel();
    stop_timer_.cancel();
    signals_.cancel();
    report_signal_.cancel();
    hangup_signal_.cancel();
    for (RpcServer* server : rpc_) server->stop();
    node_.peers.stop();
  }

  // The RPC `stop`: its answer is written first, then the node stops.
  void stop_soon() {
    interrupted_ = true; // a requested stop (the RPC `stop`), as SIGINT: exit 0
    stop_timer_.expires_after(std::chrono::milliseconds(200));
    stop_timer_.async_wait([this](const peer::error_code& ec) {
      if (!ec) stop();
    });
  }

  void add_rpc(RpcServer* rpc) { rpc_.push_back(rpc); }
  void set_log_file(std::shared_ptr<util::LogFile> file) { log_file_ = std::move(file); }
  // --mindiskspace: checked every tick; below it the node stops (cleanly, with room to flush).
  void watch_disk(std::filesystem::path datadir, std::uint64_t floor_bytes) {
    datadir_ = std::move(datadir);
    disk_floor_ = floor_bytes;
  }
  const std::string& disk_too_low() const { return disk_too_low_; }
  bool interrupted() const { return interrupted_; }
  bool reached_goal() const { return reached_goal_; }

private:
  // kill -USR1 prints the bottleneck report so far.
  void wait_for_report_signal() {
    report_signal_.async_wait([this](const peer::error_code& ec, int) {
      if (ec) return;
      log_.info(kLog, "\n{}", sync::format_profile(profile_totals(node_), node_.blocks.deliveries()));
      wait_for_report_signal();
    });
  }

  // kill -HUP (logrotate, after renaming debug.log) starts a new debug.log; the node runs on.
  void wait_for_hangup() {
    hangup_signal_.async_wait([this](const peer::error_code& ec, int) {
      if (ec) return;
      if (!log_file_) {
        log_.info(kLog, "SIGHUP: no debug log file to reopen");
      } else if (auto reopened = log_file_->reopen(); !reopened) {
        log_.warn(kLog, "SIGHUP: {}; still logging to the renamed file", reopened.error());
      } else {
        log_.info(kLog, "SIGHUP: reopened {}", log_file_->path().string());
      }
      wait_for_hangup();
    });
  }

  // Block sync's own tick is frequent, so that the end of sync is noticed at once; the rest runs
  // once a second.
  void schedule_tick() {
    timer_.expires_after(std::chrono::milliseconds(100));
    timer_.async_wait([this](const peer::error_code& ec) {
      if (ec || stopping_) return;
      tick();
      if (!stopping_) schedule_tick();
    });
  }

  void tick() {
    const auto now = Clock::now();
    node_.blocks.tick();
    if (++ticks_ % 10 == 0) every_second(now);
    check_disk();
    if (stopping_) return;
    if (!node_.blocks.fatal_error().empty()) {
      stop();
    } else if (rules_.at_header && node_.tree.find(*rules_.at_header)) {
      reached_goal_ = true;
      log_.info(kLog, "headers reached the snapshot's base block {}: stopping to load it", rules_.at_header->to_hex());
      stop();
    } else if ((rules_.at_height && node_.chain.tip().height >= *rules_.at_height) ||
               (rules_.at_tip && node_.blocks.synced())) {
      reached_goal_ = true;
      log_.info(kLog, "reached height {} ({}): stopping", node_.chain.tip().height, node_.chain.tip().hash->to_hex());
      stop();
    }
  }

  void every_second(Clock::time_point now) {
    if (addresses_.seeder) addresses_.seeder->poll(util::unix_time(), node_.peers.peer_count());
    meter_.add(now, node_.chain.stats().blocks_connected, node_.chain.stats().transactions);
    if (rules_.progress_interval.count() > 0 && now - last_progress_ >= rules_.progress_interval) {
      last_progress_ = now;
      log_.info(kLog, "{}", sync::format_progress(progress_figures(node_, meter_)));
    }
    warn_if_alone(now);
  }

  // Every tick (a statvfs costs a microsecond): at full speed a second of blocks is tens of MiB.
  void check_disk() {
    if (auto low = disk_space_shortfall(datadir_, disk_floor_)) {
      disk_too_low_ = *low;
      log_.error(kLog, "{}: stopping", disk_too_low_);
      stop();
    }
  }

  void warn_if_alone(Clock::time_point now) {
    if (node_.peers.peer_count() != 0) {
      alone_since_ = now;
      return;
    }
    if (now - alone_since_ < kNoPeersWarning) return;
    alone_since_ = now;
    std::string why = "check the network connection and --connect/--addnode";
    if (addresses_.seeder) {
      const auto status = addresses_.seeder->status();
      if (status.dns_started && status.lookups_in_flight == 0 && status.dns_addresses == 0)
        why = "the DNS seeds gave no address: this machine seems to have no internet access (use --connect)";
    }
    log_.warn(kLog, "no peers connected for {} s: {}", kNoPeersWarning.count(), why);
  }

  SyncNode& node_;
  StopRules rules_;
  AddressSupply& addresses_;
  util::Logger& log_;
  asio::steady_timer timer_;
  asio::steady_timer stop_timer_;
  asio::signal_set signals_;
  asio::signal_set report_signal_;
  asio::signal_set hangup_signal_;
  std::shared_ptr<util::LogFile> log_file_;
  sync::RateMeter meter_;
  Clock::time_point last_progress_ = Clock::now();
  Clock::time_point alone_since_ = Clock::now();
  std::vector<RpcServer*> rpc_; // JSON-RPC, and the --metricsport server
  std::filesystem::path datadir_;
  std::uint64_t disk_floor_ = 0;
  std::string disk_too_low_;
  std::uint64_t ticks_ = 0;
  bool stopping_ = false;
  bool interrupted_ = false;
  bool reached_goal_ = false;
};

// --rpcport (off by default), --rpcuser/--rpcpassword (both, or a cookie).
std::expected<std::optional<RpcServerConfig>, UsageError> parse_rpc_options(const ParsedArgs& args,
                                                                          const std::filesystem::path& datadir) {
  if (!args.has("rpcport")) {
    if (args.has("rpcuser") || args.has("rpcpassword")) return std::unexpected(UsageError{"--rpcuser and --rpcpassword need --rpcport"});
    return std::nullopt;
  }
  auto port = parse_uint_option(args, "rpcport", 0, 1, 65535);
  if (!port) return std::unexpected(port.error());
  RpcServerConfig config;
  config.port = static_cast<std::uint16_t>(*port);
  config.datadir = datadir;
  if (args.has("rpcuser") != args.has("rpcpassword")) return std::unexpected(UsageError{"give both --rpcuser and --rpcpassword, or neither (a cookie)"});
  if (args.has("rpcpassword")) {
    config.user = args.value("rpcuser");
    config.password = args.value("rpcpassword");
  }
  return config;
}

// Set by SIGINT/SIGTERM during a reindex: it stops between blocks (the next start resumes it).
volatile std::sig_atomic_t g_stop_reindex = 0;
void request_reindex_stop(int) { g_stop_reindex = 1; }
constexpr int kContinue = -1;
constexpr int kInterrupted = -2; // a headers-only run ended by a signal before its goal

// --reindex (or an interrupted one found) and --reindex-chainstate, before the stores open for the
// sync: kContinue to go on syncing, or the exit code.
int recover_if_asked(const Context& ctx, const ParsedArgs& args, const consensus::ChainParams& params,
                     const sync::ChainStateOptions& options, util::Logger& log) {
  finish_chainstate_wipe(ctx.datadir);
  if (args.has("reindex") || reindex_pending(ctx.datadir)) {
    if (!args.has("reindex")) log.info(kLog, "an interrupted reindex left blocks.reindex: reindexing again");
    auto files = prepare_reindex(ctx.datadir);
    if (!files) return fail(ctx, files.error());
    log.info(kLog, "reindex: rebuilding the block index and the UTXO set from {} block files", files->size());
    g_stop_reindex = 0;
    std::signal(SIGINT, request_reindex_stop);
    std::signal(SIGTERM, request_reindex_stop);
    auto done = reindex_block_files(ctx.datadir, params, options, *files, &g_stop_reindex, log);
    std::signal(SIGINT, SIG_DFL);
    std::signal(SIGTERM, SIG_DFL);
    if (!done) return fail(ctx, explain_store_failure(done.error(), ctx.datadir, 0));
    if (!*done) {
      log.info(kLog, "reindex interrupted: the next `peregrine sync` goes on with it");
      return kExitOk;
    }
  } else if (args.has("reindex-chainstate")) {
    if (auto wiped = prepare_reindex_chainstate(ctx.datadir); !wiped) return fail(ctx, wiped.error());
    log.info(kLog, "reindex-chainstate: the UTXO set is rebuilt from the stored blocks");
  }
  return kContinue;
}

} // namespace

std::vector<OptionSpec> sync_options() {
  std::vector<OptionSpec> options = peer_options();
  for (auto& o : chain_options()) options.push_back(o);
  options.insert(options.end(), {
      {"stop-at-height", ArgKind::value, "H", "exit 0 once the chain reaches height H"},
      {"stop-at-tip", ArgKind::flag, "", "exit 0 once synced with the peers (for scripts)"},
      {"progress", ArgKind::value, "SECONDS", "progress line on stderr every SECONDS (default 5; 0: none)"},
      {"rpcport", ArgKind::value, "PORT", "serve JSON-RPC (Bitcoin Core's dialect) and /metrics on 127.0.0.1:PORT"},
      {"rpcuser", ArgKind::value, "USER", "RPC user (default: a cookie file in the datadir)"},
      {"rpcpassword", ArgKind::value, "PASSWORD", "RPC password (with --rpcuser)"},
      {"metricsport", ArgKind::value, "PORT", "serve GET /metrics and /health without credentials on 127.0.0.1:PORT"},
      {"trace", ArgKind::value, "FILE.csv", "write each connected block's size and stage times to FILE.csv"},
      {"maxuploadtarget", ArgKind::value, "MiB", "aim to upload at most MiB per 24 h: once near it, serve only the last week's blocks (default 0: none)"},
      debug_log_option(),
      {"maxtipage", ArgKind::value, "SECONDS", "a tip older than this is initial block download: getheaders unanswered, no announcements (default 86400)"},
      {"reindex", ArgKind::flag, "", "rebuild the block index and the UTXO set from the datadir's block files, then sync"},
      {"reindex-chainstate", ArgKind::flag, "", "rebuild the UTXO set from the stored blocks (block files and index kept), then sync"},
      {"mindiskspace", ArgKind::value, "MiB", "refuse to start, or stop, when the datadir's disk has less free (default 300; 0: no check)"},
      {"load-snapshot", ArgKind::value, "FILE",
       "start from a UTXO snapshot (Bitcoin Core's dumptxoutset file): sync headers to its base block, load it, go on from there"},
      {"snapshot-hash", ArgKind::value, "HEX",
       "regtest and signet only: the hash_serialized_3 a snapshot (--load-snapshot, RPC loadtxoutset) must have where the chain parameters name none"},
  });
  return options;
}

// One run of the node. With headers_until (the first part of --load-snapshot) no block is asked
// for, the run stops once that header is stored, and prints no report.
int run_sync_session(const Context& ctx, const ParsedArgs& args, std::optional<Hash256> headers_until) {
  const auto& params = ctx.params();
  auto chain_options = parse_chain_options(args);
  if (!chain_options) return usage(ctx, chain_options.error());
  auto peer_cfg = peer_config(args, params, ctx.datadir);
  if (!peer_cfg) return usage(ctx, peer_cfg.error());
  StopRules rules;
  rules.at_tip = args.has("stop-at-tip");
  if (args.has("stop-at-height")) {
    auto h = parse_uint_option(args, "stop-at-height", 0, 0, 100'000'000);
    if (!h) return usage(ctx, h.error());
    rules.at_height = static_cast<int>(*h);
  }
  auto progress = parse_uint_option(args, "progress", 5, 0, 86'400);
  if (!progress) return usage(ctx, progress.error());
  rules.progress_interval = std::chrono::seconds(*progress);
  rules.at_header = headers_until;
  auto snapshot_hash = parse_snapshot_hash(args, ctx.network); // for RPC loadtxoutset
  if (!snapshot_hash) return usage(ctx, snapshot_hash.error());

  auto rpc_config = parse_rpc_options(args, ctx.datadir);
  if (!rpc_config) return usage(ctx, rpc_config.error());
  std::optional<std::uint16_t> metrics_port;
  if (args.has("metricsport")) {
    auto port = parse_uint_option(args, "metricsport", 0, 1, 65535);
    if (!port) return usage(ctx, port.error());
    metrics_port = static_cast<std::uint16_t>(*port);
  }
  auto upload_target = parse_uint_option(args, "maxuploadtarget", 0, 0, std::uint64_t{1} << 30);
  if (!upload_target) return usage(ctx, upload_target.error());
  auto max_tip_age = parse_uint_option(args, "maxtipage", 24 * 60 * 60, 1, std::uint64_t{1} << 40);
  if (!max_tip_age) return usage(ctx, max_tip_age.error());
  auto min_disk = parse_uint_option(args, "mindiskspace", kDefaultMinDiskSpaceMiB, 0, std::uint64_t{1} << 30);
  if (!min_disk) return usage(ctx, min_disk.error());
  const std::uint64_t disk_floor = *min_disk << 20;
  if (args.has("reindex") && args.has("reindex-chainstate"))
    return usage(ctx, UsageError{"--reindex rebuilds the UTXO set too: give one of --reindex and --reindex-chainstate"});
  const bool pruned = chain_options->prune_target_bytes != 0;
  // What we serve: the whole chain, or (pruned) the last 288 blocks.
  if (pruned) peer_cfg->local.services = peer::kNodeWitness | peer::kNodeNetworkLimited;

  std::error_code ec;
  std::filesystem::create_directories(ctx.datadir, ec);
  auto lock = util::DatadirLock::acquire(ctx.datadir);
  if (!lock) return fail(ctx, lock.error());
  if (auto low = disk_space_shortfall(ctx.datadir, disk_floor)) return fail(ctx, *low);
  auto log_file = open_debug_log(args, ctx.datadir);
  if (!log_file) return fail(ctx, log_file.error());
  util::Logger log = make_node_logger(*log_file);

  // RPC and the metrics port come up before the chain loads (a reindex takes hours): every call
  // answers -28 meanwhile, as Core's warmup, so `bitcoin-cli -rpcwait` waits and liveness probes
  // see a live node. The io thread runs on a thread of its own until the node is built.
  asio::io_context io;
  RpcDispatcher dispatcher;
  dispatcher.set_warmup("Loading block index...");
  const SyncNode* serving = nullptr; // set once built, on this thread with the io thread stopped
  auto metrics = [&serving] { return serving ? sync_metrics(*serving) : std::string(); };
  std::optional<RpcServer> rpc, metrics_server;
  if (*rpc_config) {
    rpc.emplace(io, **rpc_config, dispatcher, metrics, log);
    if (auto started = rpc->start(); !started) return fail(ctx, started.error());
    log.info(kLog, "JSON-RPC on 127.0.0.1:{}", rpc->port());
  }
  if (metrics_port) {
    RpcServerConfig config;
    config.port = *metrics_port;
    config.metrics_only = true;
    metrics_server.emplace(io, config, dispatcher, metrics, log);
    if (auto started = metrics_server->start(); !started) return fail(ctx, started.error());
  }
  WarmupIo warmup(io);

  if (auto recovered = recover_if_asked(ctx, args, params, *chain_options, log); recovered != kContinue) return recovered;
  auto file_size = parse_block_file_size(args, ctx.network);
  if (!file_size) return usage(ctx, file_size.error());
  auto stores = sync::ChainStores::open(ctx.datadir, params, std::size_t{450} << 20, *file_size);
  if (!stores) return fail(ctx, stores.error());
  sync::HeaderTree tree(params);
  if (auto loaded = stores->headers->load_into(tree); !loaded) return fail(ctx, loaded.error());
  sync::ChainState chain(tree, *stores->headers, *stores->blocks, *stores->utxo, log, *chain_options);
  if (auto i = chain.init(); !i) return fail(ctx, explain_store_failure(i.error(), ctx.datadir, disk_floor));
  // A chainstate loaded from a snapshot lacks the blocks below its base: serve as a pruned node
  // does (NODE_NETWORK_LIMITED, recent blocks only), as Core does until its background validation.
  const bool from_snapshot = stores->utxo->snapshot_base().has_value();
  if (from_snapshot) peer_cfg->local.services = peer::kNodeWitness | peer::kNodeNetworkLimited;
  const int start_height = chain.tip().height;
  // Blocks stored by an interrupted run are connected first (crash recovery; all of them after
  // --reindex-chainstate).
  if (auto a = chain.activate_best_chain(); !a) return fail(ctx, explain_store_failure(a.error(), ctx.datadir, disk_floor));
  log.info(kLog, "{}: chain at height {}, headers at {}", ctx.datadir.string(), chain.tip().height, tree.best_height());

  warmup.finish();
  AddressSupply addresses = make_address_supply(params, ctx, log, peer_cfg->connect.empty());
  sync::IbdProfile profile;
  if (auto trace = args.value("trace")) {
    if (auto opened = profile.open_trace(*trace); !opened) return fail(ctx, opened.error());
  }
  chain.on_block_traced = [&profile](const sync::BlockTrace& t) { profile.block_traced(t); };
  // The chain's own thread; what it did is taken in on the io thread.
  sync::BlockSync* block_sync = nullptr;
  sync::ChainWorker worker(chain, tree, sync::ChainWorker::Mode::thread, [&io, &block_sync] {
    asio::post(io, [&block_sync] {
      if (block_sync) block_sync->on_chain_progress();
    });
  });
  peer_cfg->current_height = [&worker] { return worker.tip().height; };
  peer_cfg->near_tip = [&worker, &tree] { return &worker.tip() == &tree.best(); };
  peer::PeerManager manager(io, *peer_cfg, log, addresses.book.get(), addresses.gossip.get(), nullptr);
  sync::HeaderSyncConfig header_config;
  header_config.max_tip_age = static_cast<std::int64_t>(*max_tip_age);
  sync::HeaderSync headers(tree, stores->headers.get(), manager, log, header_config);
  sync::BlockSyncConfig block_config;
  block_config.max_tip_age = header_config.max_tip_age;
  if (headers_until) block_config.download.window = 0; // headers only
  sync::BlockSync blocks(tree, headers, worker, stores->headers.get(), manager, log, block_config);
  // Blocks are read and framed on the server's own threads; what they read comes back here.
  sync::BlockServerOptions serve_options;
  serve_options.pruned = pruned || from_snapshot;
  serve_options.max_upload_target = *upload_target << 20;
  sync::BlockServer server(
      tree, [&worker]() -> const sync::HeaderEntry& { return worker.tip(); },
      [&stores](sync::BlockPos pos) { return stores->blocks->read_block(pos); },
      [&io](std::function<void()> task) { asio::post(io, std::move(task)); }, manager, log, serve_options);
  blocks.set_server(&server);
  block_sync = &blocks;
  manager.set_handler(&blocks);
  blocks.set_profile(&profile);

  SyncNode node{params, *stores, tree, worker, headers, blocks, server, manager, profile, log, chain_options->par,
                pruned, chain_options->prune_target_bytes, ctx.datadir, Clock::now(), {}, {}};
  node.snapshot_hash = *snapshot_hash;
  SyncRun run(io, node, rules, addresses, log);
  run.set_log_file(*log_file);
  node.request_stop = [&run] { run.stop_soon(); };
  run.watch_disk(ctx.datadir, disk_floor);
  serving = &node;
  auto health = [&node] { return sync_health(node); };
  if (rpc) {
    add_sync_methods(dispatcher, node);
    add_chain_control_methods(dispatcher, node);
    rpc->set_health(health);
    run.add_rpc(&*rpc);
  }
  if (metrics_server) {
    metrics_server->set_health(health);
    run.add_rpc(&*metrics_server);
  }
  dispatcher.clear_warmup();
  run.start();
  io.run();

  // Every connection is closed: connect what was received, settle the scripts under way and make
  // the chain durable; the chain thread then ends.
  block_sync = nullptr;
  auto flushed = blocks.finish();
  if (addresses.book) (void)addresses.book->save();
  if (headers_until) {
    if (!flushed) return fail(ctx, explain_store_failure(flushed.error(), ctx.datadir, disk_floor));
    return run.reached_goal() ? kExitOk : run.interrupted() ? kInterrupted : kExitFailure;
  }
  ctx.err << sync::format_profile(profile_totals(node), blocks.deliveries());
  const double seconds = std::chrono::duration<double>(Clock::now() - node.started).count();
  ctx.out << sync_summary(node, start_height, seconds, run.interrupted()).dump_pretty() << "\n";
  if (!flushed) return fail(ctx, explain_store_failure(flushed.error(), ctx.datadir, disk_floor));
  if (!blocks.fatal_error().empty()) return fail(ctx, explain_store_failure(blocks.fatal_error(), ctx.datadir, disk_floor));
  if (!run.disk_too_low().empty()) return fail(ctx, run.disk_too_low());
  return run.reached_goal() || run.interrupted() ? kExitOk : kExitFailure;
}

namespace {

// --load-snapshot=FILE: headers first (a run that asks for no block) until the snapshot's base
// block is among them, then the file loaded as `loadtxoutset` does; a restart with the option
// again finds it loaded and goes on.
int prepare_snapshot(const Context& ctx, const ParsedArgs& args, const std::filesystem::path& file) {
  const auto& params = ctx.params();
  auto given_hash = parse_snapshot_hash(args, ctx.network);
  if (!given_hash) return usage(ctx, given_hash.error());
  if (args.has("reindex") || args.has("reindex-chainstate"))
    return usage(ctx, UsageError{"--load-snapshot replaces the UTXO set: not with --reindex or --reindex-chainstate"});
  auto base = snapshot_base_block(file, params);
  if (!base) return fail(ctx, base.error());
  bool have_header = false;
  {
    std::error_code ec;
    std::filesystem::create_directories(ctx.datadir, ec);
    auto lock = util::DatadirLock::acquire(ctx.datadir);
    if (!lock) return fail(ctx, lock.error());
    const auto chainstate = ctx.datadir / "chainstate";
    if (std::filesystem::exists(chainstate / "CURRENT", ec)) {
      auto db = sync::UtxoDb::open(chainstate, params);
      if (!db) return fail(ctx, db.error());
      if ((*db)->snapshot_base() == *base) return kContinue; // loaded by an earlier run
      if (!sync::holds_no_block(**db, params))
        return fail(ctx, "--load-snapshot: the datadir already has a UTXO set; a snapshot loads only into an empty chainstate");
    }
    if (std::filesystem::exists(ctx.datadir / "headers" / "CURRENT", ec)) {
      auto store = sync::HeaderStore::open(ctx.datadir / "headers", params);
      if (!store) return fail(ctx, store.error());
      sync::HeaderTree tree(params);
      if (auto loaded = (*store)->load_into(tree); !loaded) return fail(ctx, loaded.error());
      have_header = tree.find(*base) != nullptr;
    }
  }
  if (!have_header) {
    ctx.err << fmt::format("peregrine sync: syncing headers up to the snapshot's base block {} first\n", base->to_hex());
    const int headers = run_sync_session(ctx, args, *base);
    if (headers != kExitOk) return headers == kInterrupted ? kExitOk : headers;
  }
  auto loaded = load_snapshot_into(ctx.datadir, params, file, *given_hash);
  if (!loaded) return fail(ctx, loaded.error());
  ctx.err << "peregrine sync: snapshot loaded: " << loaded->dump() << "\n";
  return kContinue;
}

} // namespace

int run_sync_command(const Context& ctx, const ParsedArgs& args) {
  if (auto file = args.value("load-snapshot")) {
    if (int prepared = prepare_snapshot(ctx, args, *file); prepared != kContinue) return prepared;
  }
  return run_sync_session(ctx, args, std::nullopt);
}

} // namespace peregrine::node
