#include "node/rpc_server.hpp"

#include <array>
#include <chrono>
#include <exception>
#include <map>
#include <string_view>
#include <utility>
#include <vector>

#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <fmt/format.h>

#include "node/json_rpc.hpp"
#include "node/rpc_auth.hpp"
#include "util/log.hpp"

namespace peregrine::node {
namespace {

namespace asio = peer::asio;
namespace beast = boost::beast;
namespace http = beast::http;
using peer::error_code;
using peer::no_throw;
using peer::tcp;
using namespace std::chrono_literals;

using Request = http::request<http::string_body>;
using Response = http::response<http::string_body>;

constexpr auto kWriteTimeout = 30s;       // a client that does not read its answer
constexpr auto kAuthFailureDelay = 250ms; // Core's deterrent against password guessing
constexpr auto kDrainTime = 1s;           // reading what a rejected client still sends
constexpr std::size_t kDrainBytes = 2 * RpcServer::kMaxBodyBytes;
// Beast reads into this; it must hold a whole header, and bounds what one read can take.
constexpr std::size_t kReadBufferBytes = 64 * 1024;

std::string_view view(beast::string_view s) { return {s.data(), s.size()}; }

struct Connection {
  explicit Connection(tcp::socket socket)
      : stream(std::move(socket)), delay(stream.get_executor()), buffer(kReadBufferBytes) {}
  beast::tcp_stream stream;
  asio::steady_timer delay;
  beast::flat_buffer buffer;
};

Response make_response(http::status status, unsigned version, std::string body,
                       std::string_view content_type) {
  Response response(status, version);
  if (!content_type.empty()) {
    response.set(http::field::content_type, beast::string_view(content_type.data(), content_type.size()));
  }
  response.body() = std::move(body);
  return response;
}

} // namespace

struct RpcServer::State {
  State(asio::io_context& io, RpcServerConfig config, RpcDispatcher& dispatcher,
        std::function<std::string()> metrics, util::Logger& log)
      : io(io), config(std::move(config)), dispatcher(dispatcher), metrics(std::move(metrics)), log(log) {}

  asio::io_context& io;
  RpcServerConfig config;
  // Used only while `running`: after stop() the owner may destroy them while coroutines unwind.
  RpcDispatcher& dispatcher;
  std::function<std::string()> metrics;
  std::function<HealthReport()> health;
  util::Logger& log;

  std::optional<RpcAuth> auth;
  std::filesystem::path cookie_path; // kept after stop() removes the file, for the owner to report
  std::vector<std::shared_ptr<tcp::acceptor>> acceptors;
  std::map<std::uint64_t, std::shared_ptr<Connection>> connections;
  std::uint64_t next_connection = 0;
  std::uint16_t port = 0;
  bool running = false;
};

namespace {

using State = RpcServer::State;

// g++ 12 under the sanitizers sees Asio's coroutine frames allocated through ::operator new (inside
// Asio's recycling allocator) and freed by the frame's class operator delete, which hands the
// memory back to that same allocator, and calls it a mismatch. It is not one.
#if defined(__GNUC__) && !defined(__clang__)
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wmismatched-new-delete"
#endif

bool is_path(std::string_view target, std::string_view path) {
  return target == path || (target.starts_with(path) && target[path.size()] == '?');
}

Response health_response(const State& state, unsigned version, bool liveness) {
  if (liveness) return make_response(http::status::ok, version, "{\"status\":\"alive\"}\n", "application/json");
  HealthReport report;
  try {
    if (state.health) report = state.health();
  } catch (const std::exception& e) {
    state.log.warn("rpc", "health failed: {}", e.what());
  }
  if (report.json.empty()) report.json = "{\"status\":\"starting\",\"ready\":false}";
  return make_response(report.ready ? http::status::ok : http::status::service_unavailable, version,
                       report.json + "\n", "application/json");
}

Response metrics_response(const State& state, unsigned version) {
  std::string text;
  try {
    text = state.metrics ? state.metrics() : std::string();
  } catch (const std::exception& e) {
    state.log.warn("rpc", "metrics failed: {}", e.what());
    return make_response(http::status::internal_server_error, version, "metrics unavailable\n", "text/plain");
  }
  return make_response(http::status::ok, version, std::move(text), "text/plain; version=0.0.4");
}

// The answer to one complete request. Every request but GET /health must be authenticated first
// (and /metrics too, but on the --metricsport server).
asio::awaitable<Response> respond(std::shared_ptr<State> state, std::shared_ptr<Connection> connection,
                                  const Request& request) {
  const unsigned version = request.version();
  const std::string_view target = view(request.target());
  const bool get = request.method() == http::verb::get;
  // For supervisors and container probes, which hold no credentials.
  if (get && (is_path(target, "/health") || is_path(target, "/health/ready"))) {
    co_return health_response(*state, version, false);
  }
  if (get && is_path(target, "/health/live")) co_return health_response(*state, version, true);
  if (state->config.metrics_only) {
    if (get && is_path(target, "/metrics")) co_return metrics_response(*state, version);
    co_return make_response(http::status::forbidden, version, "this port serves /metrics and /health only\n",
                            "text/plain");
  }

  if (!state->auth->check(view(request[http::field::authorization]))) {
    error_code ec;
    tcp::endpoint remote = connection->stream.socket().remote_endpoint(ec);
    state->log.warn("rpc", "incorrect or missing credentials from {}", ec ? "?" : remote.address().to_string());
    // A timer, not a sleep: the io thread keeps serving everyone else meanwhile.
    connection->delay.expires_after(kAuthFailureDelay);
    co_await connection->delay.async_wait(no_throw(ec));
    Response response = make_response(http::status::unauthorized, version, {}, {});
    response.set(http::field::www_authenticate, "Basic realm=\"jsonrpc\"");
    co_return response;
  }

  if (request.method() == http::verb::post) {
    // Any path: Core serves "/" and "/wallet/<name>", and we have no wallets to tell apart. A
    // waiting method (waitforblockheight) suspends here while the io thread serves the rest.
    RpcHttpReply reply = co_await state->dispatcher.handle_async(request.body());
    auto status = static_cast<http::status>(reply.http_status);
    if (reply.body.empty()) co_return make_response(status, version, {}, {});
    co_return make_response(status, version, std::move(reply.body), "application/json");
  }

  if (get && is_path(target, "/metrics")) co_return metrics_response(*state, version);

  Response response = make_response(http::status::method_not_allowed, version,
                                     "JSONRPC server handles only POST requests\n", "text/plain");
  response.set(http::field::allow, "POST, GET");
  co_return response;
}

// The status for a request that could not be read, or nothing when the client simply went away
// (closed, reset, timed out).
std::optional<http::status> rejection_for(const error_code& ec) {
  if (ec == http::error::end_of_stream || ec == http::error::partial_message) return std::nullopt;
  if (ec == http::error::body_limit) return http::status::payload_too_large;
  if (ec == http::error::header_limit || ec == http::error::buffer_overflow) {
    return http::status::request_header_fields_too_large;
  }
  if (ec.category() == http::make_error_code(http::error::bad_method).category()) {
    return http::status::bad_request;
  }
  return std::nullopt;
}

// Answers a request we will not read to the end, then closes without resetting the connection:
// the client may still be sending a body, and a close with unread data would discard our answer
// on its side before it reads it.
asio::awaitable<void> reject_and_close(std::shared_ptr<State> state, std::shared_ptr<Connection> connection,
                                       http::status status) {
  Response response = make_response(status, 11, std::string(view(obsolete_reason(status))) + "\n", "text/plain");
  response.keep_alive(false);
  response.prepare_payload();
  error_code ec;
  connection->stream.expires_after(kWriteTimeout);
  co_await http::async_write(connection->stream, response, no_throw(ec));
  if (ec || !state->running) co_return;
  connection->stream.socket().shutdown(tcp::socket::shutdown_send, ec);
  connection->stream.expires_after(kDrainTime);
  std::array<char, 4096> sink;
  for (std::size_t drained = 0; drained < kDrainBytes && state->running;) {
    std::size_t n = co_await connection->stream.async_read_some(asio::buffer(sink), no_throw(ec));
    if (ec) break;
    drained += n;
  }
}

asio::awaitable<void> serve_requests(std::shared_ptr<State> state, std::shared_ptr<Connection> connection) {
  static constexpr std::string_view kContinue = "HTTP/1.1 100 Continue\r\n\r\n";
  while (state->running) {
    // One deadline for the wait and the whole request: an idle connection and a slow sender alike
    // are closed after 30 s.
    connection->stream.expires_after(state->config.request_timeout);
    http::request_parser<http::string_body> parser;
    parser.header_limit(RpcServer::kMaxHeaderBytes);
    parser.body_limit(RpcServer::kMaxBodyBytes);
    error_code ec;
    co_await http::async_read_header(connection->stream, connection->buffer, parser, no_throw(ec));
    if (!state->running) co_return;
    if (!ec && !parser.is_done()) {
      // curl sends "Expect: 100-continue" for bodies over 1 KiB and waits a second for this.
      auto expect = parser.get()[http::field::expect];
      if (beast::iequals(expect, "100-continue")) {
        co_await asio::async_write(connection->stream, asio::buffer(kContinue.data(), kContinue.size()),
                                   no_throw(ec));
      }
      if (!ec) co_await http::async_read(connection->stream, connection->buffer, parser, no_throw(ec));
      if (!state->running) co_return;
    }
    if (ec) {
      if (auto status = rejection_for(ec)) co_await reject_and_close(state, connection, *status);
      co_return;
    }

    Request request = parser.release();
    Response response = co_await respond(state, connection, request);
    if (!state->running) co_return;
    response.keep_alive(request.keep_alive());
    response.prepare_payload();
    connection->stream.expires_after(kWriteTimeout);
    co_await http::async_write(connection->stream, response, no_throw(ec));
    if (ec || !request.keep_alive()) break;
  }
  if (state->running) {
    error_code ec;
    connection->stream.socket().shutdown(tcp::socket::shutdown_send, ec);
  }
}

asio::awaitable<void> run_connection(std::shared_ptr<State> state, std::shared_ptr<Connection> connection,
                                     std::uint64_t id) {
  try {
    co_await serve_requests(state, connection);
  } catch (const std::exception& e) {
    // Out of memory, or a Beast invariant: drop this connection, keep the server.
    if (state->running) state->log.warn("rpc", "connection dropped: {}", e.what());
  }
  connection->stream.close();
  state->connections.erase(id);
}

asio::awaitable<void> accept_loop(std::shared_ptr<State> state, std::shared_ptr<tcp::acceptor> acceptor) {
  while (state->running) {
    error_code ec;
    tcp::socket socket = co_await acceptor->async_accept(no_throw(ec));
    if (!state->running) co_return;
    if (ec) {
      if (ec == asio::error::operation_aborted) co_return;
      state->log.warn("rpc", "accept failed: {}", ec.message());
      // Out of descriptors, most likely: pause rather than spin.
      asio::steady_timer pause(state->io, 100ms);
      co_await pause.async_wait(no_throw(ec));
      continue;
    }
    if (state->connections.size() >= RpcServer::kMaxConnections) {
      state->log.debug("rpc", "refused a connection: {} already open", RpcServer::kMaxConnections);
      socket.close(ec);
      continue;
    }
    auto connection = std::make_shared<Connection>(std::move(socket));
    std::uint64_t id = state->next_connection++;
    state->connections.emplace(id, connection);
    asio::co_spawn(state->io, run_connection(state, connection, id), asio::detached);
  }
}

#if defined(__GNUC__) && !defined(__clang__)
#pragma GCC diagnostic pop
#endif

std::expected<std::shared_ptr<tcp::acceptor>, error_code> listen_on(asio::io_context& io,
                                                                    const tcp::endpoint& endpoint) {
  auto acceptor = std::make_shared<tcp::acceptor>(io);
  error_code ec;
  acceptor->open(endpoint.protocol(), ec);
  if (!ec && endpoint.address().is_v6()) acceptor->set_option(asio::ip::v6_only(true), ec);
  if (!ec) acceptor->set_option(tcp::acceptor::reuse_address(true), ec);
  if (!ec) acceptor->bind(endpoint, ec);
  if (!ec) acceptor->listen(asio::socket_base::max_listen_connections, ec);
  if (ec) return std::unexpected(ec);
  return acceptor;
}

} // namespace

RpcServer::RpcServer(asio::io_context& io, RpcServerConfig config, RpcDispatcher& dispatcher,
                     std::function<std::string()> metrics, util::Logger& log)
    : state_(std::make_shared<State>(io, std::move(config), dispatcher, std::move(metrics), log)) {}

RpcServer::~RpcServer() { stop(); }

std::expected<void, std::string> RpcServer::start() {
  State& s = *state_;
  if (s.running || !s.acceptors.empty()) return std::unexpected(std::string("RPC server already started"));

  const std::uint16_t wanted = s.config.port;
  auto v4 = listen_on(s.io, tcp::endpoint(asio::ip::address_v4::loopback(), wanted));
  if (!v4) {
    if (v4.error() == asio::error::address_in_use) {
      return std::unexpected(fmt::format("cannot listen for RPC on 127.0.0.1:{}: the port is in use "
                                         "(is another node running?)", wanted));
    }
    return std::unexpected(fmt::format("cannot listen for RPC on 127.0.0.1:{}: {}", wanted, v4.error().message()));
  }
  error_code ec;
  s.port = (*v4)->local_endpoint(ec).port();
  s.acceptors.push_back(*v4);
  // ::1 on the same port; a host without IPv6 is served over IPv4 alone.
  auto v6 = listen_on(s.io, tcp::endpoint(asio::ip::address_v6::loopback(), s.port));
  if (v6) {
    s.acceptors.push_back(*v6);
  } else {
    s.log.debug("rpc", "not listening on [::1]:{}: {}", s.port, v6.error().message());
  }

  if (s.config.metrics_only) {
    // No credentials on this port: nothing to check, no cookie to write.
  } else if (s.config.password) {
    s.auth.emplace(RpcAuth::from_password(s.config.user.value_or(""), *s.config.password));
  } else {
    auto cookie = RpcAuth::create_cookie(s.config.datadir);
    if (!cookie) {
      for (auto& acceptor : s.acceptors) acceptor->close(ec);
      return std::unexpected(fmt::format("cannot write the RPC cookie: {}", cookie.error()));
    }
    s.auth.emplace(std::move(*cookie));
    s.cookie_path = s.auth->cookie_path();
  }

  s.running = true;
  for (auto& acceptor : s.acceptors) asio::co_spawn(s.io, accept_loop(state_, acceptor), asio::detached);
  s.log.info("rpc", "{} listening on 127.0.0.1:{}{}", s.config.metrics_only ? "metrics server" : "RPC server", s.port,
             v6 ? " and [::1]" : "");
  if (!s.cookie_path.empty()) s.log.info("rpc", "RPC cookie in {}", s.cookie_path.string());
  return {};
}

void RpcServer::stop() {
  State& s = *state_;
  if (s.running) s.dispatcher.stop_waits();
  s.running = false;
  error_code ec;
  for (auto& acceptor : s.acceptors) acceptor->close(ec);
  for (auto& [id, connection] : s.connections) {
    connection->delay.cancel();
    connection->stream.close();
  }
  s.connections.clear();
  if (s.auth) s.auth->remove_cookie();
}

void RpcServer::set_health(std::function<HealthReport()> health) { state_->health = std::move(health); }

std::uint16_t RpcServer::port() const { return state_->port; }

std::filesystem::path RpcServer::cookie_path() const { return state_->cookie_path; }

} // namespace peregrine::node
