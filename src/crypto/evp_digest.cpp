#include "crypto/evp_digest.hpp"

#include <openssl/evp.h>

#include <cstdlib>

namespace peregrine::crypto::detail {
namespace {

struct ThreadContext {
  EVP_MD_CTX* ctx = EVP_MD_CTX_new();
  ~ThreadContext() { EVP_MD_CTX_free(ctx); }
};

} // namespace

const EVP_MD* fetch_digest(const char* name) {
  EVP_MD* md = EVP_MD_fetch(nullptr, name, nullptr);
  if (md == nullptr) std::abort();
  return md;
}

void evp_digest(const EVP_MD* md, ByteSpan data, std::uint8_t* out) {
  thread_local ThreadContext tc;
  unsigned int len = 0;
  if (tc.ctx == nullptr || EVP_DigestInit_ex2(tc.ctx, md, nullptr) != 1) std::abort();
  EVP_DigestUpdate(tc.ctx, data.data(), data.size());
  EVP_DigestFinal_ex(tc.ctx, out, &len);
}

} // namespace peregrine::crypto::detail
