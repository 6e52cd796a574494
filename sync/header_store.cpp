#include "sync/header_store.hpp"

#include <array>
#include <cstring>

#include <fmt/format.h>
#include <leveldb/db.h>
#include <leveldb/write_batch.h>

#include "sync/leveldb_open.hpp"
#include "wire/codec.hpp"

namespace peregrine::sync {
namespace {

constexpr char kHeaderPrefix = 'H';
constexpr std::uint32_t kFormatVersion = 2; // 2: block and undo positions
constexpr std::size_t kKeySize = 1 + 4 + 32;
// header, status, failure, data flags, then data and undo positions (file, offset; LE uint32 each)
constexpr std::size_t kValueSize = wire::kBlockHeaderSize + 3 + 16;

void put_u32(char* at, std::uint32_t v) {
  for (int i = 0; i < 4; ++i) at[i] = static_cast<char>(v >> (8 * i));
}
std::uint32_t get_u32(const char* at) {
  std::uint32_t v = 0;
  for (int i = 0; i < 4; ++i) v |= std::uint32_t{static_cast<std::uint8_t>(at[i])} << (8 * i);
  return v;
}

std::array<char, kKeySize> header_key(int height, const Hash256& hash) {
  std::array<char, kKeySize> key{};
  key[0] = kHeaderPrefix;
  // Big-endian height: LevelDB's byte order is then height order.
  for (int i = 0; i < 4; ++i) key[1 + i] = static_cast<char>(static_cast<std::uint32_t>(height) >> (24 - 8 * i));
  std::memcpy(key.data() + 5, hash.bytes.data(), 32);
  return key;
}

} // namespace

HeaderStore::HeaderStore(std::unique_ptr<leveldb::DB> db, std::filesystem::path dir)
    : db_(std::move(db)), dir_(std::move(dir)) {}
HeaderStore::~HeaderStore() = default;

std::expected<std::unique_ptr<HeaderStore>, std::string>
HeaderStore::open(const std::filesystem::path& dir, const consensus::ChainParams& params) {
  auto db = open_leveldb(dir, "header store", params, kFormatVersion);
  if (!db) return std::unexpected(db.error());
  return std::unique_ptr<HeaderStore>(new HeaderStore(std::move(db->db), dir)); // default tuning: nothing else to keep
}

std::expected<void, std::string> HeaderStore::write(std::span<const HeaderEntry* const> entries) {
  std::lock_guard lock(write_mutex_);
  leveldb::WriteBatch batch;
  for (const HeaderEntry* e : entries) {
    auto key = header_key(e->height, *e->hash);
    std::array<char, kValueSize> value{};
    auto bytes = wire::serialize(e->header());
    std::memcpy(value.data(), bytes.data(), bytes.size());
    value[wire::kBlockHeaderSize] = static_cast<char>(e->status());
    value[wire::kBlockHeaderSize + 1] = static_cast<char>(e->failure());
    value[wire::kBlockHeaderSize + 2] = static_cast<char>(e->durable_flags()); // positions only once their bytes are
    char* pos = value.data() + wire::kBlockHeaderSize + 3;
    put_u32(pos, e->data_pos().file);
    put_u32(pos + 4, e->data_pos().offset);
    put_u32(pos + 8, e->undo_pos().file);
    put_u32(pos + 12, e->undo_pos().offset);
    batch.Put(leveldb::Slice(key.data(), key.size()), leveldb::Slice(value.data(), value.size()));
  }
  leveldb::Status status = db_->Write(leveldb::WriteOptions(), &batch);
  if (!status.ok()) return std::unexpected(leveldb_error("cannot write", "header store", dir_, status));
  return {};
}

std::expected<void, std::string> HeaderStore::sync() {
  leveldb::WriteBatch empty;
  leveldb::WriteOptions durable;
  durable.sync = true; // fsyncs LevelDB's log, and with it every earlier unsynced write
  leveldb::Status status = db_->Write(durable, &empty);
  if (!status.ok()) return std::unexpected(leveldb_error("cannot sync", "header store", dir_, status));
  return {};
}

std::expected<HeaderStore::LoadResult, std::string> HeaderStore::load_into(HeaderTree& tree) {
  LoadResult result;
  leveldb::ReadOptions options;
  options.fill_cache = false; // read once
  std::unique_ptr<leveldb::Iterator> it(db_->NewIterator(options));
  for (it->Seek(leveldb::Slice(&kHeaderPrefix, 1)); it->Valid() && it->key()[0] == kHeaderPrefix; it->Next()) {
    if (it->key().size() != kKeySize || it->value().size() != kValueSize)
      return std::unexpected("header store holds a malformed record: delete the headers folder to start over");
    auto header = wire::from_bytes<wire::BlockHeader>(
        ByteSpan(reinterpret_cast<const std::uint8_t*>(it->value().data()), wire::kBlockHeaderSize));
    if (!header) return std::unexpected("header store holds an undecodable header");
    Hash256 hash;
    std::memcpy(hash.bytes.data(), it->key().data() + 5, 32);
    auto status = static_cast<HeaderStatus>(it->value()[wire::kBlockHeaderSize]);
    auto failure = static_cast<consensus::HeaderError>(it->value()[wire::kBlockHeaderSize + 1]);
    const HeaderEntry* entry = tree.restore(*header, hash, status, failure);
    if (!entry) {
      ++result.orphaned;
      continue;
    }
    ++result.loaded;
    const char* pos = it->value().data() + wire::kBlockHeaderSize + 3;
    tree.restore_data(*entry, static_cast<std::uint8_t>(it->value()[wire::kBlockHeaderSize + 2]),
                      DataPos{get_u32(pos), get_u32(pos + 4)}, DataPos{get_u32(pos + 8), get_u32(pos + 12)});
  }
  if (!it->status().ok()) return std::unexpected(leveldb_error("cannot read", "header store", dir_, it->status()));
  return result;
}

} // namespace peregrine::sync
