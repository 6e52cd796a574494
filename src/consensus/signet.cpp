#include "consensus/signet.hpp"

#include <algorithm>

#include "consensus/script/opcodes.hpp"
#include "consensus/script/precomputed_tx.hpp"
#include "consensus/script/script_reader.hpp"
#include "consensus/script/signature_checker.hpp"
#include "consensus/script/verify_script.hpp"
#include "crypto/sha256.hpp"
#include "wire/compact_size.hpp"
#include "wire/merkle.hpp"

namespace peregrine::consensus {
namespace {

// The flags Core verifies a signet solution with: fixed, not the height's block flags.
constexpr ScriptFlags kSignetFlags = verify::p2sh | verify::witness | verify::dersig | verify::nulldummy;

// A push of data in the shortest form that names its length (Core's CScript << bytes; it never
// uses OP_1..OP_16 for data, so neither may the rebuilt commitment).
void append_push(Bytes& script, ByteSpan data) {
  const std::size_t n = data.size();
  if (n < OP_PUSHDATA1) {
    script.push_back(static_cast<std::uint8_t>(n));
  } else if (n <= 0xff) {
    script.push_back(OP_PUSHDATA1);
    script.push_back(static_cast<std::uint8_t>(n));
  } else if (n <= 0xffff) {
    script.push_back(OP_PUSHDATA2);
    for (int i = 0; i < 2; ++i) script.push_back(static_cast<std::uint8_t>(n >> (8 * i)));
  } else {
    script.push_back(OP_PUSHDATA4);
    for (int i = 0; i < 4; ++i) script.push_back(static_cast<std::uint8_t>(n >> (8 * i)));
  }
  script.insert(script.end(), data.begin(), data.end());
}

// Finds the first push that starts with the signet header and has data after it; returns that
// data and rewrites the commitment script with the push cut down to the bare header. As Core
// rebuilds the script instruction by instruction, a truncated push ends the rebuilt script and an
// empty push keeps only its opcode. The script is untouched when no solution is found.
std::optional<Bytes> take_solution(Bytes& commitment_script) {
  Bytes rebuilt;
  rebuilt.reserve(commitment_script.size());
  std::optional<Bytes> solution;
  ScriptReader reader(commitment_script);
  Instruction ins;
  while (reader.next(ins)) {
    if (ins.data.empty()) {
      rebuilt.push_back(ins.opcode);
      continue;
    }
    ByteSpan data = ins.data;
    if (!solution && data.size() > kSignetHeader.size() &&
        std::equal(kSignetHeader.begin(), kSignetHeader.end(), data.begin())) {
      solution.emplace(data.begin() + kSignetHeader.size(), data.end());
      data = data.first(kSignetHeader.size());
    }
    append_push(rebuilt, data);
  }
  if (solution) commitment_script = std::move(rebuilt);
  return solution;
}

// The solution: a scriptSig (CompactSize-prefixed) then a witness stack, and nothing after.
bool parse_solution(ByteSpan solution, wire::TxIn& input) {
  wire::Reader r(solution);
  input.script_sig = wire::read_var_bytes(r, "signet.script_sig");
  const std::uint64_t count = wire::read_compact_size(r, "signet.witness_count");
  input.witness.reserve(r.reservable(count, 1));
  for (std::uint64_t i = 0; i < count && r.ok(); ++i) input.witness.push_back(wire::read_var_bytes(r, "signet.witness_item"));
  return r.ok() && r.at_end();
}

std::unexpected<SignetFailure> fail(SignetError error, std::optional<ScriptError> script = std::nullopt) {
  return std::unexpected(SignetFailure{error, script});
}

} // namespace

std::string_view to_string(SignetError error) {
  switch (error) {
  case SignetError::no_commitment: return "no witness commitment to hold a signet solution";
  case SignetError::bad_encoding: return "signet solution does not parse";
  case SignetError::no_solution: return "no signet solution";
  case SignetError::script_failed: return "signet solution does not satisfy the challenge";
  }
  return "unknown";
}

std::expected<SignetTxs, SignetFailure> make_signet_txs(const wire::Block& block, ByteSpan challenge,
                                                        std::span<const Hash256> txids) {
  const auto index = wire::witness_commitment_index(block);
  if (!index) return fail(SignetError::no_commitment);

  SignetTxs txs;
  wire::Transaction coinbase = block.txs[0];
  wire::TxIn spend_in;
  spend_in.sequence = 0;
  if (auto solution = take_solution(coinbase.outputs[*index].script_pubkey)) {
    txs.has_solution = true;
    if (!parse_solution(*solution, spend_in)) return fail(SignetError::bad_encoding);
  }

  // The merkle root with the solution removed: only the coinbase's txid changes.
  std::vector<Hash256> leaves;
  leaves.reserve(block.txs.size());
  leaves.push_back(wire::txid(coinbase));
  const bool have_txids = txids.size() == block.txs.size();
  for (std::size_t i = 1; i < block.txs.size(); ++i) leaves.push_back(have_txids ? txids[i] : wire::txid(block.txs[i]));
  const Hash256 signet_root = wire::merkle_root(std::move(leaves)).root;

  // block_data: nVersion, hashPrevBlock, the signet merkle root, nTime (72 bytes, no bits or nonce).
  Bytes block_data;
  wire::Writer w(block_data);
  w.i32_le(block.header.version);
  w.hash(block.header.prev_block);
  w.hash(signet_root);
  w.u32_le(block.header.time);

  wire::Transaction& to_spend = txs.to_spend;
  to_spend.version = 0;
  to_spend.lock_time = 0;
  wire::TxIn in;
  in.prevout = {Hash256{}, wire::OutPoint::kNullIndex};
  in.sequence = 0;
  in.script_sig.push_back(OP_0);
  append_push(in.script_sig, block_data);
  to_spend.inputs.push_back(std::move(in));
  to_spend.outputs.push_back({0, Bytes(challenge.begin(), challenge.end())});

  wire::Transaction& to_sign = txs.to_sign;
  to_sign.version = 0;
  to_sign.lock_time = 0;
  spend_in.prevout = {wire::txid(to_spend), 0};
  to_sign.inputs.push_back(std::move(spend_in));
  to_sign.outputs.push_back({0, Bytes{OP_RETURN}});
  return txs;
}

std::expected<void, SignetFailure> check_signet_solution(const wire::Block& block, ByteSpan challenge,
                                                         const Hash256& genesis_hash,
                                                         std::span<const Hash256> txids) {
  if (wire::block_hash(block.header) == genesis_hash) return {};
  auto txs = make_signet_txs(block, challenge, txids);
  if (!txs) return std::unexpected(txs.error());
  const PrecomputedTx prepared(txs->to_sign, txs->to_spend.outputs);
  const TransactionChecker checker(prepared, 0);
  const wire::TxIn& in = txs->to_sign.inputs[0];
  auto verified = verify_script(in.script_sig, challenge, in.witness, kSignetFlags, checker);
  if (!verified) return fail(txs->has_solution ? SignetError::script_failed : SignetError::no_solution, verified.error());
  return {};
}

std::array<std::uint8_t, 4> signet_message_start(ByteSpan challenge) {
  Bytes pushed;
  wire::Writer w(pushed);
  wire::write_var_bytes(w, challenge);
  const Hash256 hash = crypto::sha256d(pushed);
  return {hash.bytes[0], hash.bytes[1], hash.bytes[2], hash.bytes[3]};
}

} // namespace peregrine::consensus
