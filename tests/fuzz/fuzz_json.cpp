// libFuzzer target for the JSON parser: it must never crash on any input, and whatever it accepts
// must survive dump -> parse unchanged (compact and pretty forms alike).
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "util/json.hpp"

namespace json = peregrine::util::json;

namespace {

// Exercise the accessors so the sanitizers see them run on arbitrary parsed values.
void touch(const json::Value& v) {
  (void)v.as_bool();
  (void)v.as_int64();
  (void)v.as_uint64();
  (void)v.as_double();
  if (const auto* items = v.as_array()) {
    for (const auto& item : *items) touch(item);
  } else if (const auto* members = v.as_object()) {
    for (const auto& [key, value] : *members) {
      if (v.find(key) == nullptr) __builtin_trap();
      touch(value);
    }
  }
}

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  std::string_view text(reinterpret_cast<const char*>(data), size);
  auto first = json::parse(text);
  if (!first) {
    if (first.error().offset > size || first.error().message.empty()) __builtin_trap();
    return 0;
  }
  touch(*first);

  std::string dumped = first->dump();
  auto second = json::parse(dumped);
  if (!second || !(*second == *first) || second->dump() != dumped) __builtin_trap();

  auto pretty = json::parse(first->dump_pretty());
  if (!pretty || !(*pretty == *first)) __builtin_trap();
  return 0;
}
