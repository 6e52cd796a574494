#include "consensus/script/opcodes.hpp"

#include <array>
#include <iterator>

namespace peregrine::consensus {
namespace {

constexpr std::array<std::string_view, 256> make_names() {
  std::array<std::string_view, 256> n{};
  for (auto& name : n) name = "OP_UNKNOWN";
  n[OP_0] = "OP_0";
  n[OP_PUSHDATA1] = "OP_PUSHDATA1";
  n[OP_PUSHDATA2] = "OP_PUSHDATA2";
  n[OP_PUSHDATA4] = "OP_PUSHDATA4";
  n[OP_1NEGATE] = "OP_1NEGATE";
  n[OP_RESERVED] = "OP_RESERVED";
  constexpr std::string_view small[] = {"OP_1",  "OP_2",  "OP_3",  "OP_4",  "OP_5",  "OP_6",
                                        "OP_7",  "OP_8",  "OP_9",  "OP_10", "OP_11", "OP_12",
                                        "OP_13", "OP_14", "OP_15", "OP_16"};
  for (int i = 0; i < 16; ++i) n[OP_1 + i] = small[i];
  constexpr std::string_view rest[] = {"OP_NOP",
                                       "OP_VER",
                                       "OP_IF",
                                       "OP_NOTIF",
                                       "OP_VERIF",
                                       "OP_VERNOTIF",
                                       "OP_ELSE",
                                       "OP_ENDIF",
                                       "OP_VERIFY",
                                       "OP_RETURN",
                                       "OP_TOALTSTACK",
                                       "OP_FROMALTSTACK",
                                       "OP_2DROP",
                                       "OP_2DUP",
                                       "OP_3DUP",
                                       "OP_2OVER",
                                       "OP_2ROT",
                                       "OP_2SWAP",
                                       "OP_IFDUP",
                                       "OP_DEPTH",
                                       "OP_DROP",
                                       "OP_DUP",
                                       "OP_NIP",
                                       "OP_OVER",
                                       "OP_PICK",
                                       "OP_ROLL",
                                       "OP_ROT",
                                       "OP_SWAP",
                                       "OP_TUCK",
                                       "OP_CAT",
                                       "OP_SUBSTR",
                                       "OP_LEFT",
                                       "OP_RIGHT",
                                       "OP_SIZE",
                                       "OP_INVERT",
                                       "OP_AND",
                                       "OP_OR",
                                       "OP_XOR",
                                       "OP_EQUAL",
                                       "OP_EQUALVERIFY",
                                       "OP_RESERVED1",
                                       "OP_RESERVED2",
                                       "OP_1ADD",
                                       "OP_1SUB",
                                       "OP_2MUL",
                                       "OP_2DIV",
                                       "OP_NEGATE",
                                       "OP_ABS",
                                       "OP_NOT",
                                       "OP_0NOTEQUAL",
                                       "OP_ADD",
                                       "OP_SUB",
                                       "OP_MUL",
                                       "OP_DIV",
                                       "OP_MOD",
                                       "OP_LSHIFT",
                                       "OP_RSHIFT",
                                       "OP_BOOLAND",
                                       "OP_BOOLOR",
                                       "OP_NUMEQUAL",
                                       "OP_NUMEQUALVERIFY",
                                       "OP_NUMNOTEQUAL",
                                       "OP_LESSTHAN",
                                       "OP_GREATERTHAN",
                                       "OP_LESSTHANOREQUAL",
                                       "OP_GREATERTHANOREQUAL",
                                       "OP_MIN",
                                       "OP_MAX",
                                       "OP_WITHIN",
                                       "OP_RIPEMD160",
                                       "OP_SHA1",
                                       "OP_SHA256",
                                       "OP_HASH160",
                                       "OP_HASH256",
                                       "OP_CODESEPARATOR",
                                       "OP_CHECKSIG",
                                       "OP_CHECKSIGVERIFY",
                                       "OP_CHECKMULTISIG",
                                       "OP_CHECKMULTISIGVERIFY",
                                       "OP_NOP1",
                                       "OP_CHECKLOCKTIMEVERIFY",
                                       "OP_CHECKSEQUENCEVERIFY",
                                       "OP_NOP4",
                                       "OP_NOP5",
                                       "OP_NOP6",
                                       "OP_NOP7",
                                       "OP_NOP8",
                                       "OP_NOP9",
                                       "OP_NOP10",
                                       "OP_CHECKSIGADD"};
  static_assert(std::size(rest) == OP_CHECKSIGADD - OP_NOP + 1);
  int op = OP_NOP;
  for (auto name : rest) n[op++] = name;
  n[OP_INVALIDOPCODE] = "OP_INVALIDOPCODE";
  return n;
}

constexpr auto kNames = make_names();

} // namespace

std::optional<int> small_int_value(std::uint8_t opcode) {
  if (opcode == OP_0) return 0;
  if (opcode >= OP_1 && opcode <= OP_16) return opcode - OP_1 + 1;
  return std::nullopt;
}

bool is_disabled_opcode(std::uint8_t opcode) {
  // clang-format off
  switch (opcode) {
  case OP_CAT: case OP_SUBSTR: case OP_LEFT: case OP_RIGHT: case OP_INVERT: case OP_AND:
  case OP_OR: case OP_XOR: case OP_2MUL: case OP_2DIV: case OP_MUL: case OP_DIV: case OP_MOD:
  case OP_LSHIFT: case OP_RSHIFT:
    return true;
  default:
    return false;
  }
  // clang-format on
}

bool is_op_success(std::uint8_t opcode) {
  return opcode == 80 || opcode == 98 || (opcode >= 126 && opcode <= 129) ||
         (opcode >= 131 && opcode <= 134) || (opcode >= 137 && opcode <= 138) ||
         (opcode >= 141 && opcode <= 142) || (opcode >= 149 && opcode <= 153) ||
         (opcode >= 187 && opcode <= 254);
}

std::string_view opcode_name(std::uint8_t opcode) { return kNames[opcode]; }

} // namespace peregrine::consensus
