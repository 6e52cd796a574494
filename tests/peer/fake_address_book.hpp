#pragma once
// An address book for tests: hands out the entries it is given, in turn, and records every call.
#include <mutex>
#include <string>
#include <vector>

#include "addrbook/address_source.hpp"

namespace peregrine::test {

class FakeAddressBook : public addrbook::AddressSource {
public:
  explicit FakeAddressBook(std::vector<addrbook::Entry> entries) : entries_(std::move(entries)) {}

  std::size_t add(std::span<const addrbook::Entry> entries, const wire::NetAddress& source,
                  std::int64_t) override {
    std::lock_guard lock(mutex_);
    for (const auto& e : entries) added_.push_back({e, source});
    return entries.size();
  }
  std::optional<addrbook::Entry> select(bool, std::int64_t) override {
    std::lock_guard lock(mutex_);
    if (entries_.empty()) return std::nullopt;
    return entries_[next_++ % entries_.size()];
  }
  void attempt(const wire::NetAddress&, std::uint16_t port, std::int64_t) override { note("attempt", port); }
  void good(const wire::NetAddress&, std::uint16_t port, std::int64_t) override { note("good", port); }
  void connected(const wire::NetAddress&, std::uint16_t port, std::int64_t) override { note("connected", port); }
  void set_services(const wire::NetAddress&, std::uint16_t, std::uint64_t) override {}
  std::vector<addrbook::Entry> sample(std::size_t max_count, std::int64_t) override {
    std::lock_guard lock(mutex_);
    std::vector<addrbook::Entry> out = entries_;
    if (out.size() > max_count) out.resize(max_count);
    return out;
  }
  std::size_t size() const override { return entries_.size(); }

  // For tests that must set up the node before it may pick an address.
  void set_entries(std::vector<addrbook::Entry> entries) {
    std::lock_guard lock(mutex_);
    entries_ = std::move(entries);
    next_ = 0;
  }

  std::vector<std::string> calls() const {
    std::lock_guard lock(mutex_);
    return calls_;
  }
  std::vector<std::pair<addrbook::Entry, wire::NetAddress>> added() const {
    std::lock_guard lock(mutex_);
    return added_;
  }

private:
  void note(const char* what, std::uint16_t port) {
    std::lock_guard lock(mutex_);
    calls_.push_back(std::string(what) + " " + std::to_string(port));
  }

  mutable std::mutex mutex_;
  std::vector<addrbook::Entry> entries_;
  std::size_t next_ = 0;
  std::vector<std::string> calls_;
  std::vector<std::pair<addrbook::Entry, wire::NetAddress>> added_;
};

} // namespace peregrine::test
