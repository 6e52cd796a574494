#include "addrbook/random.hpp"

#include <sys/random.h>

#include <cerrno>
#include <random>

namespace peregrine::addrbook {

std::array<std::uint8_t, 16> os_random_bytes() {
  std::array<std::uint8_t, 16> out{};
  std::size_t got = 0;
  while (got < out.size()) {
    ssize_t n = getrandom(out.data() + got, out.size() - got, 0);
    if (n > 0) {
      got += static_cast<std::size_t>(n);
    } else if (n < 0 && errno != EINTR) {
      break; // no getrandom (very old kernel): fall back below
    }
  }
  if (got < out.size()) {
    std::random_device device;
    for (auto& b : out) b = static_cast<std::uint8_t>(device());
  }
  return out;
}

crypto::SipKey random_sip_key() { return crypto::SipKey::from_bytes(os_random_bytes()); }

} // namespace peregrine::addrbook
