#pragma once
// The interpreter's stacks. Items pushed from a script or witness are views of those bytes
// (which outlive the evaluation); the few values an opcode computes (hashes, numbers, booleans:
// never more than 32 bytes) live inline. Stacks keep their first items inline too, so evaluating
// a typical script allocates nothing.
#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <memory>
#include <span>
#include <type_traits>

#include "util/bytes.hpp"

namespace peregrine::consensus {

class StackItem {
public:
  static constexpr std::size_t kInlineCapacity = 32;

  StackItem() = default; // empty: false, the number zero

  // Refers to bytes that outlive the evaluation (the script or witness being run).
  static StackItem view(ByteSpan bytes) {
    StackItem item;
    item.external_ = bytes.data();
    item.size_ = static_cast<std::uint32_t>(bytes.size());
    return item;
  }
  // Copies a computed value; the type bounds its size at compile time.
  template <std::size_t N>
  requires(N <= kInlineCapacity) static StackItem copy(std::span<const std::uint8_t, N> bytes) {
    return copy_small(bytes.data(), N);
  }
  static StackItem copy_small(const std::uint8_t* data, std::size_t size) { // size <= capacity
    StackItem item;
    item.size_ = static_cast<std::uint32_t>(std::min(size, kInlineCapacity));
    std::memcpy(item.inline_, data, item.size_);
    return item;
  }
  static StackItem from_bool(bool value) {
    StackItem item;
    if (value) {
      item.inline_[0] = 1;
      item.size_ = 1;
    }
    return item;
  }

  const std::uint8_t* data() const { return external_ != nullptr ? external_ : inline_; }
  std::size_t size() const { return size_; }
  bool empty() const { return size_ == 0; }
  ByteSpan span() const { return ByteSpan(data(), size_); }

private:
  const std::uint8_t* external_ = nullptr;
  std::uint32_t size_ = 0;
  std::uint8_t inline_[kInlineCapacity]; // only the first size_ bytes are meaningful
};

// Script truth: any non-zero byte, except a lone sign bit in the last byte (negative zero).
inline bool cast_to_bool(ByteSpan bytes) {
  for (std::size_t i = 0; i < bytes.size(); ++i) {
    if (bytes[i] != 0) return !(i == bytes.size() - 1 && bytes[i] == 0x80);
  }
  return false;
}

// A vector of trivially copyable items with N of them inline. Only what the stacks need.
template <class T, std::size_t N>
class SmallVector {
  static_assert(std::is_trivially_copyable_v<T>);

public:
  SmallVector() = default;
  SmallVector(const SmallVector& other) { *this = other; }
  SmallVector& operator=(const SmallVector& other) {
    if (this == &other) return *this;
    size_ = 0;
    reserve(other.size_);
    std::copy_n(other.data(), other.size_, data());
    size_ = other.size_;
    return *this;
  }

  std::size_t size() const { return size_; }
  bool empty() const { return size_ == 0; }
  T* data() { return heap_ ? heap_.get() : reinterpret_cast<T*>(inline_); }
  const T* data() const { return heap_ ? heap_.get() : reinterpret_cast<const T*>(inline_); }
  T& operator[](std::size_t i) { return data()[i]; }
  const T& operator[](std::size_t i) const { return data()[i]; }
  T& back() { return data()[size_ - 1]; }
  const T& back() const { return data()[size_ - 1]; }
  std::span<const T> items() const { return {data(), size_}; }

  void push_back(const T& value) {
    T copy = value; // value may refer into this vector
    if (size_ == capacity_) grow(capacity_ * 2);
    data()[size_++] = copy;
  }
  void pop_back() { --size_; }
  void resize_down(std::size_t n) { size_ = std::min(size_, n); }
  void clear() { size_ = 0; }
  void erase(std::size_t at) { // keeps order
    std::copy(data() + at + 1, data() + size_, data() + at);
    --size_;
  }
  void insert(std::size_t at, const T& value) {
    T copy = value; // value may refer into this vector
    if (size_ == capacity_) grow(capacity_ * 2);
    std::copy_backward(data() + at, data() + size_, data() + size_ + 1);
    data()[at] = copy;
    ++size_;
  }
  void reserve(std::size_t n) {
    if (n > capacity_) grow(n);
  }

private:
  void grow(std::size_t capacity) {
    auto bigger = std::make_unique_for_overwrite<T[]>(capacity);
    std::copy_n(data(), size_, bigger.get());
    heap_ = std::move(bigger);
    capacity_ = capacity;
  }

  // Raw storage: constructing a stack must not cost N constructions. T is trivially copyable,
  // so its objects come into being as they are assigned (implicit object creation).
  alignas(T) unsigned char inline_[N * sizeof(T)];
  std::unique_ptr<T[]> heap_;
  std::size_t size_ = 0;
  std::size_t capacity_ = N;
};

// The main stack, with access by depth from the top (depth 0 is the top item).
class Stack {
public:
  std::size_t size() const { return items_.size(); }
  bool empty() const { return items_.empty(); }
  const StackItem& top(std::size_t depth = 0) const { return items_[items_.size() - 1 - depth]; }
  void push(const StackItem& item) { items_.push_back(item); }
  void pop(std::size_t count = 1) { items_.resize_down(items_.size() - count); }
  void erase(std::size_t depth) { items_.erase(items_.size() - 1 - depth); }
  // Inserts so that the new item ends up at `depth`.
  void insert(std::size_t depth, const StackItem& item) {
    items_.insert(items_.size() - depth, item);
  }
  void swap(std::size_t depth_a, std::size_t depth_b) {
    std::swap(items_[items_.size() - 1 - depth_a], items_[items_.size() - 1 - depth_b]);
  }
  void keep_bottom(std::size_t count) { items_.resize_down(count); }
  void clear() { items_.clear(); }
  std::span<const StackItem> items() const { return items_.items(); } // bottom to top

private:
  SmallVector<StackItem, 16> items_;
};

// IF/ELSE nesting. Only whether every level is true matters to execution, so it is stored as the
// depth and the position of the first false level: every operation is O(1) (Core does the same).
class ConditionStack {
public:
  bool empty() const { return size_ == 0; }
  bool all_true() const { return first_false_ == kNone; }
  void push(bool value) {
    if (!value && first_false_ == kNone) first_false_ = size_;
    ++size_;
  }
  void pop() {
    --size_;
    if (first_false_ == size_) first_false_ = kNone;
  }
  void toggle_top() {
    if (first_false_ == kNone) {
      first_false_ = size_ - 1;
    } else if (first_false_ == size_ - 1) {
      first_false_ = kNone;
    } // else a lower level is false and stays so
  }

private:
  static constexpr std::size_t kNone = static_cast<std::size_t>(-1);
  std::size_t size_ = 0;
  std::size_t first_false_ = kNone;
};

} // namespace peregrine::consensus
