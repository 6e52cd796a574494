#pragma once
// Internal to peregrine_crypto: one-shot digests through OpenSSL's EVP with the algorithm fetched
// once per process and a reusable context per thread, so hot loops allocate nothing.
#include <cstdint>

#include "util/bytes.hpp"

struct evp_md_st;

namespace peregrine::crypto::detail {

// The algorithm by OpenSSL name ("RIPEMD160", "SHA1"); the process stops if libcrypto lacks it,
// since a Bitcoin client cannot run without these digests.
const evp_md_st* fetch_digest(const char* name);

// Hashes data into out, which must hold the algorithm's digest size.
void evp_digest(const evp_md_st* md, ByteSpan data, std::uint8_t* out);

} // namespace peregrine::crypto::detail
