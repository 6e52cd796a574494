#pragma once
// RPC credentials, as Bitcoin Core handles them: either a user and password given on the command
// line, or a random cookie written to DATADIR/.cookie for local tools to read. Requests carry
// `Authorization: Basic base64(user:password)`; the check runs in time independent of where a
// guess first differs.
#include <cstddef>
#include <expected>
#include <filesystem>
#include <optional>
#include <string>
#include <string_view>

namespace peregrine::node {

// Strict RFC 4648 base64 (standard alphabet, '=' padding required, unused bits zero). nullopt for
// anything else, including text longer than max_chars.
std::optional<std::string> decode_base64(std::string_view text, std::size_t max_chars = 4096);

// The user name Core writes into cookies.
inline constexpr std::string_view kCookieUser = "__cookie__";

class RpcAuth {
 public:
  // Fixed credentials (--rpcuser/--rpcpassword); no cookie is written.
  static RpcAuth from_password(std::string_view user, std::string_view password);
  // A fresh cookie "__cookie__:<64 hex>" from the OS CSPRNG, written atomically to
  // DATADIR/.cookie with mode 0600. The error names the file and the failing step.
  static std::expected<RpcAuth, std::string> create_cookie(const std::filesystem::path& datadir);

  RpcAuth(RpcAuth&&) noexcept;
  RpcAuth& operator=(RpcAuth&&) noexcept;
  RpcAuth(const RpcAuth&) = delete;
  RpcAuth& operator=(const RpcAuth&) = delete;
  ~RpcAuth();

  // The value of an Authorization header: "Basic <base64 of user:password>".
  bool check(std::string_view authorization) const;

  // The cookie this object wrote; empty for fixed credentials.
  const std::filesystem::path& cookie_path() const { return cookie_path_; }
  // Deletes the cookie (if any); later calls do nothing.
  void remove_cookie();

 private:
  RpcAuth(std::string user_colon_password, std::filesystem::path cookie_path);
  void wipe();

  std::string expected_; // "user:password"
  std::filesystem::path cookie_path_;
};

} // namespace peregrine::node
