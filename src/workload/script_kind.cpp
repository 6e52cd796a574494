#include "workload/script_kind.hpp"

namespace peregrine::workload {
namespace {

// Sizes from the BIPs' script templates.
constexpr std::size_t kOutpointSequence = 36 + 4;
constexpr std::size_t kMaxEcdsaSig = 73; // DER at its longest plus the hash-type byte
constexpr std::size_t kCompressedKey = 33;
constexpr std::size_t kSchnorrSig = 64; // SIGHASH_DEFAULT: no hash-type byte
constexpr std::size_t kNestedProgram = 22; // OP_0 PUSH20 <key hash>
constexpr std::size_t kMultisigScript = 1 + 3 * (1 + kCompressedKey) + 1 + 1; // OP_2 keys OP_3 CHECKMULTISIG

// Bytes of a push of n bytes (n < 76) or a witness item of n bytes (n < 253): one length byte.
constexpr std::size_t item(std::size_t n) { return 1 + n; }

struct KindFacts {
  std::string_view name;
  std::size_t script_pubkey;
  std::size_t script_sig; // the scriptSig's bytes, its length prefix excluded
  std::size_t witness;    // the input's witness bytes with the item count; 0 for none
  unsigned signatures;
  std::int64_t output_sigops;
  std::int64_t input_sigops;
};

constexpr KindFacts facts(ScriptKind kind) {
  switch (kind) {
  case ScriptKind::trivial: return {"trivial", 23, 0, 0, 0, 0, 0};
  case ScriptKind::p2wpkh:
    return {"p2wpkh", 22, 0, 1 + item(kMaxEcdsaSig) + item(kCompressedKey), 1, 0, 1};
  case ScriptKind::p2tr: return {"p2tr", 34, 0, 1 + item(kSchnorrSig), 1, 0, 0};
  case ScriptKind::p2pkh: return {"p2pkh", 25, item(kMaxEcdsaSig) + item(kCompressedKey), 0, 1, 4, 0};
  case ScriptKind::p2sh_p2wpkh:
    return {"p2sh-p2wpkh", 23, item(kNestedProgram), 1 + item(kMaxEcdsaSig) + item(kCompressedKey), 1, 0, 1};
  case ScriptKind::p2wsh_multisig:
    return {"p2wsh-multisig", 34, 0, 1 + item(0) + 2 * item(kMaxEcdsaSig) + item(kMultisigScript), 2, 0, 3};
  }
  return {};
}

} // namespace

std::string_view to_string(ScriptKind kind) { return facts(kind).name; }

std::optional<ScriptKind> parse_script_kind(std::string_view name) {
  for (ScriptKind k : kAllScriptKinds)
    if (facts(k).name == name) return k;
  return std::nullopt;
}

std::size_t script_pubkey_size(ScriptKind kind) { return facts(kind).script_pubkey; }
unsigned signatures_per_spend(ScriptKind kind) { return facts(kind).signatures; }
bool spend_has_witness(ScriptKind kind) { return facts(kind).witness != 0; }

std::size_t max_input_weight(ScriptKind kind) {
  const KindFacts f = facts(kind);
  return 4 * (kOutpointSequence + 1 + f.script_sig) + f.witness;
}

std::size_t output_weight(ScriptKind kind) { return 4 * (8 + 1 + facts(kind).script_pubkey); }

std::int64_t output_sigop_cost(ScriptKind kind) { return facts(kind).output_sigops; }
std::int64_t input_sigop_cost(ScriptKind kind) { return facts(kind).input_sigops; }

} // namespace peregrine::workload
