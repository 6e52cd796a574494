#include "consensus/script/script_flags.hpp"

#include <array>

namespace peregrine::consensus {
namespace {

struct Named {
  std::string_view name;
  ScriptFlags bit;
};

constexpr std::array<Named, 21> kFlags = {{
    {"P2SH", verify::p2sh},
    {"STRICTENC", verify::strictenc},
    {"DERSIG", verify::dersig},
    {"LOW_S", verify::low_s},
    {"NULLDUMMY", verify::nulldummy},
    {"SIGPUSHONLY", verify::sigpushonly},
    {"MINIMALDATA", verify::minimaldata},
    {"DISCOURAGE_UPGRADABLE_NOPS", verify::discourage_upgradable_nops},
    {"CLEANSTACK", verify::cleanstack},
    {"CHECKLOCKTIMEVERIFY", verify::checklocktimeverify},
    {"CHECKSEQUENCEVERIFY", verify::checksequenceverify},
    {"WITNESS", verify::witness},
    {"DISCOURAGE_UPGRADABLE_WITNESS_PROGRAM", verify::discourage_upgradable_witness_program},
    {"MINIMALIF", verify::minimalif},
    {"NULLFAIL", verify::nullfail},
    {"WITNESS_PUBKEYTYPE", verify::witness_pubkeytype},
    {"CONST_SCRIPTCODE", verify::const_scriptcode},
    {"TAPROOT", verify::taproot},
    {"DISCOURAGE_UPGRADABLE_TAPROOT_VERSION", verify::discourage_upgradable_taproot_version},
    {"DISCOURAGE_OP_SUCCESS", verify::discourage_op_success},
    {"DISCOURAGE_UPGRADABLE_PUBKEYTYPE", verify::discourage_upgradable_pubkeytype},
}};

} // namespace

bool is_valid_flag_combination(ScriptFlags flags) {
  if ((flags & verify::cleanstack) && (~flags & (verify::p2sh | verify::witness))) return false;
  if ((flags & verify::witness) && (~flags & verify::p2sh)) return false;
  return true;
}

std::expected<ScriptFlags, std::string> parse_script_flags(std::string_view names) {
  ScriptFlags flags = verify::none;
  if (names.empty()) return flags;
  std::size_t start = 0;
  for (;;) {
    std::size_t comma = names.find(',', start);
    std::string_view word =
        names.substr(start, comma == std::string_view::npos ? comma : comma - start);
    if (word != "NONE") {
      bool found = false;
      for (const auto& f : kFlags) {
        if (f.name == word) {
          flags |= f.bit;
          found = true;
          break;
        }
      }
      if (!found) return std::unexpected("unknown script flag '" + std::string(word) + "'");
    }
    if (comma == std::string_view::npos) break;
    start = comma + 1;
  }
  return flags;
}

std::string format_script_flags(ScriptFlags flags) {
  std::string out;
  for (const auto& f : kFlags) {
    if (!(flags & f.bit)) continue;
    if (!out.empty()) out += ',';
    out += f.name;
  }
  return out.empty() ? "NONE" : out;
}

std::string_view script_flag_name(ScriptFlags bit) {
  for (const auto& f : kFlags)
    if (f.bit == bit) return f.name;
  return {};
}

} // namespace peregrine::consensus
