#include "node/describe.hpp"

#include <fmt/format.h>

#include "wire/merkle.hpp"

namespace peregrine::node {

namespace json = util::json;

json::Value describe_header(const wire::BlockHeader& h) {
  json::Value v = json::Value::object();
  v.set("hash", wire::block_hash(h).to_hex());
  v.set("prev_block", h.prev_block.to_hex());
  v.set("version", static_cast<std::int64_t>(h.version));
  v.set("time", static_cast<std::uint64_t>(h.time));
  v.set("bits", fmt::format("{:08x}", h.bits));
  v.set("nonce", static_cast<std::uint64_t>(h.nonce));
  return v;
}

Description describe_block(const wire::Block& block) {
  Description d{json::Value::object(), true};
  json::Value& v = d.json;
  v.set("type", "block");
  json::Value header = describe_header(block.header); // named: the loop must not outlive it
  for (auto& [key, value] : *header.as_object()) v.set(key, std::move(value));
  v.set("size", static_cast<std::uint64_t>(wire::serialized_size(block)));
  v.set("stripped_size",
        static_cast<std::uint64_t>(wire::serialized_size(block, wire::TxEncoding::without_witness)));
  v.set("weight", static_cast<std::uint64_t>(wire::weight(block)));
  v.set("tx_count", static_cast<std::uint64_t>(block.txs.size()));

  auto root = wire::block_merkle_root(block);
  bool root_valid = root.root == block.header.merkle_root;
  v.set("merkle_root", root.root.to_hex());
  v.set("merkle_root_valid", root_valid);
  v.set("merkle_mutated", root.mutated);

  auto commitment = wire::check_witness_commitment(block);
  v.set("witness_commitment", std::string(wire::to_string(commitment)));
  d.ok = root_valid && !root.mutated &&
         (commitment == wire::WitnessCommitment::valid || commitment == wire::WitnessCommitment::absent);
  return d;
}

json::Value describe_transaction(const wire::Transaction& tx) {
  json::Value v = json::Value::object();
  v.set("type", "tx");
  v.set("txid", wire::txid(tx).to_hex());
  v.set("wtxid", wire::wtxid(tx).to_hex());
  std::size_t weight = wire::weight(tx);
  v.set("size", static_cast<std::uint64_t>(wire::serialized_size(tx)));
  v.set("vsize", static_cast<std::uint64_t>((weight + 3) / 4));
  v.set("weight", static_cast<std::uint64_t>(weight));
  v.set("version", static_cast<std::uint64_t>(tx.version));
  v.set("lock_time", static_cast<std::uint64_t>(tx.lock_time));
  v.set("inputs", static_cast<std::uint64_t>(tx.inputs.size()));
  v.set("outputs", static_cast<std::uint64_t>(tx.outputs.size()));
  v.set("segwit", tx.has_witness());
  v.set("coinbase", tx.is_coinbase());
  return v;
}

} // namespace peregrine::node
