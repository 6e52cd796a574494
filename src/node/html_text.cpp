#include "node/html_text.hpp"

namespace peregrine::node {

std::string escape_html(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  for (char c : text) {
    switch (c) {
    case '&': out += "&amp;"; break;
    case '<': out += "&lt;"; break;
    case '>': out += "&gt;"; break;
    case '"': out += "&quot;"; break;
    case '\'': out += "&#39;"; break;
    case '\0': out += "\xEF\xBF\xBD"; break; // U+FFFD: a NUL is a parse error in HTML
    default: out.push_back(c);
    }
  }
  return out;
}

} // namespace peregrine::node
