// The discouragement filter, Core's local-address rule, and the migration of automatic bans out
// of banlist.json.
#include <doctest/doctest.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include "../read_text.hpp"
#include "../temp_dir.hpp"
#include "peer/ban_list.hpp"
#include "peer/discouragement.hpp"
#include "peer/subnet.hpp"

using namespace peregrine;
using namespace peregrine::peer;

namespace {

wire::NetAddress ipv4(std::uint8_t a, std::uint8_t b, std::uint8_t c, std::uint8_t d) {
  return wire::NetAddress::ipv4({a, b, c, d});
}

} // namespace

TEST_CASE("discouragement: remembers addresses, bounded, the oldest forgotten first") {
  Discouraged d(3);
  d.add(ipv4(1, 1, 1, 1));
  d.add(ipv4(2, 2, 2, 2));
  d.add(ipv4(3, 3, 3, 3));
  CHECK(d.contains(ipv4(1, 1, 1, 1)));
  CHECK_FALSE(d.contains(ipv4(1, 1, 1, 2)));
  d.add(ipv4(1, 1, 1, 1)); // again: now the newest
  d.add(ipv4(4, 4, 4, 4)); // over the bound: 2.2.2.2, the oldest, goes
  CHECK(d.size() == 3);
  CHECK_FALSE(d.contains(ipv4(2, 2, 2, 2)));
  CHECK(d.contains(ipv4(1, 1, 1, 1)));
  CHECK(d.contains(ipv4(3, 3, 3, 3)));
  CHECK(d.contains(ipv4(4, 4, 4, 4)));
  // An IPv4 address and an IPv6 one with the same leading bytes are different addresses.
  CHECK_FALSE(d.contains(*parse_ip("::")));
  d.clear();
  CHECK(d.size() == 0);
}

TEST_CASE("discouragement: Core's bound of 50,000 holds under a flood of addresses") {
  Discouraged d;
  CHECK(d.capacity() == 50'000);
  for (std::uint32_t i = 0; i < 60'000; ++i)
    d.add(ipv4(10, static_cast<std::uint8_t>(i >> 16), static_cast<std::uint8_t>(i >> 8), static_cast<std::uint8_t>(i)));
  CHECK(d.size() == 50'000);
  CHECK_FALSE(d.contains(ipv4(10, 0, 0, 0)));  // among the first 10,000: forgotten
  CHECK(d.contains(ipv4(10, 0, 234, 95)));     // 59,999: kept
}

TEST_CASE("local addresses as Core's CNetAddr::IsLocal sees them") {
  CHECK(is_local(*parse_ip("127.0.0.1")));
  CHECK(is_local(*parse_ip("127.255.3.4")));
  CHECK(is_local(*parse_ip("0.1.2.3")));
  CHECK(is_local(*parse_ip("::1")));
  CHECK_FALSE(is_local(*parse_ip("128.0.0.1")));
  CHECK_FALSE(is_local(*parse_ip("10.0.0.1")));
  CHECK_FALSE(is_local(*parse_ip("::2")));
  CHECK_FALSE(is_local(*parse_ip("2001:db8::1")));
}

TEST_CASE("ban list: automatic bans of the old scoring are dropped on load, operator bans kept") {
  test::TempDir dir("peregrine-banlist-migration");
  std::filesystem::create_directories(dir.path);
  const auto file = dir.path / "banlist.json";
  {
    // As the scoring of earlier versions wrote it: the offence name as the reason.
    std::ofstream out(file);
    out << R"({"version": 1, "bans": [
      {"subnet": "127.0.0.1/32", "created": 1000, "until": 90000, "reason": "malformed-payload"},
      {"subnet": "5.6.7.8/32", "created": 1000, "until": 90000, "reason": "message-flood"},
      {"subnet": "10.0.0.0/8", "created": 1000, "until": 90000, "reason": "setban RPC"},
      {"subnet": "9.9.9.9/32", "created": 1000, "until": 90000, "reason": "invalid-block"}
    ]})";
  }
  std::vector<std::string> lines;
  util::Logger log([&](util::LogLevel, std::string_view, std::string_view m) { lines.emplace_back(m); });
  BanList bans(file, log, 2000);
  CHECK_FALSE(bans.is_banned(*parse_ip("127.0.0.1"), 2000));
  CHECK_FALSE(bans.is_banned(*parse_ip("5.6.7.8"), 2000));
  CHECK_FALSE(bans.is_banned(*parse_ip("9.9.9.9"), 2000));
  CHECK(bans.is_banned(*parse_ip("10.1.2.3"), 2000));
  auto active = bans.active(2000);
  REQUIRE(active.size() == 1);
  CHECK(active[0].reason == "setban RPC");
  for (const char* dropped : {"127.0.0.1/32", "5.6.7.8/32", "9.9.9.9/32"}) {
    CAPTURE(dropped);
    const std::string expected = std::string("dropping automatic ban of ") + dropped +
                                 " (misbehaving peers are now discouraged, not banned)";
    CHECK(std::count(lines.begin(), lines.end(), expected) == 1);
  }
  // The file is rewritten without them, so the next start logs nothing.
  const std::string text = test::read_text(file);
  CHECK(text.find("malformed-payload") == std::string::npos);
  CHECK(text.find("10.0.0.0/8") != std::string::npos);
  lines.clear();
  BanList again(file, log, 2000);
  CHECK(again.active(2000).size() == 1);
  CHECK(lines.empty());
}
