#pragma once
// Text put into an HTML page or an SVG element: every character with a meaning there escaped.
#include <string>
#include <string_view>

namespace peregrine::node {

std::string escape_html(std::string_view text);

} // namespace peregrine::node
