#include "sync/utxo_db.hpp"

#include <algorithm>
#include <cstring>
#include <utility>

#include <fmt/format.h>
#include <leveldb/db.h>
#include <leveldb/write_batch.h>

#include "sync/leveldb_open.hpp"
#include "wire/reader.hpp"

namespace peregrine::sync {
namespace {

constexpr char kBestBlockKey[] = "B";
constexpr char kChainTxKey[] = "T"; // 8 bytes, little endian
constexpr char kNudgeKey[] = "N";   // never present: deleted to make LevelDB rotate its write buffer
constexpr char kFlushKey[] = "H";   // a flush in parts under way: the block it moves to, then the one it came from
constexpr char kSnapshotKey[] = "S"; // the base block of the snapshot the set was loaded from
constexpr char kCoinPrefix = 'C';
constexpr std::uint32_t kFormatVersion = 1;

// 'C', the txid as stored, then the index as Core's VARINT: Core's own key layout. Built on the
// stack: every lookup makes one.
class CoinKey {
public:
  explicit CoinKey(const wire::OutPoint& outpoint) {
    bytes_[0] = kCoinPrefix;
    std::memcpy(bytes_ + 1, outpoint.txid.bytes.data(), 32);
    std::uint8_t index[10];
    const std::size_t n = consensus::encode_varint(outpoint.index, index);
    std::memcpy(bytes_ + 33, index, n);
    size_ = 33 + n;
  }
  leveldb::Slice slice() const { return {bytes_, size_}; }

private:
  char bytes_[38];
  std::size_t size_;
};

ByteSpan span_of(const leveldb::Slice& s) { return {reinterpret_cast<const std::uint8_t*>(s.data()), s.size()}; }

std::string describe(const wire::OutPoint& o) { return fmt::format("{}:{}", o.txid.to_hex(), o.index); }

} // namespace

std::size_t utxo_db_cache_bytes(std::size_t dbcache_bytes) {
  constexpr std::size_t kMax = std::size_t{8} << 20;
  return std::min({dbcache_bytes / 2, dbcache_bytes / 4 + kMax, kMax});
}

LevelDbTuning utxo_db_tuning(std::size_t cache_bytes) {
  LevelDbTuning t;
  t.block_cache_bytes = std::max<std::size_t>(cache_bytes / 2, 64 << 10);
  t.write_buffer_bytes = std::max<std::size_t>(cache_bytes / 4, 64 << 10); // LevelDB's floor
  t.max_file_bytes = std::size_t{32} << 20;
  t.bloom_bits_per_key = 10;
  t.compress = false;
  return t;
}

UtxoDb::UtxoDb(LevelDb db, std::filesystem::path dir) : db_(std::move(db)), dir_(std::move(dir)) {}
UtxoDb::~UtxoDb() = default;

std::expected<std::unique_ptr<UtxoDb>, std::string>
UtxoDb::open(const std::filesystem::path& dir, const consensus::ChainParams& params, const LevelDbTuning& tuning) {
  auto db = open_leveldb(dir, "UTXO database", params, kFormatVersion, tuning);
  if (!db) return std::unexpected(db.error());
  std::unique_ptr<UtxoDb> utxo(new UtxoDb(std::move(*db), dir));
  utxo->cache_bytes_ = tuning.block_cache_bytes + 2 * tuning.write_buffer_bytes;
  std::string best;
  leveldb::Status status = utxo->db_.db->Get(leveldb::ReadOptions(), kBestBlockKey, &best);
  if (status.ok()) {
    if (best.size() != 32) return std::unexpected(fmt::format("UTXO database {}: best-block marker of {} bytes, expected 32", dir.string(), best.size()));
    std::memcpy(utxo->best_block_.bytes.data(), best.data(), 32);
  } else if (!status.IsNotFound()) {
    return std::unexpected(leveldb_error("cannot read", "UTXO database", dir, status));
  }
  std::string chain_tx;
  if (utxo->db_.db->Get(leveldb::ReadOptions(), kChainTxKey, &chain_tx).ok() && chain_tx.size() == 8)
    for (int i = 7; i >= 0; --i) utxo->chain_tx_ = (utxo->chain_tx_ << 8) | static_cast<std::uint8_t>(chain_tx[i]);
  std::string snapshot;
  status = utxo->db_.db->Get(leveldb::ReadOptions(), kSnapshotKey, &snapshot);
  if (status.ok()) {
    if (snapshot.size() != 32) return std::unexpected(fmt::format("UTXO database {}: snapshot marker of {} bytes, expected 32", dir.string(), snapshot.size()));
    Hash256 base;
    std::memcpy(base.bytes.data(), snapshot.data(), 32);
    utxo->snapshot_base_ = base;
  } else if (!status.IsNotFound()) {
    return std::unexpected(leveldb_error("cannot read", "UTXO database", dir, status));
  }
  std::string flush;
  status = utxo->db_.db->Get(leveldb::ReadOptions(), kFlushKey, &flush);
  if (status.ok()) {
    if (flush.size() != 64) return std::unexpected(fmt::format("UTXO database {}: flush marker of {} bytes, expected 64", dir.string(), flush.size()));
    UnfinishedFlush u;
    std::memcpy(u.to.bytes.data(), flush.data(), 32);
    std::memcpy(u.from.bytes.data(), flush.data() + 32, 32);
    utxo->unfinished_ = u;
  } else if (!status.IsNotFound()) {
    return std::unexpected(leveldb_error("cannot read", "UTXO database", dir, status));
  }
  return utxo;
}

std::expected<bool, std::string> UtxoDb::get_record(const wire::OutPoint& outpoint, std::string& record) const {
  leveldb::Status status = db_.db->Get(leveldb::ReadOptions(), CoinKey(outpoint).slice(), &record);
  if (status.IsNotFound()) return false;
  if (!status.ok()) return std::unexpected(leveldb_error(fmt::format("cannot read coin {} from", describe(outpoint)), "UTXO database", dir_, status));
  return true;
}

std::expected<std::optional<consensus::Coin>, std::string> UtxoDb::get(const wire::OutPoint& outpoint) const {
  std::string value;
  auto found = get_record(outpoint, value);
  if (!found) return std::unexpected(found.error());
  if (!*found) return std::optional<consensus::Coin>{};
  auto coin = consensus::decode_coin(span_of(value));
  if (!coin) return std::unexpected(fmt::format("UTXO database {}: coin {} does not decode: {}; {}", dir_.string(), describe(outpoint), coin.error().message(), recovery_hint("UTXO database")));
  return std::optional<consensus::Coin>(std::move(*coin));
}

UtxoDb::Batch::Batch() : batch_(std::make_unique<leveldb::WriteBatch>()) {}
UtxoDb::Batch::~Batch() = default;

void UtxoDb::Batch::put(const wire::OutPoint& outpoint, ByteSpan record) {
  batch_->Put(CoinKey(outpoint).slice(), leveldb::Slice(reinterpret_cast<const char*>(record.data()), record.size()));
}

void UtxoDb::Batch::erase(const wire::OutPoint& outpoint) { batch_->Delete(CoinKey(outpoint).slice()); }

std::size_t UtxoDb::Batch::bytes() const { return batch_->ApproximateSize(); }

std::expected<void, std::string> UtxoDb::apply(const std::vector<CoinChange>& changes, const Hash256& best_block,
                                               std::uint64_t chain_tx) {
  Batch batch;
  for (const auto& change : changes) {
    if (change.coin) batch.put(change.outpoint, consensus::encode_coin(*change.coin));
    else batch.erase(change.outpoint);
  }
  return write(batch, best_block, chain_tx);
}

std::expected<void, std::string> UtxoDb::commit(leveldb::WriteBatch& batch, bool durable) {
  leveldb::WriteOptions options;
  options.sync = durable;
  leveldb::Status status = db_.db->Write(options, &batch);
  batch.Clear();
  if (!status.ok()) return std::unexpected(leveldb_error("cannot write", "UTXO database", dir_, status));
  return {};
}

std::expected<void, std::string> UtxoDb::write(Batch& changes, const Hash256& best_block, std::uint64_t chain_tx) {
  // The coins and the new best block in one batch: atomic.
  return finish_flush(best_block, chain_tx, std::exchange(changes.batch_, std::make_unique<leveldb::WriteBatch>()));
}

std::expected<void, std::string> UtxoDb::begin_flush(const Hash256& to) {
  if (unfinished_ && unfinished_->to == to) return {};
  leveldb::WriteBatch batch;
  char value[64];
  std::memcpy(value, to.bytes.data(), 32);
  std::memcpy(value + 32, best_block_.bytes.data(), 32);
  batch.Put(kFlushKey, leveldb::Slice(value, 64));
  if (auto done = commit(batch, true); !done) return done;
  unfinished_ = UnfinishedFlush{to, best_block_};
  return {};
}

std::expected<void, std::string> UtxoDb::write_part(Batch& part) {
  std::unique_ptr<leveldb::WriteBatch> batch = std::exchange(part.batch_, std::make_unique<leveldb::WriteBatch>());
  return commit(*batch, false);
}

std::expected<void, std::string> UtxoDb::wipe() {
  leveldb::ReadOptions options;
  options.fill_cache = false;
  std::unique_ptr<leveldb::Iterator> it(db_.db->NewIterator(options));
  leveldb::WriteBatch batch;
  // Every key but the format version's (open_leveldb's, kept so the database stays ours).
  for (it->Seek(leveldb::Slice(&kCoinPrefix, 1)); it->Valid() && it->key()[0] == kCoinPrefix; it->Next()) {
    batch.Delete(it->key());
    if (batch.ApproximateSize() >= (std::size_t{16} << 20)) {
      if (auto w = commit(batch, false); !w) return w;
      batch.Clear();
    }
  }
  if (!it->status().ok()) return std::unexpected(leveldb_error("cannot read", "UTXO database", dir_, it->status()));
  for (const char* key : {kBestBlockKey, kChainTxKey, kFlushKey, kSnapshotKey}) batch.Delete(key);
  if (auto w = commit(batch, true); !w) return w;
  best_block_ = Hash256{};
  chain_tx_ = 0;
  unfinished_.reset();
  snapshot_base_.reset();
  return {};
}

std::expected<void, std::string> UtxoDb::set_snapshot_base(const Hash256& base) {
  leveldb::WriteBatch batch;
  batch.Put(kSnapshotKey, leveldb::Slice(reinterpret_cast<const char*>(base.bytes.data()), 32));
  if (auto done = commit(batch, false); !done) return done;
  snapshot_base_ = base;
  return {};
}

std::expected<void, std::string> UtxoDb::finish_flush(const Hash256& best_block, std::uint64_t chain_tx) {
  return finish_flush(best_block, chain_tx, std::make_unique<leveldb::WriteBatch>());
}

std::expected<void, std::string> UtxoDb::finish_flush(const Hash256& best_block, std::uint64_t chain_tx,
                                                      std::unique_ptr<leveldb::WriteBatch> coins) {
  leveldb::WriteBatch& batch = *coins;
  batch.Put(kBestBlockKey, leveldb::Slice(reinterpret_cast<const char*>(best_block.bytes.data()), 32));
  char count[8];
  for (int i = 0; i < 8; ++i) count[i] = static_cast<char>(chain_tx >> (8 * i));
  if (chain_tx != 0) batch.Put(kChainTxKey, leveldb::Slice(count, 8));
  else batch.Delete(kChainTxKey);
  batch.Delete(kFlushKey);
  if (auto done = commit(batch, true); !done) return done; // fsyncs LevelDB's log: every part before it too
  coins.reset(); // its memory goes now, not with the caller's
  best_block_ = best_block;
  chain_tx_ = chain_tx;
  unfinished_.reset();
  // LevelDB moves a full write buffer to disk only when the next write comes: after a large flush
  // it would hold it until the next one. A write of nothing now hands it to the background
  // compaction, which frees it.
  leveldb::WriteBatch nudge;
  nudge.Delete(kNudgeKey);
  return commit(nudge, false);
}

std::expected<void, std::string>
UtxoDb::for_each(const std::function<void(const wire::OutPoint&, const consensus::Coin&)>& visit) const {
  leveldb::ReadOptions options;
  options.fill_cache = false;
  std::unique_ptr<leveldb::Iterator> it(db_.db->NewIterator(options));
  for (it->Seek(leveldb::Slice(&kCoinPrefix, 1)); it->Valid() && it->key()[0] == kCoinPrefix; it->Next()) {
    wire::Reader key(span_of(it->key()).subspan(1));
    wire::OutPoint outpoint;
    outpoint.txid = key.hash("coin key txid");
    outpoint.index = static_cast<std::uint32_t>(consensus::read_varint(key, "coin key index", 0xffffffff));
    if (!key.ok() || !key.at_end())
      return std::unexpected(fmt::format("UTXO database {}: a malformed coin key", dir_.string()));
    auto coin = consensus::decode_coin(span_of(it->value()));
    if (!coin) return std::unexpected(fmt::format("UTXO database {}: coin {} does not decode: {}; {}", dir_.string(), describe(outpoint), coin.error().message(), recovery_hint("UTXO database")));
    visit(outpoint, *coin);
  }
  if (!it->status().ok()) return std::unexpected(leveldb_error("cannot read", "UTXO database", dir_, it->status()));
  return {};
}

std::uint64_t UtxoDb::disk_bytes() const {
  std::uint64_t total = 0;
  std::error_code ec;
  for (const auto& e : std::filesystem::directory_iterator(dir_, ec))
    if (e.is_regular_file(ec)) total += e.file_size(ec);
  return total;
}

bool holds_no_block(const UtxoDb& db, const consensus::ChainParams& params) {
  return (db.best_block().is_zero() || db.best_block() == params.genesis_hash) && !db.unfinished_flush();
}

} // namespace peregrine::sync
