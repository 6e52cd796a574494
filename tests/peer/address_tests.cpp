#include <doctest/doctest.h>

#include <filesystem>
#include <fstream>
#include <string>

#include "peer/ban_list.hpp"
#include "peer/endpoint.hpp"
#include "peer/subnet.hpp"

using namespace peregrine;
using namespace peregrine::peer;

TEST_CASE("HOST:PORT parsing for --connect and --addnode") {
  CHECK(parse_host_port("127.0.0.1:18444", 8333) == HostPort{"127.0.0.1", 18444});
  CHECK(parse_host_port("127.0.0.1", 8333) == HostPort{"127.0.0.1", 8333});
  CHECK(parse_host_port("[::1]:18444", 8333) == HostPort{"::1", 18444});
  CHECK(parse_host_port("[2001:db8::1]", 8333) == HostPort{"2001:db8::1", 8333});
  CHECK(parse_host_port("2001:db8::1", 8333) == HostPort{"2001:db8::1", 8333});
  CHECK(parse_host_port("seed.example.org:8333", 1) == HostPort{"seed.example.org", 8333});
  CHECK(HostPort{"::1", 18444}.to_string() == "[::1]:18444");
  for (const char* bad : {"", ":8333", "host:", "host:0", "host:65536", "host:12x", "[::1", "[::1]x"}) {
    CAPTURE(bad);
    CHECK_FALSE(parse_host_port(bad, 8333).has_value());
  }
}

TEST_CASE("subnets: parse, normalise, contain") {
  auto s = Subnet::parse("10.1.2.3/16");
  REQUIRE(s.has_value());
  CHECK(s->to_string() == "10.1.0.0/16");
  CHECK(s->contains(*parse_ip("10.1.200.7")));
  CHECK_FALSE(s->contains(*parse_ip("10.2.0.1")));
  CHECK_FALSE(s->contains(*parse_ip("::ffff:10.2.0.1")));
  CHECK(s->contains(*parse_ip("::ffff:10.1.0.1"))); // IPv4-mapped is the IPv4 address

  auto single = Subnet::parse("192.168.0.1");
  REQUIRE(single.has_value());
  CHECK(single->prefix_bits == 32);
  CHECK_FALSE(single->contains(*parse_ip("192.168.0.2")));

  auto v6 = Subnet::parse("2001:db8::/32");
  REQUIRE(v6.has_value());
  CHECK(v6->contains(*parse_ip("2001:db8:ffff::1")));
  CHECK_FALSE(v6->contains(*parse_ip("2001:db9::1")));
  CHECK_FALSE(v6->contains(*parse_ip("1.2.3.4")));

  for (const char* bad : {"", "10.0.0.0/33", "10.0.0.0/-1", "10.0.0.0/", "::/129", "host/8", "10.0.0"}) {
    CAPTURE(bad);
    CHECK_FALSE(Subnet::parse(bad).has_value());
  }
}

TEST_CASE("ban list: bans expire, persist across restarts, and a corrupt file is moved aside") {
  auto dir = std::filesystem::temp_directory_path() / "peregrine_banlist_test";
  std::filesystem::remove_all(dir);
  std::filesystem::create_directories(dir);
  auto file = dir / "banlist.json";
  std::vector<std::string> lines;
  util::Logger log([&](util::LogLevel, std::string_view, std::string_view m) { lines.emplace_back(m); });

  {
    BanList bans(file, log, 1000);
    bans.ban(*Subnet::parse("1.2.3.4"), 1000, 3600, "setban RPC");
    bans.ban(*Subnet::parse("10.0.0.0/8"), 1000, 60, "manual");
    CHECK(bans.is_banned(*parse_ip("1.2.3.4"), 1001));
    CHECK(bans.is_banned(*parse_ip("10.9.9.9"), 1059));
    CHECK_FALSE(bans.is_banned(*parse_ip("10.9.9.9"), 1060)); // expired
    CHECK_FALSE(bans.is_banned(*parse_ip("1.2.3.5"), 1001));
  }
  {
    BanList restarted(file, log, 1100); // the 60 s ban expired meanwhile and is dropped
    CHECK(restarted.is_banned(*parse_ip("1.2.3.4"), 1100));
    auto active = restarted.active(1100);
    REQUIRE(active.size() == 1);
    CHECK(active[0].reason == "setban RPC");
    CHECK(active[0].until == 4600);
    CHECK(restarted.unban(*Subnet::parse("1.2.3.4")));
    CHECK_FALSE(restarted.unban(*Subnet::parse("1.2.3.4")));
  }
  CHECK(BanList(file, log, 1100).active(1100).empty());

  { std::ofstream(file) << "{\"version\":1,\"bans\":[{\"subnet\":\"nonsense\""; }
  lines.clear();
  BanList recovered(file, log, 0);
  CHECK(recovered.active(0).empty());
  CHECK(std::filesystem::exists(dir / "banlist.json.bad"));
  REQUIRE(lines.size() == 1);
  CHECK(lines[0].find("unreadable; moved it to") != std::string::npos);
  std::filesystem::remove_all(dir);
}
