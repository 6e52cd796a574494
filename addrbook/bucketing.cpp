#include "addrbook/bucketing.hpp"

namespace peregrine::addrbook {
namespace {

// Domain tags keep the four hashes independent although they share one key.
enum Tag : std::uint8_t {
  kTriedSlot = 'T',
  kTriedBucket = 't',
  kNewSlot = 'N',
  kNewBucket = 'n',
  kPosition = 'P'
};

void write_group(crypto::SipHasher& h, const NetGroup& g) { h.write_u8(g.size).write(g.span()); }

} // namespace

int Bucketing::tried_bucket(const Service& service, const NetGroup& group) const {
  crypto::SipHasher first(key_);
  first.write_u8(kTriedSlot);
  hash_into(first, service);
  std::uint64_t slot = first.finalize() % kTriedBucketsPerGroup;
  crypto::SipHasher second(key_);
  second.write_u8(kTriedBucket);
  write_group(second, group);
  second.write_u64(slot);
  return static_cast<int>(second.finalize() % kTriedBucketCount);
}

int Bucketing::new_bucket(const NetGroup& address_group, const NetGroup& source_group) const {
  crypto::SipHasher first(key_);
  first.write_u8(kNewSlot);
  write_group(first, address_group);
  write_group(first, source_group);
  std::uint64_t slot = first.finalize() % kNewBucketsPerSourceGroup;
  crypto::SipHasher second(key_);
  second.write_u8(kNewBucket);
  write_group(second, source_group);
  second.write_u64(slot);
  return static_cast<int>(second.finalize() % kNewBucketCount);
}

int Bucketing::position(bool in_new, int bucket, const Service& service) const {
  crypto::SipHasher h(key_);
  h.write_u8(kPosition).write_u8(in_new ? 1 : 0).write_u32(static_cast<std::uint32_t>(bucket));
  hash_into(h, service);
  return static_cast<int>(h.finalize() % kBucketSize);
}

} // namespace peregrine::addrbook
