// Fuzzes every wire decoder: the first byte picks what the rest is decoded as (one P2P message by
// command, a framed message stream, a block or a transaction). Whatever decodes must re-encode to
// something that decodes to an equal object, and, where the format is canonical, to the input.
#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <string_view>
#include <variant>

#include "wire/block.hpp"
#include "wire/codec.hpp"
#include "wire/framing.hpp"
#include "wire/message.hpp"
#include "wire/transaction.hpp"

using namespace peregrine;
using namespace peregrine::wire;

namespace {

constexpr Magic kMainMagic = {0xf9, 0xbe, 0xb4, 0xd9};

// Selector values after the commands (data[0] % kChoices; commands take 0..N-1 in variant order).
constexpr std::size_t kStream = kMessageCommands.size();
constexpr std::size_t kBlock = kStream + 1;
constexpr std::size_t kTransaction = kStream + 2;
constexpr std::size_t kChoices = kStream + 3;

// Messages whose decoding is not byte-exact as in Core: version (optional fields, ignored trailing
// bytes, relay read as any non-zero byte), headers (ignored transaction counts), sendcmpct (bool).
bool is_byte_canonical(std::string_view command) {
  return command != "version" && command != "headers" && command != "sendcmpct";
}

// Addresses from the wire print without trouble; those from addr survive the trip through v1.
void check_addresses(const Message& m) {
  if (const auto* addr = std::get_if<AddrMessage>(&m)) {
    for (const auto& e : addr->entries) {
      auto v1 = e.address.to_v1();
      if (!v1 || NetAddress::from_v1(*v1) != e.address) __builtin_trap();
      if (e.address.to_string().empty()) __builtin_trap();
    }
  } else if (const auto* addrv2 = std::get_if<AddrV2Message>(&m)) {
    for (const auto& e : addrv2->entries) {
      if (e.address.to_string().empty()) __builtin_trap();
    }
  }
}

void check_message(std::string_view command, ByteSpan payload) {
  auto decoded = decode_message(command, payload);
  if (!decoded) return;
  if (command_of(*decoded) != command) __builtin_trap();
  Bytes encoded = encode_payload(*decoded);
  auto again = decode_message(command, encoded);
  if (!again || !(*again == *decoded)) __builtin_trap();
  if (encode_payload(*again) != encoded) __builtin_trap();
  if (is_byte_canonical(command) && !std::ranges::equal(encoded, payload)) __builtin_trap();
  check_addresses(*decoded);

  // The framed form reads back as the same message.
  Bytes framed = encode_message(kMainMagic, *decoded);
  Reader r(framed);
  auto frame = read_frame(r, kMainMagic);
  if (!frame || !r.at_end() || frame->header.command != command) __builtin_trap();
  if (!std::ranges::equal(frame->payload, encoded)) __builtin_trap();
}

void check_stream(ByteSpan data) {
  Reader r(data);
  while (!r.at_end()) {
    auto frame = read_frame(r, kMainMagic);
    if (!frame) return;
    check_message(frame->header.command, frame->payload);
  }
}

template <class T>
void check_object(ByteSpan data) {
  auto decoded = from_bytes<T>(data);
  if (!decoded) return;
  Bytes encoded = to_bytes(*decoded);
  auto again = from_bytes<T>(encoded);
  if (!again || !(*again == *decoded)) __builtin_trap();
  if (!std::ranges::equal(encoded, data)) __builtin_trap();
}

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size == 0) return 0;
  std::size_t choice = data[0] % kChoices;
  ByteSpan rest(data + 1, size - 1);
  if (choice < kStream) {
    check_message(kMessageCommands[choice], rest);
  } else if (choice == kStream) {
    check_stream(rest);
  } else if (choice == kBlock) {
    check_object<Block>(rest);
  } else if (choice == kTransaction) {
    check_object<Transaction>(rest);
  }
  return 0;
}
