// `peregrine generate` through the command line: exit codes, messages, files and summary.
#include <doctest/doctest.h>

#include <filesystem>
#include <cstring>

#include <fmt/format.h>

#include "consensus/chainparams.hpp"
#include "run_cli.hpp"
#include "temp_dir.hpp"
#include "util/file.hpp"

namespace peregrine::test {
namespace {

bool contains(const std::string& text, std::string_view part) { return text.find(part) != std::string::npos; }

} // namespace

TEST_CASE("generate: a wrong command line exits 2 with the reason") {
  TempDir dir("peregrine-generate");
  const std::string out = (dir.path / "chain").string();
  const std::pair<std::vector<std::string>, std::string_view> cases[] = {
      {{"generate", out}, "--blocks=N is required"},
      {{"generate", out, "--blocks=0"}, "--blocks must be at least 1"},
      {{"generate", out, "--blocks=10", "--network=main"}, "regtest chains only"},
      {{"generate", out, "--blocks=200", "--inputs=0"}, "at least one input"},
      {{"generate", out, "--blocks=200", "--young-share=1.5"}, "between 0 and 1"},
      {{"generate", out, "--blocks=200", "--block-weight=4000001"}, "over the consensus limit"},
      {{"generate", out, "--blocks=200", "--inputs=30000"}, "more than the"},
      {{"generate", out, "--blocks=50"}, "no transaction can be made"},
      {{"generate", out, "--blocks=200", "--scripts=p2pk"}, "unknown script kind"},
      {{"generate", out, "--blocks=200", "--file-size=0"}, "--file-size"},
  };
  for (const auto& [args, message] : cases) {
    CAPTURE(args.back());
    const CliRun r = run_cli(args);
    CHECK(r.code == 2);
    CHECK(contains(r.err, message));
  }
  CHECK_FALSE(std::filesystem::exists(out)); // nothing written for a refused command line
}

TEST_CASE("generate: blk files of at most --file-size, read back in order, and the summary") {
  TempDir dir("peregrine-generate");
  const std::string out = (dir.path / "chain").string();
  const CliRun r = run_cli({"generate", out, "--blocks=125", "--file-size=4", "--network=regtest"});
  REQUIRE_MESSAGE(r.code == 0, r.err);
  const auto doc = summary(r);
  CHECK(field(doc, "blocks") == "125");
  CHECK(field(doc, "network") == "regtest");
  const int files = std::stoi(field(doc, "files"));
  CHECK(files >= 2);

  // Records of magic, length and block, genesis first, each file within 4 MiB.
  const auto& regtest = consensus::chain_params(consensus::Network::regtest);
  std::uint64_t records = 0, bytes = 0;
  for (int i = 0; i < files; ++i) {
    const auto path = std::filesystem::path(out) / fmt::format("blk{:05}.dat", i);
    auto data = util::read_file(path);
    REQUIRE(data.has_value());
    CHECK(data->size() <= 4u << 20);
    bytes += data->size();
    for (std::size_t at = 0; at < data->size();) {
      REQUIRE(at + 8 <= data->size());
      CHECK(std::equal(regtest.magic.begin(), regtest.magic.end(), data->begin() + at));
      std::uint32_t size = 0;
      std::memcpy(&size, data->data() + at + 4, 4);
      if (records == 0) CHECK(size == 285); // the regtest genesis block
      at += 8 + size;
      ++records;
    }
  }
  CHECK(records == 126);
  CHECK(field(doc, "bytes") == std::to_string(bytes));

  // The same directory again: refused, the chain already there is kept.
  const CliRun again = run_cli({"generate", out, "--blocks=125"});
  CHECK(again.code == 1);
  CHECK(contains(again.err, "already holds block files"));
}

} // namespace peregrine::test
