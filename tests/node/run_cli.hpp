#pragma once
// Runs the peregrine command line in-process and captures what it prints.
#include <sstream>
#include <string>
#include <vector>

#include "node/commands.hpp"

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

} // namespace peregrine::test
