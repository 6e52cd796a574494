#include <doctest/doctest.h>

#include <cstdio>
#include <filesystem>
#include <fstream>

#include "util/file.hpp"
#include "util/hash256.hpp"
#include "util/hex.hpp"

using namespace peregrine;

TEST_CASE("hex encodes lower-case and decodes either case") {
  Bytes b = {0x00, 0x01, 0xab, 0xff};
  CHECK(util::to_hex(b) == "0001abff");
  CHECK(util::from_hex("0001ABff") == b);
  CHECK(util::from_hex("") == Bytes{});
}

TEST_CASE("hex rejects odd lengths and non-hex characters") {
  CHECK_FALSE(util::from_hex("abc").has_value());
  CHECK_FALSE(util::from_hex("0g").has_value());
  CHECK_FALSE(util::from_hex("0x00").has_value());
  CHECK_FALSE(util::from_hex("00 ").has_value());
}

TEST_CASE("hex detection and whitespace-tolerant decoding for wrapped dumps") {
  CHECK(util::looks_like_hex("00ff\nAB cd\r\n"));
  CHECK_FALSE(util::looks_like_hex(""));
  CHECK_FALSE(util::looks_like_hex(" \n"));
  CHECK_FALSE(util::looks_like_hex("00zz"));
  CHECK(util::from_hex_ignoring_space("00ff\nAB cd\r\n") == Bytes{0x00, 0xff, 0xab, 0xcd});
  CHECK_FALSE(util::from_hex_ignoring_space("0 0 0").has_value());
}

TEST_CASE("Hash256 shows bytes reversed and parses its own display form") {
  Hash256 h;
  h.bytes[0] = 0x6f;
  h.bytes[31] = 0x01;
  std::string shown = h.to_hex();
  CHECK(shown.substr(0, 2) == "01");
  CHECK(shown.substr(62, 2) == "6f");
  CHECK(Hash256::from_hex(shown) == h);
  CHECK_FALSE(Hash256::from_hex("00").has_value());
  CHECK_FALSE(Hash256::from_hex(std::string(64, 'x')).has_value());
  CHECK(Hash256{}.is_zero());
  CHECK_FALSE(h.is_zero());
  CHECK(std::hash<Hash256>{}(h) == std::hash<Hash256>{}(*Hash256::from_hex(shown)));
}

TEST_CASE("read_file reads whole files, bounds their size and names the path in errors") {
  auto dir = std::filesystem::temp_directory_path() / "peregrine_util_test";
  std::filesystem::create_directories(dir);
  auto path = dir / "three_mib.bin";
  {
    std::ofstream f(path, std::ios::binary);
    std::string chunk(1 << 20, 'x');
    for (int i = 0; i < 3; ++i) f << chunk;
    f << "tail";
  }
  auto all = util::read_file(path);
  REQUIRE(all.has_value());
  CHECK(all->size() == 3 * (1 << 20) + 4);
  CHECK(all->back() == 'l');

  auto bounded = util::read_file(path, 1 << 20);
  REQUIRE_FALSE(bounded.has_value());
  CHECK(bounded.error().find("larger than") != std::string::npos);

  auto missing = util::read_file(dir / "nope");
  REQUIRE_FALSE(missing.has_value());
  CHECK(missing.error().find("nope") != std::string::npos);

  auto directory = util::read_file(dir);
  CHECK_FALSE(directory.has_value());
  std::filesystem::remove_all(dir);
}
