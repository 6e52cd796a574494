#pragma once
// A script as Bitcoin Core's RPC shows it in "asm" (ScriptToAsmStr): pushes of up to 4 bytes as
// the decimal script number they encode ("0" for an empty push), longer pushes as hex, OP_1..OP_16
// and OP_1NEGATE as "1".."16" and "-1", other opcodes by name ("OP_UNKNOWN" for unnamed ones),
// separated by single spaces. A push running past the end adds "[error]" and stops.
#include <string>

#include "util/bytes.hpp"

namespace peregrine::consensus {

// With decode_sighash (Core does this for scriptSigs only), a push that is a strictly encoded
// signature with a defined hash type is shown without its last byte, followed by the hash type's
// name in brackets: "3045...01" -> "3045...[ALL]". Never done in a script starting with OP_RETURN.
std::string script_to_asm(ByteSpan script, bool decode_sighash = false);

} // namespace peregrine::consensus
