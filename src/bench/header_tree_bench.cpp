#include "bench/header_tree_bench.hpp"

#include <malloc.h>

#include <algorithm>
#include <chrono>
#include <filesystem>
#include <random>
#include <unordered_map>
#include <vector>

#include <fmt/format.h>

#include "bench/timer.hpp"
#include "consensus/pow.hpp"
#include "sync/header_store.hpp"
#include "sync/header_tree.hpp"

namespace peregrine::bench {
namespace {

using Clock = std::chrono::steady_clock;
constexpr std::int64_t kNow = 2'000'000'000;
constexpr int kRuns = 3;

// A valid regtest chain (no retargeting, so every header takes the same path through the rules).
std::vector<wire::BlockHeader> make_chain(const consensus::ChainParams& params, int count) {
  std::vector<wire::BlockHeader> chain;
  chain.reserve(static_cast<std::size_t>(count));
  wire::BlockHeader h = params.genesis.header;
  for (int i = 0; i < count; ++i) {
    wire::BlockHeader next;
    next.version = 0x20000000;
    next.prev_block = wire::block_hash(h);
    next.merkle_root.bytes[0] = static_cast<std::uint8_t>(i);
    next.merkle_root.bytes[1] = static_cast<std::uint8_t>(i >> 8);
    next.merkle_root.bytes[2] = static_cast<std::uint8_t>(i >> 16);
    next.time = h.time + 600;
    next.bits = h.bits;
    while (!consensus::check_proof_of_work(wire::block_hash(next), next.bits, params)) ++next.nonce;
    chain.push_back(next);
    h = next;
  }
  return chain;
}

template <class F>
double median_seconds(F f) {
  std::vector<double> runs;
  for (int i = 0; i < kRuns; ++i) {
    auto t0 = Clock::now();
    f();
    runs.push_back(std::chrono::duration<double>(Clock::now() - t0).count());
  }
  std::sort(runs.begin(), runs.end());
  return runs[runs.size() / 2];
}

std::size_t heap_in_use() { return mallinfo2().uordblks; }

std::uintmax_t folder_size(const std::filesystem::path& dir) {
  std::uintmax_t total = 0;
  for (const auto& e : std::filesystem::directory_iterator(dir))
    if (e.is_regular_file()) total += e.file_size();
  return total;
}

} // namespace

bool run_header_tree_bench(std::ostream& out, std::ostream& err, int count) {
  const auto& params = consensus::chain_params(consensus::Network::regtest);
  out << fmt::format("header tree: {} regtest headers (mining them first)\n", count);
  const auto chain = make_chain(params, count);
  const double n = count;

  // Baseline: hash each header and put it in a hash map: the least any header index must do.
  double baseline = median_seconds([&] {
    std::unordered_map<Hash256, wire::BlockHeader> map;
    for (const auto& h : chain) map.emplace(wire::block_hash(h), h);
    keep(map);
  });
  double accept = median_seconds([&] {
    sync::HeaderTree tree(params);
    for (const auto& h : chain)
      if (!tree.accept(h, kNow)) err << "bench: a header was refused\n";
    keep(tree);
  });
  out << fmt::format("  accept (rules + insert):   {:>10.0f} headers/s  ({:.2f} µs each)\n", n / accept, accept / n * 1e6);
  out << fmt::format("  baseline hash + map insert:{:>10.0f} headers/s  -> tree costs {:.2f}x the baseline\n",
                     n / baseline, accept / baseline);

  const std::size_t before = heap_in_use();
  auto tree = std::make_unique<sync::HeaderTree>(params);
  for (const auto& h : chain) (void)tree->accept(h, kNow);
  const double per_header = static_cast<double>(heap_in_use() - before) / n;
  out << fmt::format("  memory: {:.0f} bytes per header, {:.1f} MiB per 100,000 headers (raw headers: 7.6 MiB)\n",
                     per_header, per_header * 100'000 / (1 << 20));

  const auto dir = std::filesystem::temp_directory_path() / fmt::format("peregrine-bench-headers-{}", ::getpid());
  std::filesystem::remove_all(dir);
  std::vector<const sync::HeaderEntry*> entries;
  for (int h = 1; h <= tree->best_height(); ++h) entries.push_back(tree->at_height(h));
  double write_s = 0, reload_s = 0;
  {
    auto store = sync::HeaderStore::open(dir, params);
    if (!store) {
      err << "bench: " << store.error() << "\n";
      return false;
    }
    auto t0 = Clock::now();
    for (std::size_t at = 0; at < entries.size(); at += 2'000) {
      auto batch = std::span(entries).subspan(at, std::min<std::size_t>(2'000, entries.size() - at));
      if (auto w = (*store)->write(batch); !w) {
        err << "bench: " << w.error() << "\n";
        return false;
      }
    }
    write_s = std::chrono::duration<double>(Clock::now() - t0).count();
  }
  reload_s = median_seconds([&] {
    auto store = sync::HeaderStore::open(dir, params);
    sync::HeaderTree reloaded(params);
    auto loaded = (*store)->load_into(reloaded);
    if (!loaded || reloaded.best_height() != tree->best_height()) err << "bench: reload mismatch\n";
  });
  out << fmt::format("  store: write {:.0f} ms ({:.0f} headers/s, batches of 2,000), {:.1f} MiB on disk\n",
                     write_s * 1e3, n / write_s, static_cast<double>(folder_size(dir)) / (1 << 20));
  out << fmt::format("  store: reload {:.0f} ms ({:.2f} µs per header; accept costs {:.2f} µs)\n", reload_s * 1e3,
                     reload_s / n * 1e6, accept / n * 1e6);
  std::filesystem::remove_all(dir);
  return true;
}

} // namespace peregrine::bench
