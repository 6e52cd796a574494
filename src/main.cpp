// peregrine: the command-line entry point. Everything else lives in the modules.
#include <iostream>
#include <string>
#include <vector>

#include "node/commands.hpp"

int main(int argc, char** argv) {
  std::ios::sync_with_stdio(false);
  std::vector<std::string> args(argv + 1, argv + argc);
  return peregrine::node::run_cli(args, std::cout, std::cerr);
}
