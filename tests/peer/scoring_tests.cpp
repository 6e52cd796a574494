#include <doctest/doctest.h>

#include <set>
#include <string>

#include "peer/offence.hpp"
#include "peer/send_queue.hpp"
#include "peer/token_bucket.hpp"

using namespace peregrine;
using namespace peregrine::peer;
using namespace std::chrono_literals;

TEST_CASE("offences: a ban takes 100 points; framing errors disconnect at once") {
  PeerScore score;
  CHECK(score.add(Offence::handshake_violation) == 20);
  CHECK_FALSE(score.reached_ban_threshold());
  for (int i = 0; i < 4; ++i) score.add(Offence::handshake_violation);
  CHECK(score.total() == 100);
  CHECK(score.reached_ban_threshold());

  for (Offence o : {Offence::wrong_magic, Offence::oversized_message, Offence::malformed_header,
                    Offence::malformed_payload, Offence::message_flood, Offence::invalid_block}) {
    CHECK(offence_info(o).disconnect);
    CHECK(offence_info(o).points >= kBanThreshold);
  }
  // A checksum error may be a bit flip: the connection ends but one does not ban.
  CHECK(offence_info(Offence::bad_checksum).disconnect);
  CHECK(offence_info(Offence::bad_checksum).points < kBanThreshold);
  CHECK_FALSE(offence_info(Offence::unconnecting_headers).disconnect);

  std::set<std::string_view> names;
  for (int i = 0; i <= static_cast<int>(Offence::oversized_list); ++i) {
    names.insert(offence_info(static_cast<Offence>(i)).name);
  }
  CHECK(names.size() == static_cast<std::size_t>(Offence::oversized_list) + 1); // distinct names
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
