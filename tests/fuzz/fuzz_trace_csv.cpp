// libFuzzer target for `peregrine report`'s trace reader and page: any bytes are read into a
// summary or refused with an error naming the line, never a crash, and an accepted trace always
// renders (every text escaped: no raw '<' from the input reaches the page outside the markup).
#include <cstddef>
#include <cstdint>
#include <sstream>
#include <string>

#include "node/report_html.hpp"
#include "node/trace_csv.hpp"
#include "node/trace_profile.hpp"

using namespace peregrine;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  std::istringstream in(std::string(reinterpret_cast<const char*>(data), size));
  auto trace = node::read_trace(in, 50);
  if (!trace) return 0;
  (void)node::profile_from_trace(*trace);
  auto page = node::render_report(*trace, "fuzz<trace>.csv", "summary <&>");
  if (page.html.find("fuzz<trace>") != std::string::npos || page.html.find("summary <&>") != std::string::npos)
    __builtin_trap(); // text from outside the page must be escaped
  return 0;
}
