#include "bench/decode_bench.hpp"

#include <cstring>
#include <ostream>
#include <vector>

#include <fmt/format.h>

#include "bench/timer.hpp"
#include "crypto/sha256.hpp"
#include "util/file.hpp"
#include "util/json.hpp"
#include "wire/block.hpp"
#include "wire/codec.hpp"
#include "wire/merkle.hpp"

namespace peregrine::bench {
namespace {

struct Phase {
  const char* name;
  const char* what;
  Timing timing;
};

} // namespace

std::filesystem::path default_decode_block() {
  return std::filesystem::path(PEREGRINE_DEFAULT_SHARED_DATA) / "blocks/mainnet_413567.raw";
}

bool run_decode_bench(std::ostream& out, std::ostream& err, const std::filesystem::path& block_file,
                      double seconds, bool json) {
  auto raw = util::read_file(block_file);
  if (!raw) {
    err << "peregrine bench decode: " << raw.error()
            << "\n(give the path of a raw block, e.g. ../shared/data/blocks/mainnet_413567.raw)\n";
    return false;
  }
  auto decoded = wire::from_bytes<wire::Block>(*raw);
  if (!decoded) {
    err << "peregrine bench decode: " << block_file.string() << ": not a block: "
            << decoded.error().message() << "\n";
    return false;
  }
  const wire::Block& block = *decoded;
  const Bytes& bytes = *raw;
  std::vector<Hash256> txids;
  for (const auto& tx : block.txs) txids.push_back(wire::txid(tx));

  Bytes copy(bytes.size());
  std::vector<Phase> phases = {
      {"memcpy", "baseline: copy the block's bytes",
       measure([&] {
         std::memcpy(copy.data(), bytes.data(), bytes.size());
         keep(copy);
       }, seconds)},
      {"sha256d", "baseline: one double SHA-256 over the block's bytes",
       measure([&] { keep(crypto::sha256d(bytes)); }, seconds)},
      {"deserialize", "bytes to a Block with every transaction",
       measure([&] { keep(wire::from_bytes<wire::Block>(bytes)); }, seconds)},
      {"txids", "txid of every transaction",
       measure([&] {
         for (const auto& tx : block.txs) keep(wire::txid(tx));
       }, seconds)},
      {"merkle", "merkle root from the txids (with mutation check)",
       measure([&] { keep(wire::merkle_root(txids)); }, seconds)},
      {"total", "deserialize + txids + merkle root, as block validation does",
       measure([&] {
         auto b = wire::from_bytes<wire::Block>(bytes);
         keep(wire::block_merkle_root(*b));
       }, seconds)},
  };
  double memcpy_ns = phases[0].timing.median_ns;
  double mb = static_cast<double>(bytes.size()) / 1e6;

  if (json) {
    namespace js = util::json;
    js::Value doc = js::Value::object();
    doc.set("benchmark", "decode");
    doc.set("file", block_file.string());
    doc.set("bytes", static_cast<std::uint64_t>(bytes.size()));
    doc.set("txs", static_cast<std::uint64_t>(block.txs.size()));
    js::Value list = js::Value::array();
    for (const auto& p : phases) {
      js::Value v = js::Value::object();
      v.set("phase", p.name);
      v.set("median_us", p.timing.median_ns / 1e3);
      v.set("min_us", p.timing.min_ns / 1e3);
      v.set("max_us", p.timing.max_ns / 1e3);
      v.set("samples", static_cast<std::uint64_t>(p.timing.samples));
      v.set("ratio_to_memcpy", p.timing.median_ns / memcpy_ns);
      list.push_back(std::move(v));
    }
    doc.set("phases", std::move(list));
    out << doc.dump() << "\n";
    return true;
  }

  out << fmt::format("bench decode: {} ({} bytes, {} transactions), {} s per phase\n",
                         block_file.filename().string(), bytes.size(), block.txs.size(), seconds);
  out << fmt::format("{:<12} {:>12} {:>12} {:>12} {:>10} {:>10}  {}\n", "phase", "median us",
                         "min us", "max us", "MB/s", "x memcpy", "what");
  for (const auto& p : phases) {
    const Timing& t = p.timing;
    out << fmt::format("{:<12} {:>12.1f} {:>12.1f} {:>12.1f} {:>10.0f} {:>10.1f}  {}\n", p.name,
                           t.median_ns / 1e3, t.min_ns / 1e3, t.max_ns / 1e3, mb / (t.median_ns / 1e9),
                           t.median_ns / memcpy_ns, p.what);
  }
  return true;
}

} // namespace peregrine::bench
