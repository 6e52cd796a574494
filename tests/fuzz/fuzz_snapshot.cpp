// Fuzzes the UTXO snapshot reader (sync/snapshot_format): arbitrary bytes, on a known network or
// none, must read through to a count of coins or a reason, never a crash, an overread or memory
// beyond a record. What reads through has exactly the count its header gives, and our writer's
// encoding of those coins reads back to the same coins. (Not always to the same bytes: a raw
// script that has a short form is read as Core reads it, and written in the short form.)
#include <cstddef>
#include <cstdint>
#include <sstream>
#include <string>

#include "consensus/chainparams.hpp"
#include "sync/snapshot_format.hpp"
#include "wire/compact_size.hpp"
#include "wire/writer.hpp"

using namespace peregrine;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size == 0) return 0;
  const bool on_regtest = data[0] & 1;
  std::string text(reinterpret_cast<const char*>(data + 1), size - 1);
  std::istringstream in(text);
  const auto& params = consensus::chain_params(consensus::Network::regtest);
  auto reader = sync::SnapshotReader::open(in, on_regtest ? &params.magic : nullptr);
  if (!reader) return 0;
  const sync::SnapshotHeader header = (*reader)->header();
  std::vector<sync::SnapshotCoin> coins;
  for (;;) {
    auto next = (*reader)->next();
    if (!next) return 0;
    if (!*next) break;
    coins.push_back(std::move(**next));
    if (coins.size() > header.coins_count) __builtin_trap();
  }
  if (coins.size() != header.coins_count) __builtin_trap();
  // Written again and read back: the same coins.
  if (header.version == sync::kSnapshotVersionLegacy) return 0;
  Bytes again = sync::encode_snapshot_header(header);
  for (std::size_t i = 0; i < coins.size();) {
    std::size_t j = i;
    while (j < coins.size() && coins[j].outpoint.txid == coins[i].outpoint.txid) ++j;
    wire::Writer w(again);
    w.hash(coins[i].outpoint.txid);
    wire::write_compact_size(w, j - i);
    for (std::size_t k = i; k < j; ++k) sync::write_snapshot_coin(again, coins[k].outpoint.index, coins[k].coin);
    i = j;
  }
  std::string again_text(again.begin(), again.end());
  std::istringstream again_in(again_text);
  auto back = sync::SnapshotReader::open(again_in, nullptr);
  if (!back) __builtin_trap();
  for (const auto& c : coins) {
    auto next = (*back)->next();
    if (!next || !*next || (*next)->outpoint != c.outpoint || !((*next)->coin == c.coin)) __builtin_trap();
  }
  auto end = (*back)->next();
  if (!end || *end) __builtin_trap();
  return 0;
}
