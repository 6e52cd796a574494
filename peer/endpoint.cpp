#include "peer/endpoint.hpp"

#include <fmt/format.h>

#include "wire/address_text.hpp"

namespace peregrine::peer {

std::string HostPort::to_string() const {
  if (host.find(':') != std::string::npos) return fmt::format("[{}]:{}", host, port);
  return fmt::format("{}:{}", host, port);
}

std::optional<HostPort> parse_host_port(std::string_view text, std::uint16_t default_port) {
  auto split = wire::split_host_port(text);
  if (!split || split->port == 0) return std::nullopt;
  return HostPort{split->host, split->port.value_or(default_port)};
}

} // namespace peregrine::peer
