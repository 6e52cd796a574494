// BlkFileReader: blk*.dat framing read one record at a time, Core's zero padding accepted, every
// other damage reported with the record's offset.
#include <doctest/doctest.h>

#include <fstream>
#include <string>

#include "consensus/chainparams.hpp"
#include "sync/block_import.hpp"
#include "temp_dir.hpp"

namespace {

using namespace peregrine;

const wire::Magic& magic() { return consensus::chain_params(consensus::Network::regtest).magic; }

Bytes record(const Bytes& block) {
  Bytes r(magic().begin(), magic().end());
  const auto n = static_cast<std::uint32_t>(block.size());
  for (int i = 0; i < 4; ++i) r.push_back(static_cast<std::uint8_t>(n >> (8 * i)));
  r.insert(r.end(), block.begin(), block.end());
  return r;
}

// Every block the reader returns, then its error if it stopped on one.
std::pair<std::vector<Bytes>, std::string> read_all(const Bytes& contents) {
  test::TempDir dir;
  std::filesystem::create_directories(dir.path);
  const auto path = dir.path / "blk00000.dat";
  std::ofstream(path, std::ios::binary).write(reinterpret_cast<const char*>(contents.data()),
                                              static_cast<std::streamsize>(contents.size()));
  auto reader = sync::BlkFileReader::open(path, magic());
  REQUIRE(reader.has_value());
  std::vector<Bytes> blocks;
  for (;;) {
    auto next = reader->next();
    if (!next) return {blocks, next.error()};
    if (!*next) return {blocks, ""};
    blocks.emplace_back((*next)->begin(), (*next)->end());
  }
}

} // namespace

TEST_CASE("blk file reader: records in order, then Core's zero padding ends the file") {
  Bytes file = record({1, 2, 3});
  const Bytes second = record({4, 5});
  file.insert(file.end(), second.begin(), second.end());
  SUBCASE("no padding") {}
  SUBCASE("padding") { file.resize(file.size() + 1000, 0); }
  auto [blocks, error] = read_all(file);
  CHECK(error == "");
  CHECK(blocks == std::vector<Bytes>{{1, 2, 3}, {4, 5}});
}

TEST_CASE("blk file reader: damage is an error naming the record's offset") {
  const Bytes good = record({1, 2, 3}); // 11 bytes: the second record starts at byte 11
  Bytes file = good;
  std::string expected;
  SUBCASE("another network's magic") {
    Bytes other = good;
    other[0] ^= 0xff;
    file.insert(file.end(), other.begin(), other.end());
    expected = "the record at byte 11: wrong network magic";
  }
  SUBCASE("a block cut short") {
    file.insert(file.end(), good.begin(), good.end() - 1);
    expected = "the record at byte 11: cut short";
  }
  SUBCASE("a length of zero") {
    file.insert(file.end(), magic().begin(), magic().end());
    file.insert(file.end(), {0, 0, 0, 0});
    expected = "the record at byte 11: a block length of 0 bytes";
  }
  SUBCASE("a length above the largest block") {
    file.insert(file.end(), magic().begin(), magic().end());
    file.insert(file.end(), {0x01, 0x09, 0x3d, 0x00}); // 4,000,001
    expected = "the record at byte 11: a block length of 4000001 bytes";
  }
  SUBCASE("data after zero padding") {
    file.resize(file.size() + 100, 0);
    file.push_back(7);
    expected = "the record at byte 11: non-zero bytes after zero padding";
  }
  auto [blocks, error] = read_all(file);
  CHECK(blocks.size() == 1);
  CHECK_MESSAGE(error.ends_with(expected), error);
}
