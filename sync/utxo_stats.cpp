#include "sync/utxo_stats.hpp"

#include <algorithm>
#include <vector>

#include <fmt/format.h>

#include "crypto/muhash.hpp"
#include "crypto/sha256.hpp"
#include "wire/writer.hpp"

namespace peregrine::sync {
namespace {

// Core's GetBogoSize: txid, index, height and coinbase, amount, a 2-byte script length, script.
constexpr std::uint64_t kBogoOverhead = 32 + 4 + 4 + 8 + 2;

} // namespace

void UtxoStatsAccumulator::add(const wire::OutPoint& outpoint, const consensus::Coin& coin) {
  if (!pending_.empty() && outpoint.txid != txid_) flush();
  txid_ = outpoint.txid;
  const std::size_t offset = arena_.size();
  wire::Writer w(arena_);
  consensus::write_coin_for_hash(w, outpoint, coin);
  pending_.push_back({outpoint.index, offset, arena_.size() - offset});
  ++stats_.txouts;
  stats_.bogosize += kBogoOverhead + coin.output.script_pubkey.size();
  if (__builtin_add_overflow(stats_.total_amount, coin.output.value, &stats_.total_amount)) overflow_ = true;
}

std::expected<UtxoStats, std::string> UtxoStatsAccumulator::finish() {
  flush();
  if (overflow_) return std::unexpected("the UTXO set's total amount overflows 64 bits");
  Hash256 hash;
  hash.bytes = crypto::sha256(sha_.finalize());
  stats_.hash_serialized_3 = hash;
  if (with_muhash_) stats_.muhash = muhash_.finalize();
  return stats_;
}

void UtxoStatsAccumulator::flush() {
  if (pending_.empty()) return;
  ++stats_.transactions;
  auto by_index = [](const Pending& a, const Pending& b) { return a.index < b.index; };
  if (!std::is_sorted(pending_.begin(), pending_.end(), by_index)) std::sort(pending_.begin(), pending_.end(), by_index);
  for (const Pending& p : pending_) {
    ByteSpan bytes(arena_.data() + p.offset, p.size);
    sha_.write(bytes);
    if (with_muhash_) muhash_.insert(bytes);
  }
  pending_.clear();
  arena_.clear();
}

std::expected<UtxoStats, std::string> compute_utxo_stats(const UtxoDb& db) {
  UtxoStatsAccumulator acc;
  auto walked = db.for_each([&](const wire::OutPoint& outpoint, const consensus::Coin& coin) { acc.add(outpoint, coin); });
  if (!walked) return std::unexpected(walked.error());
  auto stats = acc.finish();
  if (!stats) return std::unexpected(stats.error() + ": the database is corrupt");
  stats->best_block = db.best_block();
  stats->disk_bytes = db.disk_bytes();
  return stats;
}

std::string format_btc(std::int64_t satoshis) {
  // Through the unsigned magnitude, so the most negative amount has one too.
  const bool negative = satoshis < 0;
  const std::uint64_t magnitude = negative ? 0 - static_cast<std::uint64_t>(satoshis) : static_cast<std::uint64_t>(satoshis);
  return fmt::format("{}{}.{:08}", negative ? "-" : "", magnitude / 100'000'000, magnitude % 100'000'000);
}

util::json::Value to_json(const UtxoStats& stats) {
  namespace json = util::json;
  json::Value doc = json::Value::object();
  doc.set("height", stats.height >= 0 ? json::Value(stats.height) : json::Value());
  doc.set("bestblock", stats.best_block.is_zero() ? json::Value() : json::Value(stats.best_block.to_hex()));
  doc.set("txouts", stats.txouts);
  doc.set("bogosize", stats.bogosize);
  doc.set("hash_serialized_3", stats.hash_serialized_3.to_hex());
  doc.set("muhash", stats.muhash.to_hex());
  doc.set("total_amount", *json::Value::number_from_lexeme(format_btc(stats.total_amount)));
  doc.set("transactions", stats.transactions);
  doc.set("disk_size", stats.disk_bytes);
  return doc;
}

} // namespace peregrine::sync
