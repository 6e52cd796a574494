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
constexpr std::uint32_t kFormatVersion = 1;
constexpr std::size_t kKeySize = 1 + 4 + 32;
constexpr std::size_t kValueSize = wire::kBlockHeaderSize + 2;

std::array<char, kKeySize> header_key(int height, const Hash256& hash) {
  std::array<char, kKeySize> key{};
  key[0] = kHeaderPrefix;
  // Big-endian height: LevelDB's byte order is then height order.
  for (int i = 0; i < 4; ++i) key[1 + i] = static_cast<char>(static_cast<std::uint32_t>(height) >> (24 - 8 * i));
  std::memcpy(key.data() + 5, hash.bytes.data(), 32);
  return key;
}

} // namespace

HeaderStore::HeaderStore(std::unique_ptr<leveldb::DB> db) : db_(std::move(db)) {}
HeaderStore::~HeaderStore() = default;

std::expected<std::unique_ptr<HeaderStore>, std::string>
HeaderStore::open(const std::filesystem::path& dir, const consensus::ChainParams& params) {
  auto db = open_leveldb(dir, "header store", params, kFormatVersion);
  if (!db) return std::unexpected(db.error());
  return std::unique_ptr<HeaderStore>(new HeaderStore(std::move(*db)));
}

std::expected<void, std::string> HeaderStore::write(std::span<const HeaderEntry* const> entries) {
  leveldb::WriteBatch batch;
  for (const HeaderEntry* e : entries) {
    auto key = header_key(e->height, *e->hash);
    std::array<char, kValueSize> value{};
    auto bytes = wire::serialize(e->header());
    std::memcpy(value.data(), bytes.data(), bytes.size());
    value[wire::kBlockHeaderSize] = static_cast<char>(e->status);
    value[wire::kBlockHeaderSize + 1] = static_cast<char>(e->failure);
    batch.Put(leveldb::Slice(key.data(), key.size()), leveldb::Slice(value.data(), value.size()));
  }
  leveldb::Status status = db_->Write(leveldb::WriteOptions(), &batch);
  if (!status.ok()) return std::unexpected(fmt::format("cannot write headers: {}", status.ToString()));
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
    if (tree.restore(*header, hash, status, failure))
      ++result.loaded;
    else
      ++result.orphaned;
  }
  if (!it->status().ok()) return std::unexpected(fmt::format("cannot read header store: {}", it->status().ToString()));
  return result;
}

} // namespace peregrine::sync
