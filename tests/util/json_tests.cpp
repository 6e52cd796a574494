#include "util/json.hpp"

#include <doctest/doctest.h>

#include <cmath>
#include <cstdint>
#include <fstream>
#include <limits>
#include <sstream>
#include <string>

#include "test_data.hpp"

using peregrine::util::json::parse;
using peregrine::util::json::ParseLimits;
using peregrine::util::json::Value;
using Type = Value::Type;

namespace {

bool accepts(std::string_view text) { return parse(text).has_value(); }

// Offset of the error, or SIZE_MAX when the text unexpectedly parses.
std::size_t error_offset(std::string_view text) {
  auto r = parse(text);
  return r ? SIZE_MAX : r.error().offset;
}

std::string error_message(std::string_view text) {
  auto r = parse(text);
  return r ? std::string("(parsed)") : r.error().message;
}

Value must_parse(std::string_view text) {
  auto r = parse(text);
  REQUIRE_MESSAGE(r.has_value(), text);
  return std::move(*r);
}

std::string parse_string(std::string_view text) {
  Value v = must_parse(text);
  REQUIRE(v.as_string() != nullptr);
  return *v.as_string();
}

std::string read_all(const std::filesystem::path& path) {
  std::ifstream in(path, std::ios::binary);
  REQUIRE_MESSAGE(in.good(), path.string());
  std::ostringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

} // namespace

TEST_CASE("json: scalars and surrounding whitespace") {
  CHECK(must_parse("null").is_null());
  CHECK(must_parse("true").as_bool() == true);
  CHECK(must_parse("false").as_bool() == false);
  CHECK(must_parse(" \t\r\n42 \n").as_int64() == 42);
  CHECK(*must_parse("\"hi\"").as_string() == "hi");
  CHECK(must_parse("[]").type() == Type::array);
  CHECK(must_parse("{}").type() == Type::object);
  CHECK(must_parse("1.5").type() == Type::number);

  for (auto bad : {"", "   ", "nul", "nulll", "True", "NULL", "1 2", "[] x", "NaN", "Infinity",
                   "-Infinity", "'a'", "/*c*/1", "1 // c", "#1", "\xef\xbb\xbf" "1", "\f1",
                   "\v1", "\xc2\xa0" "1", "u", "[] []"}) {
    CHECK_MESSAGE(!accepts(bad), bad);
  }
  CHECK(!accepts(std::string_view("1\0", 2))); // embedded NUL after the value
  CHECK(error_offset("") == 0);
  CHECK(error_offset("  ") == 2);
  CHECK(error_offset("[] x") == 3);
  CHECK(error_offset("tru") == 3);
  CHECK(error_offset("trUe") == 2);
  CHECK(error_message("1 2") == "unexpected data after the JSON value");
}

TEST_CASE("json: number grammar") {
  for (auto good : {"0", "-0", "1", "-1", "0.5", "-0.5", "10", "1e5", "1E5", "1e+5", "1e-5",
                    "-0.0e0", "0e0", "1.25E-0003", "123456789012345678901234567890"}) {
    CHECK_MESSAGE(accepts(good), good);
  }
  for (auto bad : {"01", "-01", "00", "+1", "-", "1.", ".5", "1e", "1e+", "1E-", "0x10", "1.e5",
                   "--1", "-a", "1.5.2", "1e5e5", "- 1", "01.5", "0.", "-.5"}) {
    CHECK_MESSAGE(!accepts(bad), bad);
  }
  CHECK(error_offset("01") == 1);
  CHECK(error_message("01") == "leading zero in number");
  CHECK(error_offset("-") == 1);
  CHECK(error_offset("1.") == 2);
  CHECK(error_message("1.x") == "expected digit after decimal point");
  CHECK(error_offset("1e+") == 3);
  CHECK(error_message("1e") == "expected digit in exponent");
  CHECK(error_offset("[1,+2]") == 3);
  CHECK(error_offset("[1, -x]") == 5);
}

TEST_CASE("json: numbers keep their lexeme exactly") {
  for (auto text : {"5000000000", "18446744073709551615", "1e400", "0.10000000", "-0", "1E+2",
                    "123456789012345678901234567890.123456789", "2.5e-400"}) {
    Value v = must_parse(text);
    CHECK(v.dump() == text);
    REQUIRE(v.number_lexeme() != nullptr);
    CHECK(*v.number_lexeme() == text);
  }
  CHECK(must_parse("[5000000000]").dump() == "[5000000000]");
  CHECK(must_parse("5000000000").as_int64() == 5000000000);
}

TEST_CASE("json: typed accessors check type and range") {
  CHECK(must_parse("9223372036854775807").as_int64() == std::numeric_limits<std::int64_t>::max());
  CHECK(must_parse("-9223372036854775808").as_int64() == std::numeric_limits<std::int64_t>::min());
  CHECK(!must_parse("9223372036854775808").as_int64());
  CHECK(!must_parse("-9223372036854775809").as_int64());
  CHECK(!must_parse("1.5").as_int64());
  CHECK(!must_parse("1.0").as_int64());
  CHECK(!must_parse("1e2").as_int64());
  CHECK(must_parse("-0").as_int64() == 0);

  CHECK(must_parse("18446744073709551615").as_uint64() ==
        std::numeric_limits<std::uint64_t>::max());
  CHECK(!must_parse("18446744073709551616").as_uint64());
  CHECK(!must_parse("-1").as_uint64());
  CHECK(must_parse("-0").as_uint64() == 0);
  CHECK(!must_parse("2.5").as_uint64());
  CHECK(must_parse("9223372036854775808").as_uint64() == 9223372036854775808ULL);

  CHECK(must_parse("1.5").as_double() == 1.5);
  CHECK(must_parse("0.1").as_double() == 0.1);
  CHECK(must_parse("-2").as_double() == -2.0);
  CHECK(must_parse("18446744073709551615").as_double() == 18446744073709551615.0);
  CHECK(must_parse("5e-324").as_double() == std::numeric_limits<double>::denorm_min());
  CHECK(!must_parse("1e400").as_double());
  CHECK(!must_parse("-1e400").as_double());
  CHECK(!must_parse("1e99999999999999999999999").as_double());
  CHECK(must_parse("1e-400").as_double() == 0.0);
  auto neg_tiny = must_parse("-0.00001e-99999999999999999999").as_double();
  REQUIRE(neg_tiny);
  CHECK(*neg_tiny == 0.0);
  CHECK(std::signbit(*neg_tiny));
  CHECK(must_parse("1000e-310").as_double() == 1e-307);

  // Wrong types.
  Value s = must_parse("\"1\"");
  CHECK(!s.as_int64());
  CHECK(!s.as_uint64());
  CHECK(!s.as_double());
  CHECK(!s.as_bool());
  CHECK(s.number_lexeme() == nullptr);
  Value n = must_parse("1");
  CHECK(n.as_string() == nullptr);
  CHECK(n.as_array() == nullptr);
  CHECK(n.as_object() == nullptr);
  CHECK(n.find("a") == nullptr);
  CHECK(!n.as_bool());
  CHECK(!must_parse("null").as_bool());
  CHECK(must_parse("[1]").find("a") == nullptr);
}

TEST_CASE("json: string escapes") {
  CHECK(parse_string(R"("\"\\\/\b\f\n\r\t")") == "\"\\/\b\f\n\r\t");
  CHECK(parse_string(R"("a\u0041b")") == "aAb");
  CHECK(parse_string(R"("\u00e9")") == "\xc3\xa9");
  CHECK(parse_string(R"("\u20AC")") == "\xe2\x82\xac");
  CHECK(parse_string(R"("\uffff")") == "\xef\xbf\xbf");
  CHECK(parse_string(R"("\u0000")") == std::string(1, '\0'));
  CHECK(parse_string(R"("")").empty());
  CHECK(parse_string("\"\x7f\"") == "\x7f"); // DEL is not a control character in JSON

  for (auto bad : {R"("\a")", R"("\x41")", R"("\U0041")", R"("\u12")", R"("\u12G4")", R"("\')",
                   R"("\0")", "\"\\", "\"abc", "\"", R"("\u)", "\"\x01\"", "\"a\nb\"",
                   "\"\t\"", "\"\x1f\"", "\"\r\""}) {
    CHECK_MESSAGE(!accepts(bad), bad);
  }
  CHECK(error_offset(R"("ab\x")") == 3);
  CHECK(error_message(R"("ab\x")") == "invalid escape in string");
  CHECK(error_offset("\"ab\ncd\"") == 3);
  CHECK(error_message("\"ab\ncd\"") == "unescaped control character in string");
  CHECK(error_offset("\"abc") == 4);
  CHECK(error_message("\"abc") == "unterminated string");
}

TEST_CASE("json: surrogate pairs") {
  CHECK(parse_string(R"("\ud83d\ude00")") == "\xf0\x9f\x98\x80");
  CHECK(parse_string(R"("\uD834\uDD1E")") == "\xf0\x9d\x84\x9e");
  CHECK(parse_string(R"("\udbff\udfff")") == "\xf4\x8f\xbf\xbf");
  CHECK(parse_string(R"("x\ud800\udc00y")") == "x\xf0\x90\x80\x80y");

  for (auto bad : {R"("\ud83d")", R"("\ud83dx")", R"("\ud83d\u0041")", R"("\ude00")",
                   R"("\ud83d\ud83d")", R"("\ude00\ud83d")", R"("\ud83d\n")", R"("\ud83d\")",
                   R"("\ud83d\ude0")"}) {
    CHECK_MESSAGE(!accepts(bad), bad);
  }
  CHECK(error_offset(R"("ab\ud83d")") == 3);
  CHECK(error_message(R"("ab\ud83d")") == "unpaired high surrogate escape");
  CHECK(error_message(R"("\udc00")") == "unpaired low surrogate escape");
}

TEST_CASE("json: UTF-8 validation") {
  for (auto good : {"\"\xc3\xa9\"", "\"\xe2\x82\xac\"", "\"\xf0\x9f\x98\x80\"", "\"\xc2\x80\"",
                    "\"\xdf\xbf\"", "\"\xe0\xa0\x80\"", "\"\xed\x9f\xbf\"", "\"\xee\x80\x80\"",
                    "\"\xef\xbf\xbf\"", "\"\xf0\x90\x80\x80\"", "\"\xf4\x8f\xbf\xbf\""}) {
    CHECK_MESSAGE(accepts(good), good);
    CHECK(must_parse(good).dump() == good); // emitted as is, not escaped
  }
  for (auto bad : {
           "\"\x80\"",             // lone continuation byte
           "\"\xbf\"",             // lone continuation byte
           "\"\xc0\xaf\"",         // overlong '/'
           "\"\xc1\xbf\"",         // overlong
           "\"\xe0\x80\xaf\"",     // overlong 3-byte
           "\"\xe0\x9f\xbf\"",     // overlong 3-byte
           "\"\xf0\x80\x80\xaf\"", // overlong 4-byte
           "\"\xf0\x8f\xbf\xbf\"", // overlong 4-byte
           "\"\xed\xa0\x80\"",     // UTF-8 encoded high surrogate
           "\"\xed\xbf\xbf\"",     // UTF-8 encoded low surrogate
           "\"\xf4\x90\x80\x80\"", // above U+10FFFF
           "\"\xf5\x80\x80\x80\"", // invalid lead byte
           "\"\xff\"",             // invalid byte
           "\"\xfe\"",             // invalid byte
           "\"\xc3\"",             // truncated before the closing quote
           "\"\xe2\x82\"",         // truncated
           "\"\xf0\x9f\x98\"",     // truncated
           "\"\xc3\x28\"",         // bad continuation
           "\"\xe2\x28\xa1\"",     // bad continuation
           "\"\xf0\x9f\x98",       // truncated at end of input
           "\xc3\xa9",             // non-ASCII outside a string
       }) {
    CHECK_MESSAGE(!accepts(bad), bad);
  }
  CHECK(error_offset("\"ab\x80\"") == 3);
  CHECK(error_message("\"ab\x80\"") == "invalid UTF-8 in string");
  CHECK(error_offset("{\"k\xed\xa0\x80\":1}") == 3); // keys are validated too
}

TEST_CASE("json: arrays and objects") {
  Value v = must_parse(R"( { "a" : 1 , "b" : [ true , null , "x" , [ ] , { } ] } )");
  REQUIRE(v.is_object());
  REQUIRE(v.as_object()->size() == 2);
  CHECK((*v.as_object())[0].first == "a");
  CHECK(v.find("a")->as_int64() == 1);
  const Value* b = v.find("b");
  REQUIRE(b != nullptr);
  REQUIRE(b->as_array()->size() == 5);
  CHECK((*b->as_array())[0].as_bool() == true);
  CHECK((*b->as_array())[1].is_null());
  CHECK(*(*b->as_array())[2].as_string() == "x");
  CHECK((*b->as_array())[3].as_array()->empty());
  CHECK((*b->as_array())[4].as_object()->empty());
  CHECK(v.find("c") == nullptr);

  for (auto bad : {"[1,]", "[,1]", "[,]", "[1 2]", "[", "[1", "[1,", "]", "}", "{", R"({"a"})",
                   R"({"a":})", "{a:1}", R"({"a":1,})", "{,}", R"({"a":1 "b":2})", "{1:2}",
                   R"({"a",1})", R"({"a"::1})", "[}", "{]", R"({"a":1])", R"([1}])", "{\"a\":1",
                   "{'a':1}", "[1,,2]", "[[]"}) {
    CHECK_MESSAGE(!accepts(bad), bad);
  }
  CHECK(error_offset("[1,]") == 3);
  CHECK(error_message("[1,]") == "trailing comma in array");
  CHECK(error_offset(R"({"a":1, })") == 8);
  CHECK(error_message(R"({"a":1, })") == "trailing comma in object");
  CHECK(error_offset("[1 2]") == 3);
  CHECK(error_offset("{a:1}") == 1);
  CHECK(error_message("{a:1}") == "expected a string key in object");
  CHECK(error_offset(R"({"a" 1})") == 5);
  CHECK(error_offset("[1,") == 3);
}

TEST_CASE("json: duplicate keys are kept, find returns the first") {
  Value v = must_parse(R"({"a":1,"b":2,"a":3})");
  REQUIRE(v.as_object()->size() == 3);
  CHECK(v.find("a")->as_int64() == 1);
  CHECK((*v.as_object())[2].second.as_int64() == 3);
  CHECK(v.dump() == R"({"a":1,"b":2,"a":3})");
}

TEST_CASE("json: depth limit") {
  auto nested = [](std::size_t n) { return std::string(n, '[') + std::string(n, ']'); };
  CHECK(accepts(nested(128)));
  CHECK(!accepts(nested(129)));
  CHECK(error_offset(nested(129)) == 128);
  CHECK(error_message(nested(129)) == "nesting deeper than the depth limit");

  // Hostile input far deeper than any stack could recurse: an error, not a crash.
  std::string deep(100000, '[');
  CHECK(error_offset(deep) == 128);
  std::string deep_objects;
  for (int i = 0; i < 100000; ++i) deep_objects += "{\"a\":";
  CHECK(!accepts(deep_objects));
  CHECK(error_offset(deep_objects) == 128 * 5);
  std::string mixed;
  for (int i = 0; i < 50000; ++i) mixed += "[{\"k\":";
  CHECK(!accepts(mixed));

  ParseLimits two{.max_depth = 2};
  CHECK(parse("[[1]]", two).has_value());
  CHECK(parse(R"({"a":[1]})", two).has_value());
  CHECK(!parse("[[[1]]]", two).has_value());
  CHECK(!parse(R"([{"a":[]}])", two).has_value());
  ParseLimits zero{.max_depth = 0};
  CHECK(parse("\"scalar\"", zero).has_value());
  CHECK(!parse("[]", zero).has_value());
  ParseLimits large{.max_depth = 1000};
  CHECK(parse(nested(1000), large).has_value());
}

TEST_CASE("json: parse, dump, parse round trips") {
  for (auto text : {
           "null", "true", "false", "0", "-0", "1e400", "\"\"", "[]", "{}",
           R"({"a":[1,2.5,-3e-7,{"b":null}],"c":"d\"e\\f","":true})",
           R"(["\u0000\u0001\u001f\u007f","\b\f\n\r\t","\/","\ud83d\ude00","é€"])",
           R"([[[[[]]]],{"x":{"y":{"z":[]}}}])",
           R"({"dup":1,"dup":2})",
           "  [ 1 , 2 ]  ",
       }) {
    Value first = must_parse(text);
    std::string compact = first.dump();
    Value second = must_parse(compact);
    CHECK(first == second);
    CHECK(second.dump() == compact);
    CHECK(must_parse(first.dump_pretty()) == first);
    CHECK(must_parse(first.dump_pretty(0)) == first);
  }
  CHECK(must_parse("  [ 1 , 2 ]  ").dump() == "[1,2]");
  CHECK(must_parse(R"("\/")").dump() == R"("/")");
  CHECK(must_parse(R"("\u00e9\u0001")").dump() == "\"\xc3\xa9\\u0001\"");
}

TEST_CASE("json: building and dumping values") {
  Value obj = Value::object();
  obj.set("name", "peregrine");
  obj.set("height", 367891);
  obj.set("big", std::uint64_t{18446744073709551615ULL});
  obj.set("neg", std::int64_t{-9223372036854775807LL - 1});
  obj.set("ok", true);
  obj.set("none", nullptr);
  Value list = Value::array();
  list.push_back(1);
  list.push_back(2.5);
  list.push_back(std::string("s"));
  list.push_back(std::string_view("v"));
  list.push_back(Value::object());
  obj.set("list", std::move(list));
  CHECK(obj.dump() ==
        R"({"name":"peregrine","height":367891,"big":18446744073709551615,)"
        R"("neg":-9223372036854775808,"ok":true,"none":null,"list":[1,2.5,"s","v",{}]})");

  // set replaces an existing key in place.
  obj.set("height", 1);
  CHECK(obj.as_object()->size() == 7);
  CHECK(obj.find("height")->as_int64() == 1);
  CHECK((*obj.as_object())[1].first == "height");
  Value& added = obj.set("new", Value::array());
  added.push_back(false);
  CHECK(obj.find("new")->dump() == "[false]");
  obj.find("name")->push_back(1); // turns the member into an array
  CHECK(obj.find("name")->dump() == "[1]");

  CHECK(Value().dump() == "null");
  CHECK(Value("text").is_string()); // a string literal must not decay to bool
  CHECK(Value(std::uint8_t{200}).dump() == "200");
  CHECK(Value(static_cast<short>(-7)).dump() == "-7");
  CHECK(Value(0.1).dump() == "0.1");
  CHECK(Value(1e300).dump() == "1e+300");
  CHECK(Value(-0.0).dump() == "-0");
  CHECK(Value(1.5).as_double() == 1.5);
  CHECK(Value(std::nan("")).dump() == "null");
  CHECK(Value(std::numeric_limits<double>::infinity()).is_null());
  CHECK(Value(-std::numeric_limits<double>::infinity()).dump() == "null");
  CHECK(Value(5000000000LL).as_int64() == 5000000000LL);
  CHECK(Value(123u).as_uint64() == 123u);
  for (double d : {0.1, 1.0 / 3.0, 6.02214076e23, -1e-300, 4.9e-324, 1.7976931348623157e308}) {
    CHECK(must_parse(Value(d).dump()).as_double() == d);
  }

  // Mutation through the non-const accessors.
  Value arr = must_parse("[1,2]");
  arr.as_array()->push_back(3);
  CHECK(arr.dump() == "[1,2,3]");
  Value o = must_parse(R"({"a":1})");
  *o.find("a") = "z";
  CHECK(o.dump() == R"({"a":"z"})");
}

TEST_CASE("json: dump escapes strings") {
  CHECK(Value("a\"b\\c").dump() == R"("a\"b\\c")");
  CHECK(Value("\b\f\n\r\t").dump() == R"("\b\f\n\r\t")");
  CHECK(Value(std::string("\0\x01\x1f\x7f/", 5)).dump() == "\"\\u0000\\u0001\\u001f\x7f/\"");
  CHECK(Value("\xf0\x9f\x98\x80").dump() == "\"\xf0\x9f\x98\x80\"");
  CHECK(Value::object().set("k\n", 1).dump() == "1");
  Value keyed = Value::object();
  keyed.set("k\n\"", 1);
  CHECK(keyed.dump() == R"({"k\n\"":1})");
  // Invalid UTF-8 from the caller becomes U+FFFD so the output stays valid JSON.
  Value bad("a\xff" "b\xc3");
  CHECK(bad.dump() == "\"a\xef\xbf\xbd" "b\xef\xbf\xbd\"");
  CHECK(accepts(bad.dump()));
}

TEST_CASE("json: pretty dump") {
  Value v = must_parse(R"({"a":[1,{}],"b":{"c":[]}})");
  CHECK(v.dump_pretty() ==
        "{\n  \"a\": [\n    1,\n    {}\n  ],\n  \"b\": {\n    \"c\": []\n  }\n}");
  CHECK(Value(7).dump_pretty() == "7");
}

TEST_CASE("json: equality") {
  CHECK(must_parse("[1,\"a\",null]") == must_parse(" [ 1 , \"a\" , null ] "));
  CHECK(must_parse("1.0") != must_parse("1")); // lexemes differ
  CHECK(must_parse("1") == Value(1));
  CHECK(must_parse(R"({"a":1,"b":2})") != must_parse(R"({"b":2,"a":1})"));
  CHECK(must_parse("0") != must_parse("false"));
  CHECK(must_parse("null") == Value());
  CHECK(must_parse("\"1\"") != must_parse("1"));
  CHECK(must_parse("[]") != must_parse("{}"));
}

TEST_CASE("json: number_from_lexeme") {
  auto amount = Value::number_from_lexeme("0.00010000");
  REQUIRE(amount);
  CHECK(amount->dump() == "0.00010000");
  CHECK(amount->as_double() == 0.0001);
  for (auto bad : {"", "01", "1.", "+1", "1 ", " 1", "1e", "abc", "1,2"}) {
    CHECK_MESSAGE(!Value::number_from_lexeme(bad), bad);
  }
}

TEST_CASE("json: Bitcoin Core script_tests.json") {
  std::string text = read_all(peregrine::test::shared_data("core-vectors/script_tests.json"));
  Value v = must_parse(text);
  REQUIRE(v.is_array());
  CHECK(v.as_array()->size() > 1000);
  CHECK(must_parse(v.dump()) == v);
}

TEST_CASE("json: mainnet_367891.spent.json") {
  std::string text = read_all(peregrine::test::shared_data("blocks/mainnet_367891.spent.json"));
  Value v = must_parse(text);
  REQUIRE(v.is_array());
  const auto& entries = *v.as_array();
  REQUIRE(!entries.empty());
  const Value* txout = entries[0].find("txout");
  REQUIRE(txout != nullptr);
  CHECK(txout->find("value")->as_int64() == 27986602);
  CHECK(*txout->find("script_pubkey")->as_string() ==
        "76a914aa691c133d402a784a7a187178729b8494114f1588ac");
  CHECK(entries[0].find("is_coinbase")->as_bool() == false);
  CHECK(entries[0].find("creation_height")->as_int64() == 367868);
  std::size_t with_value = 0;
  for (const auto& e : entries) {
    const Value* out = e.find("txout");
    if (out && out->find("value") && out->find("value")->as_uint64()) ++with_value;
  }
  CHECK(with_value == entries.size());
}
