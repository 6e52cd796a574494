#pragma once
// Where an address may live in the tables, decided by a secret per-node key so that nobody else
// can predict (or aim at) a slot. The scheme is Bitcoin Core's addrman, with SipHash-2-4 in place
// of its truncated double SHA-256:
//
//   tried bucket = H(key, group(addr), H(key, addr:port) mod 8) mod 256
//       every group spreads over at most 8 of the 256 tried buckets;
//   new bucket   = H(key, group(source), H(key, group(addr), group(source)) mod 64) mod 1024
//       every source group (whoever told us) reaches at most 64 of the 1,024 new buckets, and one
//       address group from one source group lands in exactly one bucket;
//   position     = H(key, new or tried, bucket, addr:port) mod 64.
#include <cstdint>

#include "addrbook/address_class.hpp"
#include "addrbook/service.hpp"
#include "crypto/siphash.hpp"

namespace peregrine::addrbook {

inline constexpr int kNewBucketCount = 1024;
inline constexpr int kTriedBucketCount = 256;
inline constexpr int kBucketSize = 64;
inline constexpr int kTriedBucketsPerGroup = 8;
inline constexpr int kNewBucketsPerSourceGroup = 64;
inline constexpr int kMaxNewReferences = 8; // new buckets one address may occupy at once

class Bucketing {
public:
  explicit Bucketing(const crypto::SipKey& key) : key_(key) {}

  const crypto::SipKey& key() const { return key_; }
  int tried_bucket(const Service& service, const NetGroup& group) const;
  int new_bucket(const NetGroup& address_group, const NetGroup& source_group) const;
  int position(bool in_new, int bucket, const Service& service) const;

private:
  crypto::SipKey key_;
};

} // namespace peregrine::addrbook
