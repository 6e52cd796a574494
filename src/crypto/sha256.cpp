#include "crypto/sha256.hpp"

#include <openssl/evp.h>

#include <cstdlib>
#include <cstring>

namespace peregrine::crypto {
namespace {

// Fetching the algorithm is the slow part of EVP; do it once per process.
const EVP_MD* sha256_md() {
  static const EVP_MD* md = [] {
    EVP_MD* fetched = EVP_MD_fetch(nullptr, "SHA256", nullptr);
    if (fetched == nullptr) std::abort(); // libcrypto without SHA-256 cannot run a Bitcoin client
    return fetched;
  }();
  return md;
}

EVP_MD_CTX* new_context() {
  EVP_MD_CTX* ctx = EVP_MD_CTX_new();
  if (ctx == nullptr || EVP_DigestInit_ex2(ctx, sha256_md(), nullptr) != 1) std::abort();
  return ctx;
}

// One reusable context per thread for the one-shot helpers, so hot loops allocate nothing.
struct ThreadContext {
  EVP_MD_CTX* ctx = new_context();
  ~ThreadContext() { EVP_MD_CTX_free(ctx); }
};

EVP_MD_CTX* thread_context() {
  thread_local ThreadContext tc;
  return tc.ctx;
}

void digest(EVP_MD_CTX* ctx, const std::uint8_t* data, std::size_t size, std::uint8_t* out) {
  unsigned int len = 0;
  EVP_DigestInit_ex2(ctx, nullptr, nullptr);
  EVP_DigestUpdate(ctx, data, size);
  EVP_DigestFinal_ex(ctx, out, &len);
}

} // namespace

struct Sha256::Impl {
  EVP_MD_CTX* ctx = new_context();
};

Sha256::Sha256() : impl_(new Impl) {}

Sha256::~Sha256() {
  EVP_MD_CTX_free(impl_->ctx);
  delete impl_;
}

Sha256& Sha256::write(ByteSpan data) {
  EVP_DigestUpdate(impl_->ctx, data.data(), data.size());
  return *this;
}

Sha256Digest Sha256::finalize() {
  Sha256Digest out;
  unsigned int len = 0;
  EVP_DigestFinal_ex(impl_->ctx, out.data(), &len);
  EVP_DigestInit_ex2(impl_->ctx, nullptr, nullptr);
  return out;
}

Sha256Digest sha256(ByteSpan data) {
  Sha256Digest out;
  digest(thread_context(), data.data(), data.size(), out.data());
  return out;
}

Hash256 sha256d(ByteSpan data) {
  EVP_MD_CTX* ctx = thread_context();
  Sha256Digest first;
  digest(ctx, data.data(), data.size(), first.data());
  Hash256 out;
  digest(ctx, first.data(), first.size(), out.bytes.data());
  return out;
}

Hash256 sha256d_pair(const Hash256& left, const Hash256& right) {
  std::uint8_t both[64];
  std::memcpy(both, left.bytes.data(), 32);
  std::memcpy(both + 32, right.bytes.data(), 32);
  return sha256d(ByteSpan(both, 64));
}

} // namespace peregrine::crypto
