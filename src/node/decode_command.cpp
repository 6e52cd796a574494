#include "node/decode_command.hpp"

#include <algorithm>
#include <ostream>

#include <fmt/format.h>

#include "consensus/chainparams.hpp"
#include "node/commands.hpp"
#include "node/describe_message.hpp"
#include "util/file.hpp"
#include "util/hex.hpp"
#include "wire/blk_file.hpp"
#include "wire/codec.hpp"
#include "wire/framing.hpp"

namespace peregrine::node {
namespace {

namespace json = util::json;
using consensus::Network;

Description error_item(std::size_t offset, std::string message) {
  Description d{json::Value::object(), false};
  d.json.set("type", "error");
  d.json.set("offset", static_cast<std::uint64_t>(offset));
  d.json.set("error", std::move(message));
  return d;
}

// Puts "offset" and "network" first, ahead of the object's own fields.
Description framed(Description d, std::size_t offset, Network network) {
  json::Value v = json::Value::object();
  v.set("offset", static_cast<std::uint64_t>(offset));
  v.set("network", std::string(consensus::to_string(network)));
  for (auto& [key, value] : *d.json.as_object()) v.set(key, std::move(value));
  d.json = std::move(v);
  return d;
}

std::optional<Network> network_of_magic(ByteSpan data, std::optional<Network> only) {
  if (data.size() < 4) return std::nullopt;
  for (Network n : consensus::kAllNetworks) {
    if (only && n != *only) continue;
    const auto& magic = consensus::chain_params(n).magic;
    if (std::equal(magic.begin(), magic.end(), data.begin())) return n;
  }
  return std::nullopt;
}

// After the magic, a P2P header has a printable NUL-padded command; a blk record has a length.
bool looks_like_message_stream(ByteSpan data, const wire::Magic& magic) {
  if (data.size() < wire::kMessageHeaderSize) return false;
  auto header = wire::decode_message_header(data.first(wire::kMessageHeaderSize), magic);
  return (header || header.error().code == wire::DecodeErrc::payload_too_large) &&
         data[4] != 0;
}

std::vector<Description> decode_messages(ByteSpan data, Network network) {
  const auto& magic = consensus::chain_params(network).magic;
  std::vector<Description> items;
  std::size_t pos = 0;
  while (pos < data.size()) {
    ByteSpan rest = data.subspan(pos);
    if (rest.size() < wire::kMessageHeaderSize) {
      items.push_back(error_item(pos, fmt::format("truncated: message header at byte {}", pos)));
      break;
    }
    auto header = wire::decode_message_header(rest.first(wire::kMessageHeaderSize), magic);
    if (!header) {
      wire::DecodeError e = header.error();
      e.offset += pos;
      items.push_back(error_item(pos, e.message()));
      break;
    }
    if (rest.size() - wire::kMessageHeaderSize < header->payload_size) {
      items.push_back(error_item(pos, fmt::format("truncated: message.payload at byte {}",
                                                  pos + wire::kMessageHeaderSize)));
      break;
    }
    ByteSpan payload = rest.subspan(wire::kMessageHeaderSize, header->payload_size);
    items.push_back(framed(describe_message(*header, payload), pos, network));
    pos += wire::kMessageHeaderSize + header->payload_size;
  }
  return items;
}

std::vector<Description> decode_blk_records(ByteSpan data, Network network) {
  const auto& magic = consensus::chain_params(network).magic;
  std::vector<Description> items;
  wire::Reader r(data);
  while (!r.at_end()) {
    // Bitcoin Core preallocates block files with zeros; a zero tail is padding, not an error.
    ByteSpan rest = data.subspan(r.position());
    if (std::all_of(rest.begin(), rest.end(), [](std::uint8_t b) { return b == 0; })) break;
    auto record = wire::read_blk_record(r, magic);
    if (!record) {
      items.push_back(error_item(record.error().offset, record.error().message()));
      break;
    }
    auto block = wire::from_bytes<wire::Block>(record->block);
    std::size_t block_at = record->offset + 8;
    if (!block) {
      wire::DecodeError e = block.error();
      e.offset += block_at;
      items.push_back(error_item(record->offset, e.message()));
      continue; // the record's length still frames the next one
    }
    items.push_back(framed(describe_block(*block), record->offset, network));
  }
  return items;
}

Description decode_raw(ByteSpan data) {
  auto block = wire::from_bytes<wire::Block>(data);
  if (block) return describe_block(*block);
  auto tx = wire::from_bytes<wire::Transaction>(data);
  if (tx) return Description{describe_transaction(*tx), true};
  return error_item(0, fmt::format("neither a block ({}) nor a transaction ({})",
                                   block.error().message(), tx.error().message()));
}

} // namespace

std::vector<Description> decode_items(ByteSpan data, std::optional<Network> network) {
  if (data.empty()) return {error_item(0, "empty input")};
  if (auto n = network_of_magic(data, network)) {
    if (looks_like_message_stream(data, consensus::chain_params(*n).magic)) {
      return decode_messages(data, *n);
    }
    return decode_blk_records(data, *n);
  }
  if (network && network_of_magic(data, std::nullopt)) {
    return {error_item(0, fmt::format("wrong network magic: the input is framed for {}, not {}",
                                      consensus::to_string(*network_of_magic(data, std::nullopt)),
                                      consensus::to_string(*network)))};
  }
  return {decode_raw(data)};
}

std::expected<Bytes, std::string> file_bytes(Bytes contents) {
  std::string_view text(reinterpret_cast<const char*>(contents.data()), contents.size());
  if (!util::looks_like_hex(text)) return contents;
  auto decoded = util::from_hex_ignoring_space(text);
  if (!decoded) return std::unexpected("hex input with an odd number of digits");
  return std::move(*decoded);
}

std::vector<OptionSpec> decode_options() { return {}; }

int run_decode_command(const Context& ctx, const ParsedArgs& args) {
  const std::string& path = args.positional().at(0);
  auto contents = util::read_file(path);
  if (!contents) {
    ctx.err << "peregrine decode: " << contents.error() << "\n";
    return kExitFailure;
  }
  auto data = file_bytes(std::move(*contents));
  if (!data) {
    ctx.err << "peregrine decode: " << path << ": " << data.error() << "\n";
    return kExitFailure;
  }
  std::optional<Network> network;
  if (ctx.network_given) network = ctx.network;

  bool all_ok = true;
  for (const auto& item : decode_items(*data, network)) {
    ctx.out << item.json.dump() << "\n";
    all_ok = all_ok && item.ok;
  }
  return all_ok ? kExitOk : kExitFailure;
}

} // namespace peregrine::node
