#pragma once
// Serializes straight into SHA-256 through a small buffer, so signature hashes cost one digest
// update per kilobyte rather than one per field, and no serialized copy of the transaction.
#include <array>
#include <cstdint>
#include <cstring>

#include "crypto/sha256.hpp"
#include "util/bytes.hpp"
#include "util/hash256.hpp"
#include "wire/transaction.hpp"

namespace peregrine::consensus {

class HashWriter {
public:
  HashWriter() = default;
  // A BIP340 tagged hash: starts with SHA256(tag) twice.
  explicit HashWriter(const crypto::Sha256Digest& tag_digest) {
    write(tag_digest).write(tag_digest);
  }

  HashWriter& write(ByteSpan data) {
    if (data.empty()) return *this; // an empty span's data() may be null: no memcpy from it
    if (data.size() > buffer_.size() - used_) {
      flush();
      if (data.size() > buffer_.size()) {
        sha_.write(data);
        return *this;
      }
    }
    std::memcpy(buffer_.data() + used_, data.data(), data.size());
    used_ += data.size();
    return *this;
  }
  HashWriter& u8(std::uint8_t v) { return write(ByteSpan(&v, 1)); }
  HashWriter& u32(std::uint32_t v) {
    std::uint8_t b[4];
    for (int i = 0; i < 4; ++i) b[i] = static_cast<std::uint8_t>(v >> (8 * i));
    return write(b);
  }
  HashWriter& u64(std::uint64_t v) {
    std::uint8_t b[8];
    for (int i = 0; i < 8; ++i) b[i] = static_cast<std::uint8_t>(v >> (8 * i));
    return write(b);
  }
  HashWriter& compact_size(std::uint64_t n) {
    if (n < 0xfd) return u8(static_cast<std::uint8_t>(n));
    if (n <= 0xffff)
      return u8(0xfd).write(
          std::array{static_cast<std::uint8_t>(n), static_cast<std::uint8_t>(n >> 8)});
    if (n <= 0xffffffff) return u8(0xfe).u32(static_cast<std::uint32_t>(n));
    return u8(0xff).u64(n);
  }
  HashWriter& bytes_with_size(ByteSpan data) { return compact_size(data.size()).write(data); }
  HashWriter& outpoint(const wire::OutPoint& p) { return write(p.txid.bytes).u32(p.index); }
  HashWriter& txout(const wire::TxOut& out) {
    return u64(static_cast<std::uint64_t>(out.value)).bytes_with_size(out.script_pubkey);
  }

  crypto::Sha256Digest sha256() {
    flush();
    return sha_.finalize();
  }
  Hash256 sha256d() {
    Hash256 out;
    out.bytes = crypto::sha256(sha256());
    return out;
  }

private:
  void flush() {
    if (used_ > 0) sha_.write(ByteSpan(buffer_.data(), used_));
    used_ = 0;
  }

  crypto::Sha256 sha_;
  std::array<std::uint8_t, 1024> buffer_;
  std::size_t used_ = 0;
};

} // namespace peregrine::consensus
