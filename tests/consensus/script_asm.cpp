#include "script_asm.hpp"

#include <algorithm>
#include <cctype>
#include <charconv>
#include <map>

#include "consensus/script/opcodes.hpp"
#include "consensus/script/script_num.hpp"
#include "consensus/script/script_pattern.hpp"
#include "util/hex.hpp"

namespace peregrine::test {
namespace {

using namespace peregrine::consensus;

const std::map<std::string, std::uint8_t, std::less<>>& opcode_names() {
  static const auto names = [] {
    std::map<std::string, std::uint8_t, std::less<>> m;
    for (int op = 0; op <= OP_CHECKSIGADD; ++op) {
      // Push opcodes are written as data or numbers, except OP_RESERVED.
      if (op < OP_NOP && op != OP_RESERVED) continue;
      std::string name(opcode_name(static_cast<std::uint8_t>(op)));
      if (name == "OP_UNKNOWN") continue;
      m[name] = static_cast<std::uint8_t>(op);
      m[name.substr(3)] = static_cast<std::uint8_t>(op);
    }
    return m;
  }();
  return names;
}

bool all_digits(std::string_view s) {
  return !s.empty() && std::all_of(s.begin(), s.end(), [](char c) { return c >= '0' && c <= '9'; });
}

void push_number(Bytes& out, std::int64_t n) {
  if (n == -1 || (n >= 1 && n <= 16)) {
    out.push_back(static_cast<std::uint8_t>(n + (OP_1 - 1)));
  } else if (n == 0) {
    out.push_back(OP_0);
  } else {
    encode_push(encode_script_num(n).span(), out);
  }
}

} // namespace

std::expected<Bytes, std::string> parse_script_asm(std::string_view text) {
  Bytes out;
  std::size_t pos = 0;
  while (pos < text.size()) {
    if (std::isspace(static_cast<unsigned char>(text[pos]))) {
      ++pos;
      continue;
    }
    std::size_t end = pos;
    while (end < text.size() && !std::isspace(static_cast<unsigned char>(text[end]))) ++end;
    std::string_view w = text.substr(pos, end - pos);
    pos = end;
    if (all_digits(w) || (w.size() > 1 && w[0] == '-' && all_digits(w.substr(1)))) {
      std::int64_t n = 0;
      auto [ptr, ec] = std::from_chars(w.data(), w.data() + w.size(), n);
      if (ec != std::errc() || n > 0xffffffffLL || n < -0xffffffffLL)
        return std::unexpected("number out of range: " + std::string(w));
      push_number(out, n);
    } else if (w.size() > 2 && w.starts_with("0x")) {
      auto bytes = util::from_hex(w.substr(2));
      if (!bytes) return std::unexpected("bad hex: " + std::string(w));
      out.insert(out.end(), bytes->begin(), bytes->end());
    } else if (w.size() >= 2 && w.front() == '\'' && w.back() == '\'') {
      std::string_view s = w.substr(1, w.size() - 2);
      encode_push(ByteSpan(reinterpret_cast<const std::uint8_t*>(s.data()), s.size()), out);
    } else if (auto it = opcode_names().find(w); it != opcode_names().end()) {
      out.push_back(it->second);
    } else {
      return std::unexpected("unknown word: " + std::string(w));
    }
  }
  return out;
}

std::expected<std::int64_t, std::string> btc_to_satoshis(std::string_view lexeme) {
  // digits[.digits][e[+-]digits]: value = mantissa * 10^(exp - fraction digits), in units of 1e-8.
  std::string mantissa;
  int exponent = 0;
  std::size_t i = 0;
  for (; i < lexeme.size() && std::isdigit(static_cast<unsigned char>(lexeme[i])); ++i)
    mantissa += lexeme[i];
  if (i < lexeme.size() && lexeme[i] == '.') {
    for (++i; i < lexeme.size() && std::isdigit(static_cast<unsigned char>(lexeme[i])); ++i) {
      mantissa += lexeme[i];
      --exponent;
    }
  }
  if (i < lexeme.size() && (lexeme[i] == 'e' || lexeme[i] == 'E')) {
    int e = 0;
    std::size_t from = i + 1;
    if (from < lexeme.size() && lexeme[from] == '+') ++from;
    auto [ptr, ec] = std::from_chars(lexeme.data() + from, lexeme.data() + lexeme.size(), e);
    if (ec != std::errc() || ptr != lexeme.data() + lexeme.size())
      return std::unexpected("bad amount");
    exponent += e;
    i = lexeme.size();
  }
  if (i != lexeme.size() || mantissa.empty())
    return std::unexpected("bad amount: " + std::string(lexeme));
  exponent += 8; // BTC to satoshis
  while (exponent < 0) {
    if (mantissa.back() != '0') return std::unexpected("amount below one satoshi");
    mantissa.pop_back();
    ++exponent;
    if (mantissa.empty()) mantissa = "0";
  }
  mantissa.append(static_cast<std::size_t>(exponent), '0');
  std::int64_t sats = 0;
  auto [ptr, ec] = std::from_chars(mantissa.data(), mantissa.data() + mantissa.size(), sats);
  if (ec != std::errc()) return std::unexpected("amount out of range");
  return sats;
}

wire::Transaction crediting_tx(const Bytes& script_pubkey, std::int64_t amount) {
  wire::Transaction tx;
  tx.version = 1;
  wire::TxIn in;
  in.prevout.index = wire::OutPoint::kNullIndex;
  in.script_sig = {OP_0, OP_0};
  in.sequence = 0xffffffff;
  tx.inputs.push_back(in);
  tx.outputs.push_back({amount, script_pubkey});
  return tx;
}

wire::Transaction spending_tx(const wire::Transaction& credit, const Bytes& script_sig,
                              const std::vector<Bytes>& witness) {
  wire::Transaction tx;
  tx.version = 1;
  wire::TxIn in;
  in.prevout.txid = wire::txid(credit);
  in.prevout.index = 0;
  in.script_sig = script_sig;
  in.witness = witness;
  in.sequence = 0xffffffff;
  tx.inputs.push_back(in);
  tx.outputs.push_back({credit.outputs[0].value, {}});
  return tx;
}

} // namespace peregrine::test
