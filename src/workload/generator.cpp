#include "workload/generator.hpp"

#include <algorithm>
#include <deque>
#include <memory>
#include <optional>

#include "consensus/chainparams.hpp"
#include "consensus/coinbase.hpp"
#include "consensus/sigops.hpp"
#include "consensus/tx_check.hpp"
#include "crypto/sha256.hpp"
#include "util/thread_pool.hpp"
#include "wire/compact_size.hpp"
#include "wire/merkle.hpp"
#include "workload/block_assembly.hpp"
#include "workload/output_script.hpp"
#include "workload/transaction_builder.hpp"

namespace peregrine::workload {
namespace {

constexpr std::int64_t kFeePerTx = 1000; // satoshis, or all the inputs hold when less
constexpr std::int32_t kBlockVersion = 0x20000000; // BIP9's top bits, no deployment signalled
constexpr std::uint32_t kBlockSpacing = 600;
constexpr std::size_t kGrain = 128; // transactions per task when building in parallel

// One transaction of the block being made: its slices of the block's spent coins and outputs.
struct TxPlan {
  std::size_t first_coin = 0, coins = 0;
  std::size_t first_output = 0, outputs = 0;
};

class ChainGenerator {
public:
  ChainGenerator(const GeneratorParams& params, const BlockSink& sink)
      : p_(params), chain_(consensus::chain_params(consensus::Network::regtest)), sink_(sink), rng_(params.seed),
        signer_(params.seed), pool_(params.young_window) {
    if (p_.threads > 1) threads_ = std::make_unique<util::ThreadPool>(p_.threads);
  }

  std::expected<void, std::string> genesis() {
    wire::Writer w(block_);
    block_.clear();
    write(w, chain_.genesis);
    stats_.tip = chain_.genesis_hash;
    stats_.block_bytes += block_.size();
    return sink_(block_);
  }

  std::expected<void, std::string> next_block() {
    const std::uint32_t height = stats_.height + 1;
    mature(height);
    const ScriptKind coinbase_kind = p_.scripts.draw(rng_);
    const std::int64_t fees = plan_block();
    const std::uint64_t first_index = txids_.size();
    if (first_index + 1 + plans_.size() > UINT32_MAX)
      return std::unexpected("the chain would pass 2^32 transactions, more than the generator numbers");
    const auto coinbase_index = static_cast<std::uint32_t>(first_index);
    build_transactions(coinbase_index + 1);

    // The coinbase, then the header that commits to everything.
    std::vector<Hash256> leaves(1 + plans_.size());
    std::copy(wtxids_.begin(), wtxids_.begin() + plans_.size(), leaves.begin() + 1);
    const Hash256 witness_root = wire::merkle_root(leaves).root;
    wire::TxOut paying{consensus::block_subsidy(height, chain_.subsidy_halving_interval) + fees,
                       script_pubkey(signer_, coinbase_kind, coinbase_index, 0)};
    const wire::Transaction coinbase = make_coinbase(static_cast<int>(height), p_.seed, paying, witness_root);
    leaves[0] = wire::txid(coinbase);
    std::copy(txids_block_.begin(), txids_block_.begin() + plans_.size(), leaves.begin() + 1);
    wire::BlockHeader header;
    header.version = kBlockVersion;
    header.prev_block = stats_.tip;
    header.merkle_root = wire::merkle_root(leaves).root;
    header.time = chain_.genesis.header.time + kBlockSpacing * height;
    header.bits = chain_.genesis.header.bits; // regtest never retargets
    grind_nonce(header, chain_);
    serialize_block(header, coinbase, std::span(tx_bytes_).first(plans_.size()), block_);
    if (auto s = sink_(block_); !s) return s;

    // Only now do the block's outputs become spendable: no transaction spends one of its own block.
    txids_.push_back(leaves[0]);
    txids_.insert(txids_.end(), leaves.begin() + 1, leaves.end());
    for (std::size_t j = 0; j < plans_.size(); ++j) {
      for (std::size_t o = 0; o < plans_[j].outputs; ++o) {
        const PlannedOutput& out = outputs_[plans_[j].first_output + o];
        pool_.add(PoolCoin::make(out.value, coinbase_index + 1 + static_cast<std::uint32_t>(j),
                                 static_cast<std::uint32_t>(o), out.kind));
      }
    }
    maturing_.emplace_back(height, PoolCoin::make(paying.value, coinbase_index, 0, coinbase_kind));

    std::uint64_t weight = 4 * (wire::kBlockHeaderSize + wire::compact_size_length(plans_.size() + 1)) +
                           wire::weight(coinbase);
    for (std::size_t j = 0; j < plans_.size(); ++j) weight += tx_weights_[j];
    stats_.height = height;
    stats_.tip = wire::block_hash(header);
    stats_.transactions += plans_.size();
    stats_.outputs += outputs_.size() + 1;
    stats_.coins = pool_.size() + maturing_.size();
    stats_.block_bytes += block_.size();
    stats_.max_block_weight = std::max(stats_.max_block_weight, weight);
    stats_.memory_bytes = pool_.memory_bytes() + txids_.capacity() * sizeof(Hash256);
    return {};
  }

  const GeneratorStats& stats() const { return stats_; }

private:
  // Coinbase outputs become spendable 100 blocks after their own.
  void mature(std::uint32_t height) {
    while (!maturing_.empty() && maturing_.front().first + consensus::kCoinbaseMaturity <= height) {
      pool_.add(maturing_.front().second);
      maturing_.pop_front();
    }
  }

  // Draws every transaction of the block: input and output counts, the coins spent (taken out of
  // the pool), the outputs' kinds and values. Stops at --txs-per-block, or when the next
  // transaction could overflow the block's weight or sigops, or when the coins run out. Every
  // random draw happens here, on one thread, which is what keeps the chain deterministic.
  std::int64_t plan_block() {
    plans_.clear();
    coins_.clear();
    outputs_.clear();
    std::int64_t weight_left = static_cast<std::int64_t>(p_.block_weight - block_reserved_weight(p_));
    std::int64_t sigops_left = consensus::kMaxBlockSigopsCost - block_reserved_sigop_cost(p_);
    std::int64_t fees = 0;
    while (!p_.txs_per_block || plans_.size() < *p_.txs_per_block) {
      const std::uint32_t n_in = p_.inputs.draw(rng_), n_out = p_.outputs.draw(rng_);
      if (pool_.size() < n_in || static_cast<std::int64_t>(max_tx_weight(p_, n_in, n_out)) > weight_left ||
          max_tx_sigop_cost(p_, n_in, n_out) > sigops_left)
        break;
      TxPlan plan{coins_.size(), n_in, outputs_.size(), n_out};
      std::int64_t in_value = 0, sigops = 0;
      std::size_t weight = 4 * (8 + wire::compact_size_length(n_in) + wire::compact_size_length(n_out));
      bool witness = false;
      for (std::uint32_t i = 0; i < n_in; ++i) {
        const bool young = rng_.unit() < p_.young_share && pool_.young_size() > 0;
        const PoolCoin coin = young ? pool_.take_young(rng_) : pool_.take_any(rng_);
        stats_.young_inputs += young;
        coins_.push_back(coin);
        in_value += coin.value;
        weight += max_input_weight(coin.kind());
        sigops += input_sigop_cost(coin.kind());
        witness = witness || spend_has_witness(coin.kind());
      }
      if (witness) weight += 2 + n_in; // marker, flag, and empty stacks for inputs without witness
      const std::int64_t fee = std::min(in_value, kFeePerTx);
      const std::int64_t each = (in_value - fee) / n_out;
      for (std::uint32_t o = 0; o < n_out; ++o) {
        const ScriptKind kind = p_.scripts.draw(rng_);
        outputs_.push_back({o == 0 ? in_value - fee - each * (n_out - 1) : each, kind});
        weight += output_weight(kind);
        sigops += output_sigop_cost(kind);
      }
      plans_.push_back(plan);
      weight_left -= static_cast<std::int64_t>(weight);
      sigops_left -= sigops;
      fees += fee;
      stats_.inputs += n_in;
    }
    return fees;
  }

  // Scripts, signatures, serialization and hashes of every planned transaction: pure functions of
  // the plan, so they may run on any number of threads.
  void build_transactions(std::uint32_t first_index) {
    const std::size_t n = plans_.size();
    if (tx_bytes_.size() < n) tx_bytes_.resize(n);
    txids_block_.resize(std::max(txids_block_.size(), n));
    wtxids_.resize(std::max(wtxids_.size(), n));
    tx_weights_.resize(std::max(tx_weights_.size(), n));
    signatures_.assign(n, 0);
    auto build = [&](std::size_t begin, std::size_t end) {
      thread_local wire::Transaction tx;
      for (std::size_t j = begin; j < end; ++j) {
        const TxPlan& plan = plans_[j];
        signatures_[j] = build_transaction(tx, first_index + static_cast<std::uint32_t>(j),
                                           std::span(coins_).subspan(plan.first_coin, plan.coins),
                                           std::span(outputs_).subspan(plan.first_output, plan.outputs), txids_,
                                           signer_);
        Bytes& bytes = tx_bytes_[j];
        bytes.clear();
        wire::Writer w(bytes);
        write(w, tx);
        wtxids_[j] = crypto::sha256d(bytes);
        const bool witness = tx.has_witness();
        txids_block_[j] = witness ? wire::txid(tx) : wtxids_[j];
        tx_weights_[j] = witness ? wire::weight(tx) : 4 * bytes.size();
      }
    };
    if (threads_ && n > kGrain) {
      threads_->parallel_for(n, kGrain, build);
    } else {
      build(0, n);
    }
    for (unsigned s : signatures_) stats_.signatures += s;
  }

  const GeneratorParams& p_;
  const consensus::ChainParams& chain_;
  const BlockSink& sink_;
  Rng rng_;
  Signer signer_;
  CoinPool pool_;
  std::deque<std::pair<std::uint32_t, PoolCoin>> maturing_; // coinbase outputs by height
  std::vector<Hash256> txids_;                               // of every transaction, by number
  std::unique_ptr<util::ThreadPool> threads_;
  GeneratorStats stats_;

  // The block being made; buffers kept from block to block.
  std::vector<TxPlan> plans_;
  std::vector<PoolCoin> coins_;
  std::vector<PlannedOutput> outputs_;
  std::vector<Bytes> tx_bytes_;
  std::vector<Hash256> txids_block_, wtxids_;
  std::vector<std::size_t> tx_weights_;
  std::vector<unsigned> signatures_;
  Bytes block_;
};

} // namespace

std::expected<GeneratorStats, std::string> generate_chain(const GeneratorParams& params, const BlockSink& sink,
                                                          const ProgressFn& progress) {
  ChainGenerator gen(params, sink);
  if (auto g = gen.genesis(); !g) return std::unexpected(g.error());
  for (std::uint32_t h = 1; h <= params.blocks; ++h) {
    if (auto b = gen.next_block(); !b) return std::unexpected(b.error());
    if (progress) progress(gen.stats());
  }
  return gen.stats();
}

} // namespace peregrine::workload
