#include <doctest/doctest.h>

#include <set>
#include <string>

#include "peer/offence.hpp"
#include "peer/send_queue.hpp"
#include "peer/token_bucket.hpp"

using namespace peregrine;
using namespace peregrine::peer;
using namespace std::chrono_literals;

TEST_CASE("offences: each has Bitcoin Core's outcome, no scores") {
  using enum Offence;
  auto outcome = [](Offence o) { return offence_info(o).outcome; };
  // Proven malice: discouraged and disconnected at the first offence.
  for (Offence o : {invalid_pow_headers, non_continuous_headers, oversized_headers, oversized_inv, oversized_addr,
                    invalid_header, invalid_prev, block_missing_prev, invalid_block}) {
    CAPTURE(offence_info(o).name);
    CHECK(outcome(o) == Outcome::discourage);
  }
  CHECK(outcome(cached_invalid) == Outcome::discourage_outbound);
  // A stream that cannot be followed, or a peer we cannot use: disconnected, not discouraged.
  for (Offence o : {wrong_magic, oversized_message, oversized_locator, late_feature_message, slow_message}) {
    CAPTURE(offence_info(o).name);
    CHECK(outcome(o) == Outcome::disconnect);
  }
  // Undecodable messages are dropped; the connection stays.
  for (Offence o : {bad_checksum, bad_command, malformed_payload}) {
    CAPTURE(offence_info(o).name);
    CHECK(outcome(o) == Outcome::drop_message);
  }
  for (Offence o : {unknown_command, handshake_violation, unconnecting_headers, low_work_headers}) {
    CAPTURE(offence_info(o).name);
    CHECK(outcome(o) == Outcome::ignore);
  }

  std::set<std::string_view> names;
  for (std::size_t i = 0; i < kOffenceCount; ++i) names.insert(offence_info(static_cast<Offence>(i)).name);
  CHECK(names.size() == kOffenceCount); // distinct names
  // The names the old scoring wrote into banlist.json are recognised; an operator's reason is not.
  CHECK(is_offence_name("malformed-payload"));
  CHECK(is_offence_name("message-flood"));
  CHECK(is_offence_name("oversized-list"));
  CHECK_FALSE(is_offence_name("setban RPC"));
  CHECK_FALSE(is_offence_name(""));
}

TEST_CASE("token bucket: starts full, refills at its rate, caps at its burst, can go into debt") {
  auto t0 = Clock::now();
  TokenBucket b(1000, 500, t0); // 1,000 per second, burst 500
  CHECK(b.try_take(500, t0));
  CHECK_FALSE(b.try_take(1, t0));
  CHECK(b.wait_for(100, t0) == 100ms);
  CHECK(b.try_take(100, t0 + 100ms));
  CHECK(b.tokens(t0 + 10s) == doctest::Approx(500)); // capped
  b.take(800, t0 + 10s);                              // debt of 300
  CHECK(b.tokens(t0 + 10s) == doctest::Approx(-300));
  CHECK(b.wait_for(0, t0 + 10s) == 300ms);
  CHECK(b.wait_for(10'000, t0 + 10s) == 800ms); // never waits for more than a burst

  TokenBucket unlimited;
  CHECK(unlimited.unlimited());
  CHECK(unlimited.try_take(1e12, t0));
  CHECK(unlimited.wait_for(1e12, t0) == Clock::duration::zero());
}

TEST_CASE("RTT estimate: first sample sets it, later ones move it a fifth of the way") {
  RttEstimate rtt;
  CHECK_FALSE(rtt.has_sample());
  rtt.add_sample(100ms);
  CHECK(rtt.average() == 100ms);
  rtt.add_sample(200ms);
  CHECK(std::chrono::duration<double, std::milli>(rtt.average()).count() == doctest::Approx(120));
  rtt.add_sample(50ms);
  CHECK(rtt.best() == 50ms);
}

TEST_CASE("send queue: control before chain before gossip, FIFO within a class") {
  CHECK(priority_of("ping") == Priority::control);
  CHECK(priority_of("verack") == Priority::control);
  CHECK(priority_of("block") == Priority::chain);
  CHECK(priority_of("getdata") == Priority::chain);
  CHECK(priority_of("headers") == Priority::chain);
  CHECK(priority_of("inv") == Priority::gossip);
  CHECK(priority_of("addrv2") == Priority::gossip);

  SendQueue q;
  auto frame = [](std::uint8_t tag, std::size_t size, Priority p) {
    Bytes b(size, tag);
    return OutgoingFrame{b, p};
  };
  q.push(frame(1, 4'000'000, Priority::chain)); // a block
  q.push(frame(2, 100, Priority::gossip));
  q.push(frame(3, 4'000'000, Priority::chain)); // another block
  q.push(frame(4, 32, Priority::control));      // a ping queued last
  CHECK(q.bytes() == 8'000'132);
  CHECK(q.frames() == 4);
  std::vector<std::uint8_t> order;
  while (auto f = q.pop()) order.push_back(f->bytes[0]);
  CHECK(order == std::vector<std::uint8_t>{4, 1, 3, 2});
  CHECK(q.empty());
  CHECK(q.bytes() == 0);
}
