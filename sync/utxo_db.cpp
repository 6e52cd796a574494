#include "sync/utxo_db.hpp"

#include <cstring>

#include <fmt/format.h>
#include <leveldb/db.h>
#include <leveldb/write_batch.h>

#include "sync/leveldb_open.hpp"
#include "wire/reader.hpp"
#include "wire/writer.hpp"

namespace peregrine::sync {
namespace {

constexpr char kBestBlockKey[] = "B";
constexpr char kChainTxKey[] = "T"; // 8 bytes, little endian
constexpr char kCoinPrefix = 'C';
constexpr std::uint32_t kFormatVersion = 1;

// 'C', the txid as stored, then the index as Core's VARINT: Core's own key layout.
std::string coin_key(const wire::OutPoint& outpoint) {
  Bytes key;
  wire::Writer w(key);
  w.u8(static_cast<std::uint8_t>(kCoinPrefix));
  w.hash(outpoint.txid);
  consensus::write_varint(w, outpoint.index);
  return std::string(key.begin(), key.end());
}

ByteSpan span_of(const leveldb::Slice& s) { return {reinterpret_cast<const std::uint8_t*>(s.data()), s.size()}; }

std::string describe(const wire::OutPoint& o) { return fmt::format("{}:{}", o.txid.to_hex(), o.index); }

} // namespace

UtxoDb::UtxoDb(std::unique_ptr<leveldb::DB> db, std::filesystem::path dir) : db_(std::move(db)), dir_(std::move(dir)) {}
UtxoDb::~UtxoDb() = default;

std::expected<std::unique_ptr<UtxoDb>, std::string>
UtxoDb::open(const std::filesystem::path& dir, const consensus::ChainParams& params) {
  auto db = open_leveldb(dir, "UTXO database", params, kFormatVersion);
  if (!db) return std::unexpected(db.error());
  std::unique_ptr<UtxoDb> utxo(new UtxoDb(std::move(*db), dir));
  std::string best;
  leveldb::Status status = utxo->db_->Get(leveldb::ReadOptions(), kBestBlockKey, &best);
  if (status.ok()) {
    if (best.size() != 32) return std::unexpected(fmt::format("UTXO database {}: best-block marker of {} bytes, expected 32", dir.string(), best.size()));
    std::memcpy(utxo->best_block_.bytes.data(), best.data(), 32);
  } else if (!status.IsNotFound()) {
    return std::unexpected(fmt::format("cannot read the UTXO database: {}", status.ToString()));
  }
  std::string chain_tx;
  if (utxo->db_->Get(leveldb::ReadOptions(), kChainTxKey, &chain_tx).ok() && chain_tx.size() == 8)
    for (int i = 7; i >= 0; --i) utxo->chain_tx_ = (utxo->chain_tx_ << 8) | static_cast<std::uint8_t>(chain_tx[i]);
  return utxo;
}

std::expected<std::optional<consensus::Coin>, std::string> UtxoDb::get(const wire::OutPoint& outpoint) const {
  std::string value;
  leveldb::Status status = db_->Get(leveldb::ReadOptions(), coin_key(outpoint), &value);
  if (status.IsNotFound()) return std::optional<consensus::Coin>{};
  if (!status.ok()) return std::unexpected(fmt::format("cannot read coin {}: {}", describe(outpoint), status.ToString()));
  auto coin = consensus::decode_coin(ByteSpan(reinterpret_cast<const std::uint8_t*>(value.data()), value.size()));
  if (!coin) return std::unexpected(fmt::format("UTXO database {}: coin {} does not decode: {}", dir_.string(), describe(outpoint), coin.error().message()));
  return std::optional<consensus::Coin>(std::move(*coin));
}

std::expected<void, std::string> UtxoDb::apply(const std::vector<CoinChange>& changes, const Hash256& best_block,
                                               std::uint64_t chain_tx) {
  leveldb::WriteBatch batch;
  for (const auto& change : changes) {
    if (change.coin) {
      Bytes value = consensus::encode_coin(*change.coin);
      batch.Put(coin_key(change.outpoint), leveldb::Slice(reinterpret_cast<const char*>(value.data()), value.size()));
    } else {
      batch.Delete(coin_key(change.outpoint));
    }
  }
  batch.Put(kBestBlockKey, leveldb::Slice(reinterpret_cast<const char*>(best_block.bytes.data()), 32));
  char count[8];
  for (int i = 0; i < 8; ++i) count[i] = static_cast<char>(chain_tx >> (8 * i));
  if (chain_tx != 0) batch.Put(kChainTxKey, leveldb::Slice(count, 8));
  else batch.Delete(kChainTxKey);
  leveldb::WriteOptions options;
  options.sync = true;
  leveldb::Status status = db_->Write(options, &batch);
  if (!status.ok()) return std::unexpected(fmt::format("cannot write the UTXO database: {}", status.ToString()));
  best_block_ = best_block;
  chain_tx_ = chain_tx;
  return {};
}

std::expected<void, std::string>
UtxoDb::for_each(const std::function<void(const wire::OutPoint&, const consensus::Coin&)>& visit) const {
  leveldb::ReadOptions options;
  options.fill_cache = false;
  std::unique_ptr<leveldb::Iterator> it(db_->NewIterator(options));
  for (it->Seek(leveldb::Slice(&kCoinPrefix, 1)); it->Valid() && it->key()[0] == kCoinPrefix; it->Next()) {
    wire::Reader key(span_of(it->key()).subspan(1));
    wire::OutPoint outpoint;
    outpoint.txid = key.hash("coin key txid");
    outpoint.index = static_cast<std::uint32_t>(consensus::read_varint(key, "coin key index", 0xffffffff));
    if (!key.ok() || !key.at_end())
      return std::unexpected(fmt::format("UTXO database {}: a malformed coin key", dir_.string()));
    auto coin = consensus::decode_coin(span_of(it->value()));
    if (!coin) return std::unexpected(fmt::format("UTXO database {}: coin {} does not decode: {}", dir_.string(), describe(outpoint), coin.error().message()));
    visit(outpoint, *coin);
  }
  if (!it->status().ok()) return std::unexpected(fmt::format("cannot read the UTXO database: {}", it->status().ToString()));
  return {};
}

std::uint64_t UtxoDb::disk_bytes() const {
  std::uint64_t total = 0;
  std::error_code ec;
  for (const auto& e : std::filesystem::directory_iterator(dir_, ec))
    if (e.is_regular_file(ec)) total += e.file_size(ec);
  return total;
}

} // namespace peregrine::sync
