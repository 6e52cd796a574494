#include "addrbook/dns_resolver.hpp"

#include <netdb.h>
#include <netinet/in.h>
#include <sys/socket.h>

#include <array>
#include <cstring>
#include <memory>

namespace peregrine::addrbook {
namespace {

constexpr std::size_t kMaxResults = 256;

struct AddrinfoFree {
  void operator()(addrinfo* p) const { ::freeaddrinfo(p); }
};

} // namespace

Resolver system_resolver() {
  return [](const std::string& host) -> std::expected<std::vector<wire::NetAddress>, std::string> {
    addrinfo hints{};
    hints.ai_family = AF_UNSPEC;
    hints.ai_socktype = SOCK_STREAM;
    hints.ai_flags = AI_ADDRCONFIG;
    addrinfo* raw = nullptr;
    int rc = ::getaddrinfo(host.c_str(), nullptr, &hints, &raw);
    if (rc != 0) return std::unexpected(std::string(::gai_strerror(rc)));
    std::unique_ptr<addrinfo, AddrinfoFree> list(raw);
    std::vector<wire::NetAddress> out;
    for (addrinfo* ai = raw; ai && out.size() < kMaxResults; ai = ai->ai_next) {
      if (ai->ai_family == AF_INET && ai->ai_addrlen >= sizeof(sockaddr_in)) {
        sockaddr_in sin;
        std::memcpy(&sin, ai->ai_addr, sizeof sin);
        std::array<std::uint8_t, 4> a;
        std::memcpy(a.data(), &sin.sin_addr, 4);
        out.push_back(wire::NetAddress::ipv4(a));
      } else if (ai->ai_family == AF_INET6 && ai->ai_addrlen >= sizeof(sockaddr_in6)) {
        sockaddr_in6 sin6;
        std::memcpy(&sin6, ai->ai_addr, sizeof sin6);
        wire::AddrV1Bytes a;
        std::memcpy(a.data(), &sin6.sin6_addr, 16);
        out.push_back(wire::NetAddress::from_v1(a));
      }
    }
    return out;
  };
}

} // namespace peregrine::addrbook
