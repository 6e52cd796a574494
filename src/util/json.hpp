#pragma once
// A small, strict (RFC 8259) JSON value, parser and writer. Built for hostile input: the parser
// never throws, bounds its recursion and rejects anything the RFC does not allow, including
// invalid UTF-8. Numbers keep their source lexeme so large integers and amounts are never
// damaged by a round trip through double.
#include <concepts>
#include <cstddef>
#include <cstdint>
#include <expected>
#include <optional>
#include <string>
#include <string_view>
#include <type_traits>
#include <utility>
#include <variant>
#include <vector>

namespace peregrine::util::json {

class Value {
 public:
  enum class Type { null, boolean, number, string, array, object };
  using Array = std::vector<Value>;
  // Insertion order is kept and duplicate keys (from parsing) are allowed.
  using Object = std::vector<std::pair<std::string, Value>>;

  Value() = default; // null
  Value(std::nullptr_t) {}
  Value(bool b) : data_(b) {}
  // Any integer type except bool and the character types; the lexeme is exact.
  template <std::integral T>
    requires(!std::is_same_v<T, bool> && !std::is_same_v<T, char> &&
             !std::is_same_v<T, char8_t> && !std::is_same_v<T, char16_t> &&
             !std::is_same_v<T, char32_t> && !std::is_same_v<T, wchar_t>)
  Value(T v) {
    if constexpr (std::is_signed_v<T>) {
      data_ = from_signed(static_cast<long long>(v));
    } else {
      data_ = from_unsigned(static_cast<unsigned long long>(v));
    }
  }
  // Shortest round-trip form; NaN and infinities have no JSON form and become null.
  Value(double d);
  Value(std::string s) : data_(std::move(s)) {}
  Value(std::string_view s) : data_(std::string(s)) {}
  Value(const char* s) : data_(std::string(s)) {}

  static Value array() { return Value(Array{}); }
  static Value object() { return Value(Object{}); }
  static Value array(Array items) { return Value(std::move(items)); }
  // A number with this exact lexeme (e.g. an amount "0.00010000"); nullopt unless it is a valid
  // JSON number.
  static std::optional<Value> number_from_lexeme(std::string_view lexeme);

  Type type() const { return static_cast<Type>(data_.index()); }
  bool is_null() const { return type() == Type::null; }
  bool is_bool() const { return type() == Type::boolean; }
  bool is_number() const { return type() == Type::number; }
  bool is_string() const { return type() == Type::string; }
  bool is_array() const { return type() == Type::array; }
  bool is_object() const { return type() == Type::object; }

  // Typed accessors return nullopt/nullptr when the type or range does not fit.
  std::optional<bool> as_bool() const;
  // Only integral lexemes (no fraction or exponent) within range; "-0" reads as 0.
  std::optional<std::int64_t> as_int64() const;
  std::optional<std::uint64_t> as_uint64() const;
  // Nearest double; nullopt when the magnitude overflows (1e400), signed zero on underflow.
  std::optional<double> as_double() const;
  // The number exactly as written (or as generated), for callers doing their own fixed-point.
  const std::string* number_lexeme() const;
  const std::string* as_string() const;
  const Array* as_array() const { return std::get_if<Array>(&data_); }
  Array* as_array() { return std::get_if<Array>(&data_); }
  const Object* as_object() const { return std::get_if<Object>(&data_); }
  Object* as_object() { return std::get_if<Object>(&data_); }

  // First member with that key; nullptr when absent or not an object.
  const Value* find(std::string_view key) const;
  Value* find(std::string_view key);

  // Building. Either call first turns a value of another type into an empty array/object.
  void push_back(Value v);
  // Replaces the first member with that key, or appends one; returns the stored value.
  Value& set(std::string key, Value v);

  // Compact JSON; keys in insertion order. Invalid UTF-8 in strings built by the caller is
  // written as U+FFFD so the output is always valid JSON.
  std::string dump() const;
  // Indented JSON for people (CLI output); parses back to an equal value.
  std::string dump_pretty(int indent = 2) const;

  // Structural equality; numbers are equal when their lexemes are ("1.0" != "1"), objects when
  // their member lists are (order matters).
  friend bool operator==(const Value& a, const Value& b);

 private:
  struct Number {
    std::string lexeme;
    bool operator==(const Number&) const = default;
  };
  // Order matches Type.
  using Data = std::variant<std::monostate, bool, Number, std::string, Array, Object>;

  explicit Value(Array a) : data_(std::move(a)) {}
  explicit Value(Object o) : data_(std::move(o)) {}
  explicit Value(Number n) : data_(std::move(n)) {}
  static Number from_signed(long long v);
  static Number from_unsigned(unsigned long long v);

  friend class Parser;
  friend class Writer;

  Data data_;
};

struct ParseError {
  std::size_t offset = 0; // byte offset into the input where the problem was found
  std::string message;    // what was wrong, e.g. "leading zero in number"
};

struct ParseLimits {
  // Nested arrays/objects allowed. It bounds the parser's recursion, and also that of dump(),
  // operator== and destruction on the result, so keep it modest.
  std::size_t max_depth = 128;
};

// Exactly one JSON value with optional surrounding whitespace. Never throws (running out of
// memory is reported as an error).
std::expected<Value, ParseError> parse(std::string_view text, ParseLimits limits = {}) noexcept;

} // namespace peregrine::util::json
