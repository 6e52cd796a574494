// Real mainnet messages captured from a /Satoshi:22.0.0/ peer (../shared/data/p2p).
#include <doctest/doctest.h>

#include <string>

#include "test_data.hpp"
#include "util/hex.hpp"
#include "util/json.hpp"
#include "wire/framing.hpp"
#include "wire/message.hpp"

using namespace peregrine;
using namespace peregrine::wire;
namespace json = peregrine::util::json;

namespace {

constexpr Magic kMainMagic = {0xf9, 0xbe, 0xb4, 0xd9};


std::string str(const json::Value& v, std::string_view key) { return *v.find(key)->as_string(); }

void check_version_fields(const Message& m, const json::Value& expected) {
  const auto* v = std::get_if<VersionMessage>(&m);
  REQUIRE(v != nullptr);
  CHECK(v->version == *expected.find("version")->as_int64());
  CHECK(v->services == *expected.find("services")->as_uint64());
  CHECK(v->timestamp == *expected.find("timestamp")->as_int64());
  CHECK(v->user_agent == str(expected, "user_agent"));
  CHECK(v->start_height == *expected.find("start_height")->as_int64());
  CHECK(v->relay == (*expected.find("relay")->as_int64() != 0));
}

void check_headers(const Message& m, const json::Value& expected) {
  const auto* h = std::get_if<HeadersMessage>(&m);
  REQUIRE(h != nullptr);
  const auto& list = *expected.as_array();
  REQUIRE(h->headers.size() == list.size());
  for (std::size_t i = 0; i < list.size(); ++i) {
    CHECK(block_hash(h->headers[i]).to_hex() == str(list[i], "hash"));
    CHECK(h->headers[i].prev_block.to_hex() == str(list[i], "prev"));
  }
}

} // namespace

TEST_CASE("every captured message frames, checksums and decodes as recorded") {
  json::Value doc = test::load_shared_json("p2p/bitcodec_captured_messages.json");
  const auto& messages = *doc.find("messages")->as_array();
  REQUIRE(messages.size() == 11);
  int valid = 0, rejected = 0;
  for (const auto& entry : messages) {
    std::string command = str(entry, "command");
    CAPTURE(command);
    Bytes bytes = *util::from_hex(str(entry, "hex"));
    Reader r(bytes);
    auto frame = read_frame(r, kMainMagic);

    if (!*entry.find("checksum_valid")->as_bool()) {
      REQUIRE_FALSE(frame.has_value());
      CHECK(frame.error().code == DecodeErrc::bad_checksum);
      CHECK(frame.error().offset == 20);
      ++rejected;
      continue;
    }
    REQUIRE_MESSAGE(frame.has_value(), frame.error().message());
    ++valid;
    CHECK(frame->header.command == command);
    CHECK(frame->header.payload_size == *entry.find("length")->as_uint64());
    CHECK(util::to_hex(frame->header.checksum) == str(entry, "checksum"));

    auto message = decode_message(frame->header.command, frame->payload);
    if (command == "alert") { // retired in 2016; no longer part of the protocol we speak
      REQUIRE_FALSE(message.has_value());
      CHECK(message.error().code == DecodeErrc::unknown_command);
    } else {
      REQUIRE_MESSAGE(message.has_value(), message.error().message());
      CHECK(command_of(*message) == command);
      if (command != "headers" && command != "version") {
        // Re-encoding gives back the captured bytes exactly.
        CHECK(encode_message(kMainMagic, *message) ==
              Bytes(bytes.begin(), bytes.begin() + kMessageHeaderSize + frame->payload.size()));
      }
    }
    if (const auto* fields = entry.find("version_fields")) check_version_fields(*message, *fields);
    if (const auto* headers = entry.find("headers")) check_headers(*message, *headers);
    if (const auto* block = entry.find("block")) {
      const auto* b = std::get_if<BlockMessage>(&*message);
      REQUIRE(b != nullptr);
      CHECK(block_hash(b->block.header).to_hex() == str(*block, "hash"));
    }

    // Bytes after the payload are the start of the next message (a pong in one capture).
    std::string trailing = str(entry, "trailing_bytes_hex");
    CHECK(r.remaining() * 2 == trailing.size());
    if (!trailing.empty()) {
      auto next = read_frame(r, kMainMagic);
      REQUIRE_MESSAGE(next.has_value(), next.error().message());
      CHECK(next->header.command == "pong");
      CHECK(decode_message("pong", next->payload).has_value());
    }
  }
  CHECK(valid == 10);
  CHECK(rejected == 1);
}

TEST_CASE("framing rejects wrong magic, bad padding, oversize payloads and truncation") {
  PingMessage ping{0x1122334455667788};
  Bytes good = encode_message(kMainMagic, ping);

  Magic testnet = {0x0b, 0x11, 0x09, 0x07};
  Reader wrong(good);
  auto magic = read_frame(wrong, testnet);
  REQUIRE_FALSE(magic.has_value());
  CHECK(magic.error().code == DecodeErrc::bad_magic);

  Bytes padded = good;
  padded[4 + 5] = 'x'; // "ping\0x..." : a byte after the first NUL
  Reader p(padded);
  auto padding = read_frame(p, kMainMagic);
  REQUIRE_FALSE(padding.has_value());
  CHECK(padding.error().code == DecodeErrc::bad_command);
  CHECK(padding.error().offset == 9);

  Bytes control = good;
  control[4 + 1] = 0x01; // non-printable character inside the command
  Reader c(control);
  CHECK(read_frame(c, kMainMagic).error().code == DecodeErrc::bad_command);

  Bytes oversize = good;
  std::uint32_t too_big = kMaxMessagePayload + 1;
  std::memcpy(oversize.data() + 16, &too_big, 4);
  Reader o(oversize);
  CHECK(read_frame(o, kMainMagic).error().code == DecodeErrc::payload_too_large);

  std::uint32_t at_limit = kMaxMessagePayload;
  Bytes header_only(good.begin(), good.begin() + kMessageHeaderSize);
  std::memcpy(header_only.data() + 16, &at_limit, 4);
  CHECK(decode_message_header(header_only, kMainMagic).has_value());

  for (std::size_t len = 0; len < good.size(); ++len) {
    Reader t(ByteSpan(good).first(len));
    auto cut = read_frame(t, kMainMagic);
    REQUIRE_FALSE(cut.has_value());
    CHECK(cut.error().code == DecodeErrc::truncated);
  }

  Bytes corrupted = good;
  corrupted.back() ^= 1;
  Reader k(corrupted);
  CHECK(read_frame(k, kMainMagic).error().code == DecodeErrc::bad_checksum);
}

TEST_CASE("twelve-character commands fill the field with no NUL") {
  CHECK(is_valid_command("sendaddrv2"));
  CHECK(is_valid_command("abcdefghijkl"));
  CHECK_FALSE(is_valid_command("abcdefghijklm"));
  Bytes frame = frame_message(kMainMagic, "abcdefghijkl", {});
  auto header = decode_message_header(ByteSpan(frame).first(kMessageHeaderSize), kMainMagic);
  REQUIRE(header.has_value());
  CHECK(header->command == "abcdefghijkl");
}
