#include "chain_checker.hpp"

#include <doctest/doctest.h>

#include <chrono>

#include "consensus/block_inputs.hpp"
#include "consensus/header_rules.hpp"
#include "consensus/script/script_type.hpp"
#include "consensus/script_flags_for_block.hpp"
#include "wire/codec.hpp"

namespace peregrine::test {
namespace {

using namespace consensus;

class Ancestry : public HeaderAncestry {
public:
  explicit Ancestry(const std::vector<wire::BlockHeader>& headers) : headers_(headers) {}
  std::optional<Entry> at(int height) const override {
    if (height < 0 || static_cast<std::size_t>(height) >= headers_.size()) return std::nullopt;
    return Entry{headers_[height].time, headers_[height].bits};
  }

private:
  const std::vector<wire::BlockHeader>& headers_;
};

} // namespace

CheckedChain check_chain(const std::vector<Bytes>& blocks) {
  const ChainParams& params = chain_params(Network::regtest);
  CheckedChain out;
  std::vector<wire::BlockHeader> headers;
  Ancestry ancestry(headers);
  const std::int64_t now =
      std::chrono::duration_cast<std::chrono::seconds>(std::chrono::system_clock::now().time_since_epoch()).count();
  for (std::size_t h = 0; h < blocks.size(); ++h) {
    auto fail = [&](const std::string& why) {
      out.error = "block " + std::to_string(h) + ": " + why;
      return out;
    };
    auto block = wire::from_bytes<wire::Block>(blocks[h]);
    if (!block) return fail("undecodable: " + block.error().message());
    const Hash256 hash = wire::block_hash(block->header);
    if (h == 0) {
      if (hash != params.genesis_hash) return fail("not the regtest genesis");
      headers.push_back(block->header);
      continue;
    }
    const int height = static_cast<int>(h);
    if (block->header.prev_block != wire::block_hash(headers.back())) return fail("does not extend its parent");
    if (auto c = check_header_contextual(hash, block->header, ancestry, height - 1, now, params); !c)
      return fail(std::string(to_string(c.error())));
    if (auto c = check_block(*block, params); !c) return fail(c.error().reason());
    const std::int64_t mtp = *median_time_past(ancestry, height - 1);
    if (auto c = check_block_contextual(*block, {height, mtp}, params); !c) return fail(c.error().reason());

    // Coins of the inputs, in block order; then the block's outputs enter the set (BIP30: none may
    // overwrite an unspent one).
    std::vector<Coin> coins;
    for (std::size_t t = 1; t < block->txs.size(); ++t) {
      for (const auto& in : block->txs[t].inputs) {
        auto it = out.utxo.find(in.prevout);
        if (it == out.utxo.end()) return fail("spends a missing coin");
        coins.push_back(it->second);
        out.total_age += static_cast<std::uint64_t>(height - it->second.height);
        ++out.spent_kinds[std::string(to_string(classify_script(it->second.output.script_pubkey)))];
        out.utxo.erase(it);
      }
    }
    InputsContext ctx;
    ctx.height = height;
    ctx.prev_median_time_past = mtp;
    ctx.median_time_past_at = [&](int at) { return *median_time_past(ancestry, at); };
    auto flags = script_flags_for_block(params, height, hash);
    REQUIRE(flags.has_value());
    ctx.flags = *flags;
    auto inputs = check_block_inputs(*block, coins, ctx, params);
    if (!inputs) return fail(inputs.error().reason());
    out.inputs += inputs->inputs;
    out.max_sigop_cost = std::max(out.max_sigop_cost, inputs->sigop_cost);
    for (std::size_t t = 0; t < block->txs.size(); ++t) {
      const Hash256 txid = wire::txid(block->txs[t]);
      for (std::uint32_t o = 0; o < block->txs[t].outputs.size(); ++o) {
        const wire::TxOut& txout = block->txs[t].outputs[o];
        if (!txout.script_pubkey.empty() && txout.script_pubkey[0] == 0x6a) continue; // OP_RETURN
        if (!out.utxo.emplace(wire::OutPoint{txid, o}, Coin{txout, height, t == 0}).second)
          return fail("BIP30: an output overwrites an unspent one");
      }
    }
    out.block_weights.push_back(wire::weight(*block));
    out.block_txs.push_back(block->txs.size() - 1);
    headers.push_back(block->header);
    out.height = height;
  }
  return out;
}

std::vector<Bytes> generate_blocks(const workload::GeneratorParams& params, workload::GeneratorStats* stats) {
  REQUIRE_MESSAGE(workload::check_params(params).has_value(), workload::check_params(params).error());
  std::vector<Bytes> blocks;
  auto result = workload::generate_chain(params, [&](ByteSpan b) -> std::expected<void, std::string> {
    blocks.emplace_back(b.begin(), b.end());
    return {};
  });
  REQUIRE(result.has_value());
  if (stats) *stats = *result;
  return blocks;
}

} // namespace peregrine::test
