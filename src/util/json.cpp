#include "util/json.hpp"

#include <algorithm>
#include <charconv>
#include <cmath>
#include <limits>
#include <new>
#include <system_error>
#include <tuple>

namespace peregrine::util::json {
namespace {

bool is_digit(char c) { return c >= '0' && c <= '9'; }
bool is_ws(char c) { return c == ' ' || c == '\n' || c == '\r' || c == '\t'; }

// Length of the well-formed UTF-8 sequence starting at p (which holds a byte >= 0x80), or 0 when
// it is ill-formed: overlong, a UTF-16 surrogate, above U+10FFFF or truncated (RFC 3629).
std::size_t utf8_sequence_length(const char* p, const char* end) {
  auto byte = [&](std::size_t i) { return static_cast<unsigned char>(p[i]); };
  auto avail = static_cast<std::size_t>(end - p);
  unsigned char b0 = byte(0);
  std::size_t len;
  unsigned char lo = 0x80, hi = 0xbf; // allowed range of the second byte
  if (b0 >= 0xc2 && b0 <= 0xdf) {
    len = 2;
  } else if (b0 >= 0xe0 && b0 <= 0xef) {
    len = 3;
    if (b0 == 0xe0) lo = 0xa0; // overlong
    if (b0 == 0xed) hi = 0x9f; // surrogates
  } else if (b0 >= 0xf0 && b0 <= 0xf4) {
    len = 4;
    if (b0 == 0xf0) lo = 0x90; // overlong
    if (b0 == 0xf4) hi = 0x8f; // above U+10FFFF
  } else {
    return 0; // continuation byte, overlong lead byte C0/C1 or F5..FF
  }
  if (avail < len) return 0;
  if (byte(1) < lo || byte(1) > hi) return 0;
  for (std::size_t i = 2; i < len; ++i)
    if ((byte(i) & 0xc0) != 0x80) return 0;
  return len;
}

void append_utf8(std::string& out, std::uint32_t cp) {
  if (cp < 0x80) {
    out += static_cast<char>(cp);
  } else if (cp < 0x800) {
    out += static_cast<char>(0xc0 | (cp >> 6));
    out += static_cast<char>(0x80 | (cp & 0x3f));
  } else if (cp < 0x10000) {
    out += static_cast<char>(0xe0 | (cp >> 12));
    out += static_cast<char>(0x80 | ((cp >> 6) & 0x3f));
    out += static_cast<char>(0x80 | (cp & 0x3f));
  } else {
    out += static_cast<char>(0xf0 | (cp >> 18));
    out += static_cast<char>(0x80 | ((cp >> 12) & 0x3f));
    out += static_cast<char>(0x80 | ((cp >> 6) & 0x3f));
    out += static_cast<char>(0x80 | (cp & 0x3f));
  }
}

int hex_value(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

// The RFC 8259 number grammar. Returns the end of the number, or sets `error` and returns the
// position of the offending byte.
const char* scan_number(const char* p, const char* end, const char*& error) {
  error = nullptr;
  if (p < end && *p == '-') ++p;
  if (p == end || !is_digit(*p)) {
    error = "expected digit in number";
    return p;
  }
  if (*p == '0') {
    ++p;
    if (p < end && is_digit(*p)) {
      error = "leading zero in number";
      return p;
    }
  } else {
    while (p < end && is_digit(*p)) ++p;
  }
  if (p < end && *p == '.') {
    ++p;
    if (p == end || !is_digit(*p)) {
      error = "expected digit after decimal point";
      return p;
    }
    while (p < end && is_digit(*p)) ++p;
  }
  if (p < end && (*p == 'e' || *p == 'E')) {
    ++p;
    if (p < end && (*p == '+' || *p == '-')) ++p;
    if (p == end || !is_digit(*p)) {
      error = "expected digit in exponent";
      return p;
    }
    while (p < end && is_digit(*p)) ++p;
  }
  return p;
}

bool is_integral_lexeme(const std::string& s) {
  return s.find_first_of(".eE") == std::string::npos;
}

// Decimal exponent of the leading significant digit of a valid lexeme (1e3 -> 3, 0.05 -> -2),
// saturating; only used to tell overflow from underflow when from_chars reports out of range.
long long decimal_magnitude(std::string_view s) {
  std::size_t i = (s[0] == '-') ? 1 : 0;
  std::size_t int_start = i;
  while (i < s.size() && is_digit(s[i])) ++i;
  std::size_t int_end = i;
  long long magnitude = 0;
  bool found = false;
  for (std::size_t k = int_start; k < int_end; ++k) {
    if (s[k] != '0') {
      magnitude = static_cast<long long>(int_end - k) - 1;
      found = true;
      break;
    }
  }
  if (i < s.size() && s[i] == '.') {
    ++i;
    std::size_t frac_start = i;
    while (i < s.size() && is_digit(s[i])) {
      if (!found && s[i] != '0') {
        magnitude = -static_cast<long long>(i - frac_start) - 1;
        found = true;
      }
      ++i;
    }
  }
  long long exponent = 0;
  if (i < s.size() && (s[i] == 'e' || s[i] == 'E')) {
    ++i;
    bool negative = false;
    if (s[i] == '+' || s[i] == '-') negative = s[i++] == '-';
    constexpr long long kCap = 1'000'000'000'000LL;
    for (; i < s.size(); ++i) exponent = std::min(kCap, exponent * 10 + (s[i] - '0'));
    if (negative) exponent = -exponent;
  }
  return magnitude + exponent;
}

} // namespace

// ---------------------------------------------------------------------------------------------
// Value

Value::Value(double d) {
  if (!std::isfinite(d)) return; // stays null
  char buf[32];
  auto res = std::to_chars(buf, buf + sizeof buf, d);
  data_ = Number{std::string(buf, res.ptr)};
}

Value::Number Value::from_signed(long long v) {
  char buf[24];
  auto res = std::to_chars(buf, buf + sizeof buf, v);
  return Number{std::string(buf, res.ptr)};
}

Value::Number Value::from_unsigned(unsigned long long v) {
  char buf[24];
  auto res = std::to_chars(buf, buf + sizeof buf, v);
  return Number{std::string(buf, res.ptr)};
}

std::optional<Value> Value::number_from_lexeme(std::string_view lexeme) {
  const char* error = nullptr;
  const char* end = scan_number(lexeme.data(), lexeme.data() + lexeme.size(), error);
  if (error || end != lexeme.data() + lexeme.size()) return std::nullopt;
  return Value(Number{std::string(lexeme)});
}

std::optional<bool> Value::as_bool() const {
  if (auto* b = std::get_if<bool>(&data_)) return *b;
  return std::nullopt;
}

std::optional<std::int64_t> Value::as_int64() const {
  auto* n = std::get_if<Number>(&data_);
  if (!n || !is_integral_lexeme(n->lexeme)) return std::nullopt;
  std::int64_t v = 0;
  const std::string& s = n->lexeme;
  auto res = std::from_chars(s.data(), s.data() + s.size(), v);
  if (res.ec != std::errc{} || res.ptr != s.data() + s.size()) return std::nullopt;
  return v;
}

std::optional<std::uint64_t> Value::as_uint64() const {
  auto* n = std::get_if<Number>(&data_);
  if (!n || !is_integral_lexeme(n->lexeme)) return std::nullopt;
  const std::string& s = n->lexeme;
  if (s == "-0") return 0; // the only negative integral lexeme that is in range
  std::uint64_t v = 0;
  auto res = std::from_chars(s.data(), s.data() + s.size(), v);
  if (res.ec != std::errc{} || res.ptr != s.data() + s.size()) return std::nullopt;
  return v;
}

std::optional<double> Value::as_double() const {
  auto* n = std::get_if<Number>(&data_);
  if (!n) return std::nullopt;
  const std::string& s = n->lexeme;
  double v = 0;
  auto res = std::from_chars(s.data(), s.data() + s.size(), v);
  if (res.ec == std::errc::result_out_of_range) {
    // from_chars leaves v untouched here; tiny values round to zero, huge ones do not fit.
    if (decimal_magnitude(s) >= 0) return std::nullopt;
    return s[0] == '-' ? -0.0 : 0.0;
  }
  if (res.ec != std::errc{} || res.ptr != s.data() + s.size()) return std::nullopt;
  return v;
}

const std::string* Value::number_lexeme() const {
  auto* n = std::get_if<Number>(&data_);
  return n ? &n->lexeme : nullptr;
}

const std::string* Value::as_string() const { return std::get_if<std::string>(&data_); }

const Value* Value::find(std::string_view key) const {
  auto* members = as_object();
  if (!members) return nullptr;
  for (const auto& [k, v] : *members)
    if (k == key) return &v;
  return nullptr;
}

Value* Value::find(std::string_view key) {
  return const_cast<Value*>(static_cast<const Value*>(this)->find(key));
}

void Value::push_back(Value v) {
  if (!is_array()) data_ = Array{};
  std::get<Array>(data_).push_back(std::move(v));
}

Value& Value::set(std::string key, Value v) {
  if (!is_object()) data_ = Object{};
  if (Value* existing = find(key)) {
    *existing = std::move(v);
    return *existing;
  }
  auto& members = std::get<Object>(data_);
  return members.emplace_back(std::move(key), std::move(v)).second;
}

bool operator==(const Value& a, const Value& b) { return a.data_ == b.data_; }

// ---------------------------------------------------------------------------------------------
// Parser: recursive descent over raw pointers; every error records the offset and stops.

class Parser {
 public:
  Parser(std::string_view text, ParseLimits limits)
      : begin_(text.data()), p_(text.data()), end_(text.data() + text.size()), limits_(limits) {}

  std::expected<Value, ParseError> run() {
    Value root;
    skip_ws();
    if (!parse_value(root, 0)) return std::unexpected(std::move(error_));
    skip_ws();
    if (p_ != end_) {
      fail(p_, "unexpected data after the JSON value");
      return std::unexpected(std::move(error_));
    }
    return root;
  }

 private:
  bool fail(const char* where, const char* message) {
    error_.offset = static_cast<std::size_t>(where - begin_);
    error_.message = message;
    return false;
  }

  void skip_ws() {
    while (p_ < end_ && is_ws(*p_)) ++p_;
  }

  bool parse_value(Value& out, std::size_t depth) {
    if (p_ == end_) return fail(p_, "unexpected end of input, expected a value");
    switch (*p_) {
      case '{':
        return parse_object(out, depth + 1);
      case '[':
        return parse_array(out, depth + 1);
      case '"': {
        std::string s;
        if (!parse_string(s)) return false;
        out.data_ = std::move(s);
        return true;
      }
      case 't':
        return parse_literal("true", out, Value(true));
      case 'f':
        return parse_literal("false", out, Value(false));
      case 'n':
        return parse_literal("null", out, Value());
      default:
        if (*p_ == '-' || is_digit(*p_)) return parse_number(out);
        return fail(p_, "unexpected character, expected a value");
    }
  }

  bool parse_literal(std::string_view word, Value& out, Value value) {
    auto avail = static_cast<std::size_t>(end_ - p_);
    for (std::size_t i = 0; i < word.size(); ++i) {
      if (i >= avail) return fail(p_ + i, "unexpected end of input in literal");
      if (p_[i] != word[i]) return fail(p_ + i, "invalid literal");
    }
    p_ += word.size();
    out = std::move(value);
    return true;
  }

  bool parse_number(Value& out) {
    const char* start = p_;
    const char* error = nullptr;
    const char* stop = scan_number(p_, end_, error);
    if (error) return fail(stop, error);
    p_ = stop;
    out.data_ = Value::Number{std::string(start, stop)};
    return true;
  }

  bool enter(std::size_t depth) {
    if (depth > limits_.max_depth) return fail(p_, "nesting deeper than the depth limit");
    return true;
  }

  bool parse_array(Value& out, std::size_t depth) {
    if (!enter(depth)) return false;
    ++p_; // '['
    out.data_ = Value::Array{};
    auto& items = std::get<Value::Array>(out.data_);
    skip_ws();
    if (p_ < end_ && *p_ == ']') {
      ++p_;
      return true;
    }
    while (true) {
      // Parse in place: `items` does not change while the element is being filled.
      if (!parse_value(items.emplace_back(), depth)) return false;
      skip_ws();
      if (p_ == end_) return fail(p_, "unexpected end of input in array");
      if (*p_ == ']') {
        ++p_;
        return true;
      }
      if (*p_ != ',') return fail(p_, "expected ',' or ']' in array");
      ++p_;
      skip_ws();
      if (p_ < end_ && *p_ == ']') return fail(p_, "trailing comma in array");
    }
  }

  bool parse_object(Value& out, std::size_t depth) {
    if (!enter(depth)) return false;
    ++p_; // '{'
    out.data_ = Value::Object{};
    auto& members = std::get<Value::Object>(out.data_);
    skip_ws();
    if (p_ < end_ && *p_ == '}') {
      ++p_;
      return true;
    }
    while (true) {
      if (p_ == end_) return fail(p_, "unexpected end of input in object");
      if (*p_ != '"') return fail(p_, "expected a string key in object");
      std::string key;
      if (!parse_string(key)) return false;
      skip_ws();
      if (p_ == end_) return fail(p_, "unexpected end of input in object");
      if (*p_ != ':') return fail(p_, "expected ':' after object key");
      ++p_;
      skip_ws();
      Value& slot = members.emplace_back(std::piecewise_construct,
                                         std::forward_as_tuple(std::move(key)),
                                         std::forward_as_tuple()).second;
      if (!parse_value(slot, depth)) return false;
      skip_ws();
      if (p_ == end_) return fail(p_, "unexpected end of input in object");
      if (*p_ == '}') {
        ++p_;
        return true;
      }
      if (*p_ != ',') return fail(p_, "expected ',' or '}' in object");
      ++p_;
      skip_ws();
      if (p_ < end_ && *p_ == '}') return fail(p_, "trailing comma in object");
    }
  }

  // Reads 4 hex digits at p; -1 if they are not there.
  long read_hex4(const char* p) const {
    if (end_ - p < 4) return -1;
    long v = 0;
    for (int i = 0; i < 4; ++i) {
      int h = hex_value(p[i]);
      if (h < 0) return -1;
      v = v << 4 | h;
    }
    return v;
  }

  // p_ is at the opening quote. Unescaped runs are copied in one piece.
  bool parse_string(std::string& out) {
    ++p_;
    const char* run = p_;
    while (true) {
      if (p_ == end_) return fail(p_, "unterminated string");
      auto c = static_cast<unsigned char>(*p_);
      if (c == '"') {
        out.append(run, p_);
        ++p_;
        return true;
      }
      if (c < 0x20) return fail(p_, "unescaped control character in string");
      if (c < 0x80 && c != '\\') {
        ++p_;
        continue;
      }
      if (c >= 0x80) {
        std::size_t len = utf8_sequence_length(p_, end_);
        if (len == 0) return fail(p_, "invalid UTF-8 in string");
        p_ += len;
        continue;
      }
      // Backslash escape.
      out.append(run, p_);
      const char* escape = p_;
      ++p_;
      if (p_ == end_) return fail(p_, "unterminated string");
      switch (*p_) {
        case '"': out += '"'; break;
        case '\\': out += '\\'; break;
        case '/': out += '/'; break;
        case 'b': out += '\b'; break;
        case 'f': out += '\f'; break;
        case 'n': out += '\n'; break;
        case 'r': out += '\r'; break;
        case 't': out += '\t'; break;
        case 'u': {
          long unit = read_hex4(p_ + 1);
          if (unit < 0) return fail(escape, "invalid \\u escape, expected 4 hex digits");
          p_ += 5;
          auto cp = static_cast<std::uint32_t>(unit);
          if (cp >= 0xdc00 && cp <= 0xdfff) return fail(escape, "unpaired low surrogate escape");
          if (cp >= 0xd800 && cp <= 0xdbff) {
            // A high surrogate must be followed directly by an escaped low surrogate.
            long low = -1;
            if (end_ - p_ >= 2 && p_[0] == '\\' && p_[1] == 'u') low = read_hex4(p_ + 2);
            if (low < 0xdc00 || low > 0xdfff)
              return fail(escape, "unpaired high surrogate escape");
            cp = 0x10000 + ((cp - 0xd800) << 10) + (static_cast<std::uint32_t>(low) - 0xdc00);
            p_ += 6;
          }
          append_utf8(out, cp);
          run = p_;
          continue;
        }
        default:
          return fail(escape, "invalid escape in string");
      }
      ++p_;
      run = p_;
    }
  }

  const char* begin_;
  const char* p_;
  const char* end_;
  ParseLimits limits_;
  ParseError error_;
};

std::expected<Value, ParseError> parse(std::string_view text, ParseLimits limits) noexcept {
  try {
    return Parser(text, limits).run();
  } catch (const std::bad_alloc&) {
    // The only exception the parser can meet; report it rather than terminate.
    return std::unexpected(ParseError{0, "out of memory"});
  }
}

// ---------------------------------------------------------------------------------------------
// Writer

class Writer {
 public:
  explicit Writer(int indent) : indent_(indent) {}

  std::string take() { return std::move(out_); }

  void write(const Value& v, int level) {
    switch (v.type()) {
      case Value::Type::null: out_ += "null"; break;
      case Value::Type::boolean: out_ += std::get<bool>(v.data_) ? "true" : "false"; break;
      case Value::Type::number: out_ += std::get<Value::Number>(v.data_).lexeme; break;
      case Value::Type::string: write_string(std::get<std::string>(v.data_)); break;
      case Value::Type::array: {
        const auto& items = std::get<Value::Array>(v.data_);
        out_ += '[';
        for (std::size_t i = 0; i < items.size(); ++i) {
          if (i > 0) out_ += ',';
          newline(level + 1);
          write(items[i], level + 1);
        }
        if (!items.empty()) newline(level);
        out_ += ']';
        break;
      }
      case Value::Type::object: {
        const auto& members = std::get<Value::Object>(v.data_);
        out_ += '{';
        for (std::size_t i = 0; i < members.size(); ++i) {
          if (i > 0) out_ += ',';
          newline(level + 1);
          write_string(members[i].first);
          out_ += indent_ >= 0 ? ": " : ":";
          write(members[i].second, level + 1);
        }
        if (!members.empty()) newline(level);
        out_ += '}';
        break;
      }
    }
  }

 private:
  void newline(int level) {
    if (indent_ < 0) return;
    out_ += '\n';
    out_.append(static_cast<std::size_t>(level) * static_cast<std::size_t>(indent_), ' ');
  }

  void write_string(const std::string& s) {
    static constexpr char kHex[] = "0123456789abcdef";
    out_ += '"';
    const char* p = s.data();
    const char* end = p + s.size();
    const char* run = p;
    while (p < end) {
      auto c = static_cast<unsigned char>(*p);
      if (c >= 0x20 && c < 0x80 && c != '"' && c != '\\') {
        ++p;
        continue;
      }
      if (c >= 0x80) {
        std::size_t len = utf8_sequence_length(p, end);
        if (len > 0) {
          p += len;
          continue;
        }
      }
      out_.append(run, p);
      switch (c) {
        case '"': out_ += "\\\""; break;
        case '\\': out_ += "\\\\"; break;
        case '\b': out_ += "\\b"; break;
        case '\f': out_ += "\\f"; break;
        case '\n': out_ += "\\n"; break;
        case '\r': out_ += "\\r"; break;
        case '\t': out_ += "\\t"; break;
        default:
          if (c < 0x20) {
            out_ += "\\u00";
            out_ += kHex[c >> 4];
            out_ += kHex[c & 0x0f];
          } else {
            out_ += "\xef\xbf\xbd"; // U+FFFD for a byte that starts no valid sequence
          }
      }
      ++p;
      run = p;
    }
    out_.append(run, p);
    out_ += '"';
  }

  int indent_;
  std::string out_;
};

std::string Value::dump() const {
  Writer w(-1);
  w.write(*this, 0);
  return w.take();
}

std::string Value::dump_pretty(int indent) const {
  Writer w(indent < 0 ? 0 : indent);
  w.write(*this, 0);
  return w.take();
}

} // namespace peregrine::util::json
