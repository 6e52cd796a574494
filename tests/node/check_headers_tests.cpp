// `peregrine check-headers`: both mainnet header files validate (from genesis, and from 80,001 on
// the retarget-boundary context), a tampered copy fails at the right height with the right reason,
// and bad inputs get clear errors with the right exit codes.
#include <doctest/doctest.h>

#include <cstdint>
#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include <fmt/format.h>

#include "node/check_headers_command.hpp"
#include "node/commands.hpp"
#include "run_cli.hpp"
#include "test_data.hpp"
#include "util/hex.hpp"
#include "util/json.hpp"
#include "wire/block.hpp"
#include "wire/codec.hpp"

using namespace peregrine;
using namespace peregrine::node;
namespace json = peregrine::util::json;

namespace {

using Run = peregrine::test::CliRun;
using peregrine::test::field;
using peregrine::test::summary;
constexpr auto run = peregrine::test::run_cli;

const std::string kFromGenesis = test::shared_data("chain/mainnet_headers_0_10236.bin").string();
const std::string kFrom80001 = test::shared_data("chain/mainnet_headers_80001_100000.bin").string();
const std::string kContext = test::shared_data("chain/mainnet_diffchange_headers.csv").string();

std::string last_header_hash(const Bytes& file) {
  auto h = wire::from_bytes<wire::BlockHeader>(ByteSpan(file).last(80));
  REQUIRE(h.has_value());
  return wire::block_hash(*h).to_hex();
}

// A file of our own, removed when the test ends.
class TempFile {
public:
  explicit TempFile(const std::string& contents) {
    std::ofstream(path_, std::ios::binary) << contents;
  }
  explicit TempFile(const Bytes& contents)
      : TempFile(std::string(contents.begin(), contents.end())) {}
  ~TempFile() { std::filesystem::remove(path_); }
  std::string path() const { return path_.string(); }

private:
  std::filesystem::path path_ =
      std::filesystem::temp_directory_path() /
      ("peregrine-headers-" + std::to_string(reinterpret_cast<std::uintptr_t>(this)));
};

} // namespace

TEST_CASE("check-headers: mainnet 0-10,236 from genesis") {
  Run r = run({"check-headers", kFromGenesis});
  CHECK_MESSAGE(r.code == kExitOk, r.err);
  json::Value s = summary(r);
  CHECK(field(s, "file") == kFromGenesis);
  CHECK(field(s, "network") == "main");
  CHECK(field(s, "start_height") == "0");
  CHECK(field(s, "count") == "10237");
  CHECK(field(s, "valid") == "10237");
  CHECK(field(s, "first_hash") ==
        "000000000019d6689c085ae165831e934ff763ae46a2a6c172b3f1b60a8ce26f");
  CHECK(field(s, "last_hash") ==
        last_header_hash(test::load_shared("chain/mainnet_headers_0_10236.bin")));
  CHECK(field(s, "last_height") == "10236");
  CHECK(field(s, "chain_work") == field(s, "work"));
  CHECK(field(s, "error") == "null");
  CHECK(s.find("seconds")->as_double().value() >= 0);
  CHECK(s.find("headers_per_second")->is_number());
}

TEST_CASE("check-headers: mainnet 80,001-100,000 on the retarget-boundary context") {
  Run r = run({"check-headers", "--start-height=80001", "--context", kContext, kFrom80001});
  CHECK_MESSAGE(r.code == kExitOk, r.err);
  json::Value s = summary(r);
  CHECK(field(s, "count") == "20000");
  CHECK(field(s, "valid") == "20000");
  CHECK(field(s, "context_headers") == "79"); // rows 0, 2,015, 2,016, ... 78,624
  CHECK(field(s, "last_hash") ==
        "000000000003ba27aa200b1cecaad478d2b00432346c3f1f3986da1afd33e506");
  CHECK(field(s, "last_height") == "100000");
  CHECK(field(s, "chain_work") != "null");
  CHECK(field(s, "error") == "null");

  // Without the context the first header's bits cannot be checked.
  Run bare = run({"check-headers", "--start-height=80001", kFrom80001});
  CHECK(bare.code == kExitFailure);
  json::Value b = summary(bare);
  CHECK(field(*b.find("error"), "reason") == "missing-context");
  CHECK(field(*b.find("error"), "height") == "80001");
  CHECK(field(b, "chain_work") == "null");
}

TEST_CASE("check-headers: a tampered header is reported at its height") {
  Bytes file = test::load_shared("chain/mainnet_headers_0_10236.bin");
  file[6000 * 80 + 76] ^= 0x40; // header 6,000's nonce
  TempFile tampered(file);
  Run r = run({"check-headers", tampered.path()});
  CHECK(r.code == kExitFailure);
  json::Value s = summary(r);
  CHECK(field(s, "valid") == "6000");
  CHECK(field(s, "last_height") == "5999");
  const json::Value& error = *s.find("error");
  CHECK(field(error, "height") == "6000");
  CHECK(field(error, "reason") == "high-hash");
  auto h = wire::from_bytes<wire::BlockHeader>(ByteSpan(file).subspan(6000 * 80, 80));
  CHECK(field(error, "hash") == wire::block_hash(*h).to_hex());

  // Another network's rules: mainnet's genesis is not testnet3's.
  Run other = run({"--network=testnet3", "check-headers", kFromGenesis});
  CHECK(other.code == kExitFailure);
  CHECK(field(*summary(other).find("error"), "reason") == "bad-genesis");
}

TEST_CASE("check-headers: bad inputs get clear errors") {
  Bytes file = test::load_shared("chain/mainnet_headers_0_10236.bin");
  file.resize(10 * 80 + 13);
  TempFile truncated(file);
  Run r = run({"check-headers", truncated.path()});
  CHECK(r.code == kExitFailure);
  CHECK(r.out.empty());
  CHECK(r.err.find(truncated.path() +
                   ": 813 bytes is not a whole number of 80-byte headers (10 headers and "
                   "13 bytes over: truncated?)") != std::string::npos);

  TempFile empty(std::string{});
  CHECK(run({"check-headers", empty.path()}).err.find("the file holds no headers") !=
        std::string::npos);

  Run missing = run({"check-headers", "/nonexistent/headers.bin"});
  CHECK(missing.code == kExitFailure);
  CHECK(missing.err.find("/nonexistent/headers.bin") != std::string::npos);

  TempFile bad_csv("height,header_hex\n5,abcd\n");
  Run csv = run({"check-headers", "--start-height=6", "--context=" + bad_csv.path(), kFromGenesis});
  CHECK(csv.code == kExitFailure);
  CHECK(csv.err.find(bad_csv.path() + ": line 2: the header is not 160 hex digits") !=
        std::string::npos);

  Run no_csv = run({"check-headers", "--context=/nonexistent/context.csv", kFromGenesis});
  CHECK(no_csv.code == kExitFailure);
  CHECK(no_csv.err.find("/nonexistent/context.csv") != std::string::npos);

  Run height = run({"check-headers", "--start-height=-5", kFromGenesis});
  CHECK(height.code == kExitUsage);
  CHECK(height.err.find("invalid value '-5' for --start-height") != std::string::npos);
  CHECK(run({"check-headers"}).code == kExitUsage);
  CHECK(run({"check-headers", "a", "b"}).code == kExitUsage);
}

TEST_CASE("check-headers: the core takes bytes and text") {
  const Bytes file = test::load_shared("chain/mainnet_headers_0_10236.bin");
  CheckHeadersInput input;
  input.adjusted_now = 2'000'000'000;
  auto doc = check_headers(ByteSpan(file).first(800), input);
  REQUIRE(doc.has_value());
  CHECK(doc->find("file") == nullptr);
  CHECK(field(*doc, "valid") == "10");
  // The run's chain work from a context that states it.
  input.start_height = 10;
  const std::string context = fmt::format(
      "9,{},{}\n", util::to_hex(ByteSpan(file).subspan(720, 80)), std::string(63, '0') + "1");
  input.context_csv = context;
  doc = check_headers(ByteSpan(file).subspan(800, 80), input);
  REQUIRE(doc.has_value());
  CHECK(field(*doc, "error") == "null");
  CHECK(field(*doc, "chain_work") ==
        "0000000000000000000000000000000000000000000000000000000100010002");

  input.context_csv = "1,zz";
  auto bad = check_headers(ByteSpan(file).first(80), input);
  REQUIRE(!bad.has_value());
  CHECK(bad.error().in_context);
  CHECK(bad.error().message == "line 1: the header is not 160 hex digits");
  input.context_csv = {};
  input.start_height = 999'999'999;
  auto high = check_headers(ByteSpan(file).first(160), input);
  REQUIRE(!high.has_value());
  CHECK(!high.error().in_context);
}

TEST_CASE("bench headers: measures a file from genesis, refuses what it cannot") {
  Bytes file = test::load_shared("chain/mainnet_headers_0_10236.bin");
  file.resize(200 * 80);
  TempFile first200(file);
  Run r = run({"bench", "headers", first200.path(), "--seconds=1", "--json"});
  CHECK_MESSAGE(r.code == kExitOk, r.err);
  json::Value s = summary(r);
  CHECK(field(s, "headers") == "200");
  const json::Value::Array& phases = *s.find("phases")->as_array();
  REQUIRE(phases.size() == 2);
  CHECK(field(phases[0], "phase") == "sha256d");
  CHECK(field(phases[1], "phase") == first200.path().substr(first200.path().rfind('/') + 1));
  CHECK(phases[1].find("headers_per_second")->as_double().value() > 0);

  file[150 * 80 + 76] ^= 1;
  TempFile tampered(file);
  Run bad = run({"bench", "headers", tampered.path(), "--seconds=1"});
  CHECK(bad.code == kExitFailure);
  CHECK(bad.err.find("header 150 fails: high-hash") != std::string::npos);
  CHECK(run({"bench", "headers", "a", "b"}).code == kExitUsage);
}
