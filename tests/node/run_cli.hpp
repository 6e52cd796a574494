#pragma once
// Runs the peregrine command line in-process and captures what it prints.
#include <doctest/doctest.h>

#include <sstream>
#include <string>
#include <string_view>
#include <vector>

#include "node/commands.hpp"
#include "util/json.hpp"

namespace peregrine::test {

struct CliRun {
  int code;
  std::string out;
  std::string err;
};

inline CliRun run_cli(std::vector<std::string> args) {
  std::ostringstream out, err;
  int code = node::run_cli(args, out, err);
  return {code, out.str(), err.str()};
}

// The JSON document a command printed (the test fails with its output if it is not one).
inline util::json::Value summary(const CliRun& r) {
  auto doc = util::json::parse(r.out);
  REQUIRE_MESSAGE(doc.has_value(), r.out, r.err);
  return std::move(*doc);
}

// A member as text: strings as they are, anything else as JSON.
inline std::string field(const util::json::Value& v, std::string_view key) {
  const util::json::Value* f = v.find(key);
  REQUIRE_MESSAGE(f != nullptr, key);
  return f->is_string() ? *f->as_string() : f->dump();
}

} // namespace peregrine::test
