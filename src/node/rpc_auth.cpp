#include "node/rpc_auth.hpp"

#include <array>
#include <cerrno>
#include <cstdint>
#include <cstring>
#include <system_error>
#include <utility>

#include <fcntl.h>
#include <sys/random.h>
#include <sys/stat.h>
#include <unistd.h>

#include <fmt/format.h>

#include "util/file_io.hpp"
#include "util/hex.hpp"

namespace peregrine::node {
namespace {

// 0..63 for alphabet characters, -1 otherwise.
int base64_value(unsigned char c) {
  if (c >= 'A' && c <= 'Z') return c - 'A';
  if (c >= 'a' && c <= 'z') return c - 'a' + 26;
  if (c >= '0' && c <= '9') return c - '0' + 52;
  if (c == '+') return 62;
  if (c == '/') return 63;
  return -1;
}

bool is_space(char c) { return c == ' ' || c == '\t'; }

std::string_view trim(std::string_view s) {
  while (!s.empty() && is_space(s.front())) s.remove_prefix(1);
  while (!s.empty() && is_space(s.back())) s.remove_suffix(1);
  return s;
}

bool iequals_ascii(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  for (std::size_t i = 0; i < a.size(); ++i) {
    char x = a[i] >= 'A' && a[i] <= 'Z' ? static_cast<char>(a[i] - 'A' + 'a') : a[i];
    char y = b[i] >= 'A' && b[i] <= 'Z' ? static_cast<char>(b[i] - 'A' + 'a') : b[i];
    if (x != y) return false;
  }
  return true;
}

// Touches every byte of the candidate whatever it holds, so timing reveals only its length, which
// the sender already knows.
bool equal_constant_time(std::string_view candidate, std::string_view expected) {
  if (expected.empty()) return candidate.empty();
  unsigned diff = candidate.size() == expected.size() ? 0U : 1U;
  for (std::size_t i = 0; i < candidate.size(); ++i) {
    diff |= static_cast<unsigned char>(candidate[i]) ^
            static_cast<unsigned char>(expected[i % expected.size()]);
  }
  return diff == 0;
}

std::expected<std::array<std::uint8_t, 32>, std::string> csprng_bytes() {
  std::array<std::uint8_t, 32> out{};
  std::size_t got = 0;
  while (got < out.size()) {
    ssize_t n = ::getrandom(out.data() + got, out.size() - got, 0);
    if (n > 0) {
      got += static_cast<std::size_t>(n);
    } else if (n < 0 && errno != EINTR) {
      return std::unexpected(fmt::format("getrandom: {}", std::strerror(errno)));
    }
  }
  return out;
}

std::string failure(std::string_view step, const std::filesystem::path& path, const std::error_code& error) {
  return fmt::format("{}: {}: {}", path.string(), step, error.message());
}

// Temporary file (created fresh, 0600 from the start so the secret is never readable by others),
// fsync, rename over the target, fsync the directory; through util/file_io, as every durable write.
std::expected<void, std::string> write_private_file(const std::filesystem::path& path,
                                                    std::string_view contents) {
  std::filesystem::path temp(path.string() + ".tmp");
  ::unlink(temp.c_str()); // a stale one may have other permissions
  auto opened = util::open_for_write(temp, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW, 0600);
  if (!opened) return std::unexpected(failure("open", temp, opened.error()));
  int fd = *opened;
  auto fail = [&](std::string_view step, const std::filesystem::path& where, std::error_code error) {
    std::string text = failure(step, where, error);
    if (fd >= 0) ::close(fd);
    ::unlink(temp.c_str());
    return std::unexpected(std::move(text));
  };
  auto errno_code = [] { return std::error_code(errno, std::generic_category()); };
  if (::fchmod(fd, 0600) != 0) return fail("chmod", temp, errno_code()); // the umask could only narrow it
  const ByteSpan bytes(reinterpret_cast<const std::uint8_t*>(contents.data()), contents.size());
  if (auto w = util::write_all(fd, temp, bytes); !w) return fail("write", temp, w.error());
  if (auto s = util::sync_file(fd, temp); !s) return fail("fsync", temp, s.error());
  int closing = std::exchange(fd, -1);
  if (::close(closing) != 0) return fail("close", temp, errno_code());
  if (auto r = util::rename_file(temp, path); !r) return fail("rename", path, r.error());
  (void)util::sync_directory(path); // the cookie is rewritten at every start: not worth failing over
  return {};
}

} // namespace

std::optional<std::string> decode_base64(std::string_view text, std::size_t max_chars) {
  if (text.size() > max_chars || text.size() % 4 != 0) return std::nullopt;
  std::size_t padding = 0;
  if (!text.empty() && text.back() == '=') ++padding;
  if (text.size() >= 2 && text[text.size() - 2] == '=') ++padding;
  std::string out;
  out.reserve(text.size() / 4 * 3);
  std::uint32_t acc = 0;
  for (std::size_t i = 0; i < text.size() - padding; ++i) {
    int v = base64_value(static_cast<unsigned char>(text[i]));
    if (v < 0) return std::nullopt; // includes a '=' before the padding
    acc = (acc << 6) | static_cast<std::uint32_t>(v);
    if (i % 4 == 3) {
      out.push_back(static_cast<char>(acc >> 16));
      out.push_back(static_cast<char>((acc >> 8) & 0xff));
      out.push_back(static_cast<char>(acc & 0xff));
      acc = 0;
    }
  }
  // The last group: 2 characters carry 1 byte (+4 unused bits), 3 carry 2 bytes (+2 unused bits).
  if (padding == 2) {
    if ((acc & 0x0f) != 0) return std::nullopt;
    out.push_back(static_cast<char>(acc >> 4));
  } else if (padding == 1) {
    if ((acc & 0x03) != 0) return std::nullopt;
    out.push_back(static_cast<char>(acc >> 10));
    out.push_back(static_cast<char>((acc >> 2) & 0xff));
  }
  return out;
}

RpcAuth::RpcAuth(std::string user_colon_password, std::filesystem::path cookie_path)
    : expected_(std::move(user_colon_password)), cookie_path_(std::move(cookie_path)) {}

RpcAuth::RpcAuth(RpcAuth&& other) noexcept
    : expected_(std::move(other.expected_)), cookie_path_(std::exchange(other.cookie_path_, {})) {}

RpcAuth& RpcAuth::operator=(RpcAuth&& other) noexcept {
  if (this != &other) {
    wipe();
    expected_ = std::move(other.expected_);
    cookie_path_ = std::exchange(other.cookie_path_, {});
  }
  return *this;
}

RpcAuth::~RpcAuth() { wipe(); }

// Secrets should not linger in freed memory.
void RpcAuth::wipe() {
  volatile char* p = expected_.data();
  for (std::size_t i = 0; i < expected_.size(); ++i) p[i] = 0;
  expected_.clear();
}

RpcAuth RpcAuth::from_password(std::string_view user, std::string_view password) {
  std::string joined;
  joined.reserve(user.size() + 1 + password.size());
  joined.append(user).append(":").append(password);
  return RpcAuth(std::move(joined), {});
}

std::expected<RpcAuth, std::string> RpcAuth::create_cookie(const std::filesystem::path& datadir) {
  auto random = csprng_bytes();
  if (!random) return std::unexpected(random.error());
  std::string cookie = fmt::format("{}:{}", kCookieUser, util::to_hex(*random));
  std::error_code ec;
  std::filesystem::create_directories(datadir, ec);
  if (ec) return std::unexpected(fmt::format("{}: create: {}", datadir.string(), ec.message()));
  std::filesystem::path path = datadir / ".cookie";
  // Core writes the cookie without a trailing newline; tools read it verbatim.
  if (auto written = write_private_file(path, cookie); !written) {
    return std::unexpected(written.error());
  }
  return RpcAuth(std::move(cookie), std::move(path));
}

bool RpcAuth::check(std::string_view authorization) const {
  authorization = trim(authorization);
  constexpr std::string_view scheme = "basic";
  if (authorization.size() <= scheme.size() || !is_space(authorization[scheme.size()]) ||
      !iequals_ascii(authorization.substr(0, scheme.size()), scheme)) {
    return false;
  }
  auto decoded = decode_base64(trim(authorization.substr(scheme.size())));
  if (!decoded) return false;
  bool ok = equal_constant_time(*decoded, expected_);
  volatile char* p = decoded->data();
  for (std::size_t i = 0; i < decoded->size(); ++i) p[i] = 0;
  return ok;
}

void RpcAuth::remove_cookie() {
  if (cookie_path_.empty()) return;
  std::error_code ec;
  std::filesystem::remove(cookie_path_, ec);
  cookie_path_.clear();
}

} // namespace peregrine::node
