// The coin pool: every coin taken exactly once, young draws only from the newest coins.
#include <doctest/doctest.h>

#include <set>

#include "workload/coin_pool.hpp"

namespace peregrine::test {
namespace {

using namespace workload;

PoolCoin coin(std::uint32_t n) { return PoolCoin::make(n, n, n % 7, ScriptKind::trivial); }

} // namespace

TEST_CASE("a coin keeps its value, transaction, output index and kind in 16 bytes") {
  const PoolCoin c = PoolCoin::make(5'000'000'000, 123456, kMaxVout, ScriptKind::p2wsh_multisig);
  CHECK(c.value == 5'000'000'000);
  CHECK(c.tx == 123456);
  CHECK(c.vout() == kMaxVout);
  CHECK(c.kind() == ScriptKind::p2wsh_multisig);
}

TEST_CASE("every coin added is taken exactly once, young or not") {
  CoinPool pool(50);
  Rng rng(3);
  std::set<std::uint32_t> taken;
  std::uint32_t next = 0;
  for (int round = 0; round < 200; ++round) {
    for (int i = 0; i < 30; ++i) pool.add(coin(next++));
    for (int i = 0; i < 20; ++i) {
      const PoolCoin c = rng.below(2) ? pool.take_young(rng) : pool.take_any(rng);
      CHECK(taken.insert(c.tx).second);
    }
  }
  CHECK(pool.size() == next - taken.size());
  while (pool.size() > 0) CHECK(taken.insert(pool.take_any(rng).tx).second);
  CHECK(taken.size() == next);
}

TEST_CASE("young draws come from the newest coins of the window") {
  CoinPool pool(100);
  Rng rng(5);
  for (std::uint32_t n = 0; n < 10'000; ++n) pool.add(coin(n));
  CHECK(pool.young_size() == 100);
  for (int i = 0; i < 100; ++i) CHECK(pool.take_young(rng).tx >= 9'900);
  CHECK(pool.young_size() == 0);
  // With the window spent, a young draw falls back to any coin.
  CHECK(pool.take_young(rng).tx < 9'900);
  // Uniform draws over all coins rarely hit the newest ones.
  int old = 0;
  for (int i = 0; i < 1000; ++i) old += pool.take_any(rng).tx < 5'000;
  CHECK(old == doctest::Approx(500).epsilon(0.15));
}

} // namespace peregrine::test
