// Progress figures of `peregrine sync`: Core's verificationprogress, rates over a window, the ETA
// and the progress line.
#include <doctest/doctest.h>

#include "sync/sync_progress.hpp"

using namespace peregrine;
using namespace std::chrono_literals;

TEST_CASE("verification progress follows Core's estimate") {
  const consensus::ChainTxData data{1'000'000, 500'000, 2.0}; // 500k txs at t=1e6, 2 tx/s since
  // Before chainTxData's time: the txs left to that point plus the rate since.
  CHECK(sync::verification_progress(data, 250'000, 900'000, 1'000'000) == doctest::Approx(0.5));
  CHECK(sync::verification_progress(data, 250'000, 900'000, 1'125'000) == doctest::Approx(250'000.0 / 750'000));
  // After it: only the rate from the tip's time to now.
  CHECK(sync::verification_progress(data, 600'000, 1'100'000, 1'100'000) == doctest::Approx(1.0));
  CHECK(sync::verification_progress(data, 600'000, 1'100'000, 1'400'000) == doctest::Approx(600'000.0 / 1'200'000));
  CHECK(sync::verification_progress(data, 0, 1'100'000, 1'400'000) == 0); // unknown count
  // No chainTxData (regtest): Core reports 1.
  CHECK(sync::verification_progress({}, 5, 100, 200) == doctest::Approx(1.0));
}

TEST_CASE("rate meter measures over its window only") {
  sync::RateMeter meter(10s);
  const auto t0 = std::chrono::steady_clock::time_point{} + 1h;
  CHECK(meter.blocks_per_second() == 0);
  meter.add(t0, 0, 0);
  CHECK(meter.blocks_per_second() == 0); // one sample: no rate
  for (int s = 1; s <= 5; ++s) meter.add(t0 + std::chrono::seconds(s), 100u * s, 1'000u * s);
  CHECK(meter.blocks_per_second() == doctest::Approx(100));
  CHECK(meter.transactions_per_second() == doctest::Approx(1'000));
  // Then it slows down: after more than a window, the early fast seconds no longer count.
  for (int s = 6; s <= 30; ++s) meter.add(t0 + std::chrono::seconds(s), 500u + 10u * (s - 5), 5'000u);
  CHECK(meter.blocks_per_second() == doctest::Approx(10));
  CHECK(meter.transactions_per_second() == 0);
  // A count going down (after a reorg) gives no rate rather than a huge one.
  meter.add(t0 + 31s, 100, 5'000);
  CHECK(meter.blocks_per_second() == 0);
}

TEST_CASE("ETA by transactions with chainTxData, by blocks without") {
  const consensus::ChainTxData data{1'000'000, 500'000, 2.0};
  // 500k + 2/s * 250k s = 1M txs by now; 400k done at 1,000 tx/s: 600 s, although only 10 of 20
  // blocks are left, which at 1 block/s would say 10 s: the last blocks are the full ones.
  auto eta = sync::estimate_eta(data, 400'000, 900'000, 1'250'000, 10, 20, 1.0, 1'000.0);
  REQUIRE(eta);
  CHECK(eta->count() == 600);
  // Without chainTxData: 10 blocks left at 2 blocks/s.
  eta = sync::estimate_eta({}, 400'000, 900'000, 1'250'000, 10, 20, 2.0, 0);
  REQUIRE(eta);
  CHECK(eta->count() == 5);
  CHECK_FALSE(sync::estimate_eta({}, 1, 0, 0, 10, 20, 0, 0)); // nothing moves: unknown
  CHECK(sync::estimate_eta({}, 1, 0, 0, 20, 20, 0, 0)->count() == 0);
}

TEST_CASE("ETA: the work left is verificationprogress's, also once the tip is past chainTxData's time") {
  const consensus::ChainTxData data{1'000'000, 500'000, 2.0};
  const std::int64_t now = 1'250'000;
  // The chain turned out denser than chainTxData's rate: 1.1M transactions at a tip of time
  // 1,200,000, more than the 1M the rate predicts for now. The estimate from chainTxData's time
  // would leave nothing to do (ETA 0 with 500 blocks to go); from the tip's age, 50,000 s at
  // 2 tx/s are 100,000 transactions: 100 s at 1,000 tx/s.
  const std::uint64_t chain_tx = 1'100'000;
  const std::int64_t tip_time = 1'200'000;
  CHECK(sync::transactions_after_tip(data, chain_tx, tip_time, now) == doctest::Approx(100'000));
  auto eta = sync::estimate_eta(data, chain_tx, tip_time, now, 500, 1'000, 50.0, 1'000.0);
  REQUIRE(eta);
  CHECK(eta->count() == 100);
  // The same work as verificationprogress: done / (done + left).
  CHECK(sync::verification_progress(data, chain_tx, tip_time, now) == doctest::Approx(1'100'000.0 / 1'200'000.0));
  // Before chainTxData's time: its count and rate, as before.
  CHECK(sync::transactions_after_tip(data, 400'000, 900'000, now) == doctest::Approx(600'000));
}

TEST_CASE("progress line") {
  sync::ProgressFigures f;
  f.height = 2417;
  f.headers = 3090;
  f.progress = 0.78218;
  f.blocks_per_second = 812.34;
  f.transactions_per_second = 4120.4;
  f.eta = std::chrono::seconds(3 * 3600 + 7 * 60 + 9);
  f.peers = 3;
  f.cache_mib = 1.25;
  f.in_flight = 48;
  CHECK(sync::format_progress(f) ==
        "height 2417/3090 (78.22%), 812.3 blocks/s, 4120 tx/s, ETA 3:07:09, 3 peers, cache 1.2 MiB, 48 in flight");
  f.eta.reset();
  f.peers = 1;
  CHECK(sync::format_progress(f).find("ETA unknown, 1 peer,") != std::string::npos);
}
