#include "node/describe_message.hpp"

#include <fmt/format.h>

#include "util/hex.hpp"
#include "wire/codec.hpp"
#include "wire/message.hpp"

namespace peregrine::node {
namespace {

namespace json = util::json;
using std::uint64_t;

json::Value hash_list(const std::vector<Hash256>& hashes) {
  json::Value list = json::Value::array();
  for (const auto& h : hashes) list.push_back(h.to_hex());
  return list;
}

json::Value inventory(const std::vector<wire::InvItem>& items) {
  json::Value list = json::Value::array();
  for (const auto& item : items) {
    json::Value v = json::Value::object();
    v.set("type", static_cast<uint64_t>(item.type));
    v.set("hash", item.hash.to_hex());
    list.push_back(std::move(v));
  }
  json::Value out = json::Value::object();
  out.set("count", static_cast<uint64_t>(items.size()));
  out.set("items", std::move(list));
  return out;
}

json::Value addresses(const std::vector<wire::AddressEntry>& entries) {
  json::Value list = json::Value::array();
  for (const auto& e : entries) {
    json::Value v = json::Value::object();
    v.set("address", e.address.to_string());
    v.set("port", static_cast<uint64_t>(e.port));
    v.set("services", e.services);
    v.set("time", static_cast<uint64_t>(e.time));
    list.push_back(std::move(v));
  }
  json::Value out = json::Value::object();
  out.set("count", static_cast<uint64_t>(entries.size()));
  out.set("addresses", std::move(list));
  return out;
}

// One summary per message type; payload-less messages describe as an empty object.
struct Summarize {
  json::Value operator()(const wire::VersionMessage& m) const {
    json::Value v = json::Value::object();
    v.set("version", static_cast<std::int64_t>(m.version));
    v.set("services", m.services);
    v.set("timestamp", m.timestamp);
    v.set("receiver", fmt::format("{}:{}", m.addr_recv.address.to_string(), m.addr_recv.port));
    v.set("nonce", m.nonce);
    v.set("user_agent", m.user_agent);
    v.set("start_height", static_cast<std::int64_t>(m.start_height));
    v.set("relay", m.relay);
    return v;
  }
  json::Value operator()(const wire::PingMessage& m) const { return nonce(m.nonce); }
  json::Value operator()(const wire::PongMessage& m) const { return nonce(m.nonce); }
  // getheaders and getblocks
  json::Value operator()(const wire::LocatorRequest& m) const {
    json::Value v = json::Value::object();
    v.set("version", static_cast<uint64_t>(m.version));
    v.set("locator", hash_list(m.locator));
    v.set("hash_stop", m.hash_stop.to_hex());
    return v;
  }
  json::Value operator()(const wire::HeadersMessage& m) const {
    json::Value list = json::Value::array();
    bool linked = true;
    for (std::size_t i = 0; i < m.headers.size(); ++i) {
      if (i > 0 && m.headers[i].prev_block != wire::block_hash(m.headers[i - 1])) linked = false;
      list.push_back(describe_header(m.headers[i]));
    }
    json::Value v = json::Value::object();
    v.set("count", static_cast<uint64_t>(m.headers.size()));
    v.set("linked", linked);
    v.set("headers", std::move(list));
    return v;
  }
  json::Value operator()(const wire::InvMessage& m) const { return inventory(m.items); }
  json::Value operator()(const wire::GetDataMessage& m) const { return inventory(m.items); }
  json::Value operator()(const wire::NotFoundMessage& m) const { return inventory(m.items); }
  json::Value operator()(const wire::BlockMessage& m) const { return describe_block(m.block).json; }
  json::Value operator()(const wire::SendCmpctMessage& m) const {
    json::Value v = json::Value::object();
    v.set("announce", m.announce);
    v.set("version", m.version);
    return v;
  }
  json::Value operator()(const wire::CmpctBlockMessage& m) const {
    json::Value v = json::Value::object();
    v.set("hash", wire::block_hash(m.header).to_hex());
    v.set("nonce", m.nonce);
    v.set("short_ids", static_cast<uint64_t>(m.short_ids.size()));
    v.set("prefilled", static_cast<uint64_t>(m.prefilled.size()));
    v.set("tx_count", static_cast<uint64_t>(m.block_tx_count()));
    return v;
  }
  json::Value operator()(const wire::GetBlockTxnMessage& m) const {
    json::Value indexes = json::Value::array();
    for (auto i : m.indexes) indexes.push_back(static_cast<uint64_t>(i));
    json::Value v = json::Value::object();
    v.set("block_hash", m.block_hash.to_hex());
    v.set("indexes", std::move(indexes));
    return v;
  }
  json::Value operator()(const wire::BlockTxnMessage& m) const {
    json::Value txs = json::Value::array();
    for (const auto& tx : m.txs) txs.push_back(describe_transaction(tx));
    json::Value v = json::Value::object();
    v.set("block_hash", m.block_hash.to_hex());
    v.set("txs", std::move(txs));
    return v;
  }
  json::Value operator()(const wire::FeeFilterMessage& m) const {
    json::Value v = json::Value::object();
    v.set("fee_rate", m.fee_rate);
    return v;
  }
  json::Value operator()(const wire::AddrMessage& m) const { return addresses(m.entries); }
  json::Value operator()(const wire::AddrV2Message& m) const { return addresses(m.entries); }
  template <class Empty>
  json::Value operator()(const Empty&) const {
    return json::Value::object();
  }

  static json::Value nonce(uint64_t n) {
    json::Value v = json::Value::object();
    v.set("nonce", n);
    return v;
  }
};

bool is_known_command(std::string_view command) {
  for (auto c : wire::kMessageCommands)
    if (c == command) return true;
  return false;
}

} // namespace

Description describe_message(const wire::MessageHeader& header, ByteSpan payload) {
  Description d{json::Value::object(), true};
  json::Value& v = d.json;
  v.set("type", "message");
  v.set("command", header.command);
  v.set("length", static_cast<uint64_t>(header.payload_size));
  v.set("checksum", util::to_hex(header.checksum));
  bool checksum_valid = wire::message_checksum(payload) == header.checksum;
  v.set("checksum_valid", checksum_valid);
  if (!checksum_valid) {
    d.ok = false;
    v.set("error", fmt::format("bad checksum: payload hashes to {}",
                               util::to_hex(wire::message_checksum(payload))));
    return d;
  }
  // We keep no mempool and speak no "tx", but a tx payload is worth showing.
  if (header.command == "tx") {
    auto tx = wire::from_bytes<wire::Transaction>(payload);
    if (tx) {
      v.set("payload", describe_transaction(*tx));
    } else {
      d.ok = false;
      v.set("error", tx.error().message());
    }
    return d;
  }
  if (!is_known_command(header.command)) {
    v.set("known_command", false);
    return d;
  }
  auto message = wire::decode_message(header.command, payload);
  if (!message) {
    d.ok = false;
    v.set("error", message.error().message());
    return d;
  }
  if (const auto* block = std::get_if<wire::BlockMessage>(&*message)) {
    Description b = describe_block(block->block);
    d.ok = b.ok;
    v.set("payload", std::move(b.json));
    return d;
  }
  v.set("payload", std::visit(Summarize{}, *message));
  return d;
}

} // namespace peregrine::node
