#pragma once
// The JSON-RPC-over-HTTP server of `peregrine sync --rpcport`, in Bitcoin Core's dialect: loopback
// only, HTTP/1.1 keep-alive, basic auth (password or cookie), POST on any path to the dispatcher,
// GET /metrics for Prometheus. Runs on the node's io_context; every handler is called on it.
// See doc/rpc.md.
#include <chrono>
#include <cstdint>
#include <expected>
#include <filesystem>
#include <functional>
#include <memory>
#include <optional>
#include <string>

#include "peer/asio.hpp"

namespace peregrine::util {
class Logger;
}

namespace peregrine::node {

class RpcDispatcher;

struct RpcServerConfig {
  std::uint16_t port = 0; // 0: an ephemeral port, see RpcServer::port()
  std::filesystem::path datadir; // where the cookie goes
  // A password: fixed credentials user:password (no user means an empty one) and no cookie.
  // Otherwise a cookie, as Core does whenever there is no rpcpassword (a lone user is ignored).
  std::optional<std::string> user, password;
  // An idle keep-alive connection is closed after this, and a request must arrive whole within it.
  std::chrono::milliseconds request_timeout{30'000};
  // --metricsport: a server for GET /metrics and /health alone, without credentials (no cookie is
  // written and JSON-RPC is refused), for scrapers that cannot hold a secret.
  bool metrics_only = false;
};

// GET /health: served without credentials, 200 when ready and 503 otherwise, the body a JSON
// object (see doc/rpc.md).
struct HealthReport {
  bool ready = false;
  std::string json;
};

class RpcServer {
 public:
  static constexpr std::size_t kMaxConnections = 32;
  static constexpr std::size_t kMaxHeaderBytes = 8 * 1024;
  static constexpr std::size_t kMaxBodyBytes = std::size_t{16} << 20; // submitblock: a 4 MB block is 8 MB of hex

  // The io_context, dispatcher, metrics source and logger must outlive the server.
  RpcServer(peer::asio::io_context& io, RpcServerConfig config, RpcDispatcher& dispatcher,
            std::function<std::string()> metrics, util::Logger& log);
  ~RpcServer(); // stop()s, so the same thread rule applies
  RpcServer(const RpcServer&) = delete;
  RpcServer& operator=(const RpcServer&) = delete;

  // Binds 127.0.0.1 (and ::1 when the host has IPv6), writes the cookie, starts accepting. The
  // error names the port (and says so when it is in use). Call once, before or while io runs.
  std::expected<void, std::string> start();
  // The source of GET /health (without one, /health answers 503).
  void set_health(std::function<HealthReport()> health);
  // Closes the listeners and every connection and deletes the cookie. Call on the io thread, or
  // when the io_context is not running. Idempotent.
  void stop();

  std::uint16_t port() const;                 // the bound port; 0 before start()
  // Where the cookie is (or was, after stop()); empty with user/password, or before start().
  std::filesystem::path cookie_path() const;

  struct State; // shared with the connection coroutines, which may outlive the server

 private:
  std::shared_ptr<State> state_;
};

} // namespace peregrine::node
