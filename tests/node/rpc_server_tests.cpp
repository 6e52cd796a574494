// The RPC server: base64 and credentials, the JSON-RPC dispatcher without HTTP, and the HTTP server
// running on its own io thread, driven by a small blocking client.
#include <doctest/doctest.h>

#include <sys/stat.h>

#include <atomic>
#include <cctype>
#include <chrono>
#include <fstream>
#include <functional>
#include <future>
#include <map>
#include <optional>
#include <sstream>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

#include "node/json_rpc.hpp"
#include "node/rpc_control.hpp"
#include "node/rpc_auth.hpp"
#include "node/rpc_server.hpp"
#include "temp_dir.hpp"
#include "util/json.hpp"
#include "util/log.hpp"

using namespace peregrine;
using namespace peregrine::node;
namespace json = util::json;
namespace asio = peer::asio;
using peer::tcp;
using namespace std::chrono_literals;

namespace {

// Test-side encoder, to build Authorization headers.
std::string base64(std::string_view in) {
  static constexpr char kAlphabet[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
  std::string out;
  std::size_t i = 0;
  for (; i + 3 <= in.size(); i += 3) {
    auto n = (std::uint32_t{static_cast<unsigned char>(in[i])} << 16) |
             (std::uint32_t{static_cast<unsigned char>(in[i + 1])} << 8) | static_cast<unsigned char>(in[i + 2]);
    for (int shift : {18, 12, 6, 0}) out.push_back(kAlphabet[(n >> shift) & 63]);
  }
  if (in.size() - i == 1) {
    auto n = std::uint32_t{static_cast<unsigned char>(in[i])} << 16;
    out += {kAlphabet[(n >> 18) & 63], kAlphabet[(n >> 12) & 63], '=', '='};
  } else if (in.size() - i == 2) {
    auto n = (std::uint32_t{static_cast<unsigned char>(in[i])} << 16) |
             (std::uint32_t{static_cast<unsigned char>(in[i + 1])} << 8);
    out += {kAlphabet[(n >> 18) & 63], kAlphabet[(n >> 12) & 63], kAlphabet[(n >> 6) & 63], '='};
  }
  return out;
}

// "__cookie__:" and 64 lower-case hex digits (std::regex trips g++ 12 warnings under the sanitizers).
bool is_cookie(std::string_view text) {
  constexpr std::string_view prefix = "__cookie__:";
  if (!text.starts_with(prefix) || text.size() != prefix.size() + 64) return false;
  return text.substr(prefix.size()).find_first_not_of("0123456789abcdef") == std::string_view::npos;
}

std::string read_file(const std::filesystem::path& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream text;
  text << in.rdbuf();
  return text.str();
}

// What "wait" waits for: set by the test's thread, read on the server's.
std::atomic<bool> g_wait_released{false};

// echo returns its positional arguments; fail and throws are the two ways a method goes wrong;
// wait suspends (as waitforblockheight) until g_wait_released or its timeout in ms.
void add_test_methods(RpcDispatcher& d) {
  d.add({"wait", {"timeout"}, {}, [](const json::Value& args, const RpcWaits& waits) -> asio::awaitable<RpcResult> {
           const auto deadline = std::chrono::steady_clock::now() + std::chrono::milliseconds(*args.as_array()->at(0).as_int64());
           while (!g_wait_released.load()) {
             if (std::chrono::steady_clock::now() >= deadline) co_return json::Value("timeout");
             if (!co_await waits.pause(5ms)) co_return std::unexpected(RpcError{rpc_code::misc_error, "Shutting down"});
           }
           co_return json::Value("released");
         }, "wait timeout\n\nWaits.", "Test"});
  d.add({"echo", {"a", "b", "c"}, [](const json::Value& args) -> RpcResult { return args; }});
  d.add({"fail", {}, [](const json::Value&) -> RpcResult {
           return std::unexpected(RpcError{rpc_code::invalid_parameter, "bad"});
         }});
  d.add({"throws", {}, [](const json::Value&) -> RpcResult { throw std::runtime_error("boom"); }});
}

json::Value parse_json(const std::string& text) {
  auto v = json::parse(text);
  REQUIRE_MESSAGE(v.has_value(), text);
  return *v;
}

std::optional<std::int64_t> error_code_of(const json::Value& reply) {
  const json::Value* e = reply.find("error");
  if (!e || !e->find("code")) return std::nullopt;
  return e->find("code")->as_int64();
}

struct HttpReply {
  int status = 0;
  std::map<std::string, std::string> headers; // names in lower case
  std::string body;
  bool keep_alive = false;
};

std::string lower(std::string text) {
  for (char& c : text) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return text;
}

// A blocking HTTP/1.1 client on its own io_context; requests are written raw so tests can send
// anything, and answers are read by hand (status line, headers, Content-Length body).
class Client {
 public:
  explicit Client(std::uint16_t port, const asio::ip::address& address = asio::ip::address_v4::loopback())
      : socket_(io_) {
    socket_.connect(tcp::endpoint(address, port));
  }

  void send(std::string_view raw) { asio::write(socket_, asio::buffer(raw.data(), raw.size())); }

  // nullopt when the server closed the connection instead of answering.
  std::optional<HttpReply> read() {
    peer::error_code ec;
    auto buffer = asio::dynamic_buffer(pending_, 1 << 16);
    std::size_t head = asio::read_until(socket_, buffer, "\r\n\r\n", ec);
    if (ec) return std::nullopt;
    std::istringstream lines(pending_.substr(0, head));
    pending_.erase(0, head);
    HttpReply r;
    std::string version, line;
    lines >> version >> r.status;
    std::getline(lines, line);
    while (std::getline(lines, line) && line != "\r") {
      auto colon = line.find(':');
      if (colon == std::string::npos) return std::nullopt;
      std::string value = line.substr(colon + 1);
      value.erase(0, value.find_first_not_of(' '));
      if (!value.empty() && value.back() == '\r') value.pop_back();
      r.headers[lower(line.substr(0, colon))] = value;
    }
    std::size_t length = r.headers.contains("content-length") ? std::stoul(r.headers["content-length"]) : 0;
    if (pending_.size() < length) {
      asio::read(socket_, buffer, asio::transfer_exactly(length - pending_.size()), ec);
      if (ec) return std::nullopt;
    }
    r.body = pending_.substr(0, length);
    pending_.erase(0, length);
    r.keep_alive = version == "HTTP/1.1" && lower(r.headers["connection"]) != "close";
    return r;
  }

  HttpReply request(std::string_view method, std::string_view target, std::string_view body,
                    std::optional<std::string> authorization, std::string_view extra_headers = {}) {
    std::string raw = std::string(method) + " " + std::string(target) + " HTTP/1.1\r\nHost: 127.0.0.1\r\n";
    if (authorization) raw += "Authorization: " + *authorization + "\r\n";
    raw += std::string(extra_headers);
    if (method == "POST") raw += "Content-Type: application/json\r\nContent-Length: " + std::to_string(body.size()) + "\r\n";
    raw += "\r\n";
    raw += std::string(body);
    send(raw);
    auto reply = read();
    REQUIRE_MESSAGE(reply.has_value(), "no answer to ", method, " ", target);
    return *reply;
  }

 private:
  asio::io_context io_;
  tcp::socket socket_;
  std::string pending_; // read past the last answer
};

// The server on an io_context run by a thread of its own, as the node runs it.
class TestServer {
 public:
  explicit TestServer(RpcServerConfig config = {}) {
    add_test_methods(dispatcher);
    if (config.datadir.empty()) config.datadir = dir.path;
    server_.emplace(io_, config, dispatcher, [] { return std::string("# TYPE peregrine_up gauge\nperegrine_up 1\n"); },
                    log_);
    auto started = server_->start();
    REQUIRE_MESSAGE(started.has_value(), started.error());
    thread_ = std::thread([this] { io_.run(); });
  }
  ~TestServer() {
    stop();
    work_.reset();
    io_.stop();
    thread_.join();
  }

  void stop() {
    on_io([this] { server_->stop(); });
  }
  // Runs fn on the server's thread and waits for it (what the node does on its io thread).
  void on_io(const std::function<void()>& fn) {
    std::promise<void> done;
    asio::post(io_, [&] {
      fn();
      done.set_value();
    });
    done.get_future().wait();
  }

  std::uint16_t port() const { return server_->port(); }
  RpcServer& server() { return *server_; }
  std::string cookie_auth() const { return "Basic " + base64(read_file(server_->cookie_path())); }

  test::TempDir dir{"peregrine-rpc"};
  RpcDispatcher dispatcher;

 private:
  asio::io_context io_;
  asio::executor_work_guard<asio::io_context::executor_type> work_{io_.get_executor()};
  util::Logger log_{util::Logger::null_sink()};
  std::optional<RpcServer> server_;
  std::thread thread_;
};

} // namespace

TEST_CASE("rpc: base64 decoding is strict RFC 4648") {
  CHECK(decode_base64("") == "");
  CHECK(decode_base64("Zg==") == "f");
  CHECK(decode_base64("Zm8=") == "fo");
  CHECK(decode_base64("Zm9v") == "foo");
  CHECK(decode_base64("Zm9vYg==") == "foob");
  CHECK(decode_base64("Zm9vYmE=") == "fooba");
  CHECK(decode_base64("Zm9vYmFy") == "foobar");
  CHECK(decode_base64("+/8=") == std::string("\xfb\xff", 2));
  CHECK(decode_base64(base64(std::string("\0\x01\xfe\xff", 4))) == std::string("\0\x01\xfe\xff", 4));
  for (std::string_view bad : {"Zg", "Zg=", "Zm9vY", "Zh==", "Zm9=", "Z===", "====", "Zg==Zg==", "Zm 9v",
                               "Zm9v\n", "-_8=", "Zm9v====", "Zg=a"}) {
    CHECK_MESSAGE(!decode_base64(bad), bad);
  }
  CHECK(decode_base64(std::string(4096, 'A')).has_value());
  CHECK(!decode_base64(std::string(4100, 'A')));
  CHECK(!decode_base64("Zm9v", 3));
}

TEST_CASE("rpc: basic auth with fixed credentials") {
  auto auth = RpcAuth::from_password("alice", "s3cret:x");
  CHECK(auth.cookie_path().empty());
  CHECK(auth.check("Basic " + base64("alice:s3cret:x")));
  CHECK(auth.check("  basic   " + base64("alice:s3cret:x") + " "));
  CHECK(!auth.check("Basic " + base64("alice:s3cret:y")));
  CHECK(!auth.check("Basic " + base64("alice:s3cret:xx")));
  CHECK(!auth.check("Basic " + base64("alice:s3cret:")));
  CHECK(!auth.check("Basic " + base64("bob:s3cret:x")));
  CHECK(!auth.check("Basic " + base64("")));
  CHECK(!auth.check("Bearer " + base64("alice:s3cret:x")));
  CHECK(!auth.check("Basic" + base64("alice:s3cret:x")));
  CHECK(!auth.check("Basic not-base64!"));
  CHECK(!auth.check(""));
  CHECK(!auth.check("Basic"));
}

TEST_CASE("rpc: the cookie is random, private and removable") {
  test::TempDir dir("peregrine-rpc");
  auto first = RpcAuth::create_cookie(dir.path / "sub");
  REQUIRE(first.has_value());
  std::filesystem::path path = dir.path / "sub" / ".cookie";
  CHECK(first->cookie_path() == path);
  std::string cookie = read_file(path);
  CHECK(is_cookie(cookie));
  struct stat st{};
  REQUIRE(::stat(path.c_str(), &st) == 0);
  CHECK((st.st_mode & 0777) == 0600);
  CHECK(first->check("Basic " + base64(cookie)));
  CHECK(!std::filesystem::exists(path.string() + ".tmp"));

  auto second = RpcAuth::create_cookie(dir.path / "sub");
  REQUIRE(second.has_value());
  CHECK(read_file(path) != cookie);
  CHECK(!second->check("Basic " + base64(cookie)));
  second->remove_cookie();
  CHECK(!std::filesystem::exists(path));
  second->remove_cookie(); // twice is fine

  auto unwritable = RpcAuth::create_cookie("/proc/peregrine-no-such-dir");
  CHECK(!unwritable.has_value());
}

TEST_CASE("rpc dispatcher: JSON-RPC 1.0 replies") {
  RpcDispatcher d;
  add_test_methods(d);
  CHECK(!d.add({"echo", {}, {}}));
  CHECK(d.method_names() == std::vector<std::string>{"echo", "fail", "throws", "wait"});

  auto ok = d.handle(R"({"method":"echo","params":[1,"x"],"id":"a"})");
  CHECK(ok.http_status == 200);
  CHECK(ok.body == "{\"result\":[1,\"x\"],\"error\":null,\"id\":\"a\"}\n");

  auto no_params = d.handle(R"({"method":"echo","jsonrpc":"1.0"})");
  CHECK(no_params.http_status == 200);
  CHECK(no_params.body == "{\"result\":[],\"error\":null,\"id\":null}\n");

  auto missing = d.handle(R"({"method":"nope","id":{"k":[1]}})");
  CHECK(missing.http_status == 404);
  CHECK(missing.body ==
        "{\"result\":null,\"error\":{\"code\":-32601,\"message\":\"Method not found\"},\"id\":{\"k\":[1]}}\n");

  auto failed = d.handle(R"({"method":"fail","id":1})");
  CHECK(failed.http_status == 500);
  CHECK(error_code_of(parse_json(failed.body)) == -8);

  auto thrown = d.handle(R"({"method":"throws","id":1})");
  CHECK(thrown.http_status == 500);
  CHECK(error_code_of(parse_json(thrown.body)) == rpc_code::internal_error);
  CHECK(parse_json(thrown.body).find("error")->find("message")->as_string()->find("boom") != std::string::npos);

  for (std::string_view body : {"{\"method\":", "", "nul", "{\"method\":\"echo\"} x"}) {
    auto r = d.handle(body);
    CHECK(r.http_status == 500);
    CHECK(r.body == "{\"result\":null,\"error\":{\"code\":-32700,\"message\":\"Parse error\"},\"id\":null}\n");
  }
  auto scalar = d.handle("5");
  CHECK(scalar.http_status == 500);
  CHECK(error_code_of(parse_json(scalar.body)) == -32700);

  std::string deep = std::string(70, '[') + std::string(70, ']');
  CHECK(d.handle(deep).http_status == 500);
}

TEST_CASE("rpc dispatcher: malformed requests are -32600 with HTTP 400") {
  RpcDispatcher d;
  add_test_methods(d);
  for (std::string_view body : {R"({"id":7})", R"({"method":null,"id":7})", R"({"method":5,"id":7})",
                                R"({"method":"echo","params":5,"id":7})", R"({"method":"echo","jsonrpc":"3.0","id":7})",
                                R"({"method":"echo","jsonrpc":2,"id":7})"}) {
    auto r = d.handle(body);
    CHECK_MESSAGE(r.http_status == 400, body);
    auto reply = parse_json(r.body);
    CHECK(error_code_of(reply) == -32600);
    CHECK(*reply.find("id") == json::Value(7));
  }
  // The id and version are read before the error, so a 2.0 request gets a 2.0-shaped error.
  auto v2 = d.handle(R"({"jsonrpc":"2.0","id":3})");
  CHECK(v2.http_status == 400);
  CHECK(v2.body == "{\"jsonrpc\":\"2.0\",\"error\":{\"code\":-32600,\"message\":\"Missing method\"},\"id\":3}\n");
}

TEST_CASE("rpc dispatcher: JSON-RPC 2.0, notifications and batches") {
  RpcDispatcher d;
  add_test_methods(d);
  auto ok = d.handle(R"({"jsonrpc":"2.0","method":"echo","params":[true],"id":9})");
  CHECK(ok.http_status == 200);
  CHECK(ok.body == "{\"jsonrpc\":\"2.0\",\"result\":[true],\"id\":9}\n");

  auto missing = d.handle(R"({"jsonrpc":"2.0","method":"nope","id":null})");
  CHECK(missing.http_status == 200);
  CHECK(missing.body ==
        "{\"jsonrpc\":\"2.0\",\"error\":{\"code\":-32601,\"message\":\"Method not found\"},\"id\":null}\n");
  auto failed = d.handle(R"({"jsonrpc":"2.0","method":"fail","id":1})");
  CHECK(failed.http_status == 200);
  CHECK(parse_json(failed.body).find("result") == nullptr);

  int calls = 0;
  d.add({"count", {}, [&](const json::Value&) -> RpcResult { return ++calls; }});
  auto note = d.handle(R"({"jsonrpc":"2.0","method":"count"})");
  CHECK(note.http_status == 204);
  CHECK(note.body.empty());
  CHECK(calls == 1); // notifications run, they are just not answered
  CHECK(d.handle(R"({"jsonrpc":"2.0","method":"nope"})").http_status == 204);

  auto batch = d.handle(R"([{"jsonrpc":"2.0","method":"echo","params":[1],"id":1},
                            {"method":"nope","id":2},
                            {"jsonrpc":"2.0","method":"count"},
                            17,
                            {"jsonrpc":"2.0","method":"fail","id":"f"}])");
  CHECK(batch.http_status == 200);
  CHECK(calls == 2);
  auto replies = parse_json(batch.body);
  REQUIRE(replies.as_array());
  REQUIRE(replies.as_array()->size() == 4);
  const auto& r = *replies.as_array();
  CHECK(r[0].dump() == R"({"jsonrpc":"2.0","result":[1],"id":1})");
  CHECK(r[1].dump() == R"({"result":null,"error":{"code":-32601,"message":"Method not found"},"id":2})");
  CHECK(error_code_of(r[2]) == -32600);
  CHECK(r[2].find("id")->is_null());
  CHECK(error_code_of(r[3]) == -8);
  CHECK(*r[3].find("id") == json::Value("f"));

  CHECK(d.handle("[]").body == "[]\n");
  std::string big = "[";
  for (std::size_t i = 0; i <= RpcDispatcher::kMaxBatch; ++i) big += (i ? ",1" : "1");
  auto over = d.handle(big + "]");
  CHECK(over.http_status == 400);
  CHECK(error_code_of(parse_json(over.body)) == -32600);
}

TEST_CASE("rpc dispatcher: named parameters") {
  RpcDispatcher d;
  add_test_methods(d);
  auto result = [&](std::string_view params) {
    auto r = d.handle(std::string(R"({"jsonrpc":"2.0","id":1,"method":"echo","params":)") + std::string(params) + "}");
    return parse_json(r.body);
  };
  CHECK(result(R"({"b":2,"a":1})").find("result")->dump() == "[1,2]");
  CHECK(result(R"({"c":3})").find("result")->dump() == "[null,null,3]"); // holes before, none after
  CHECK(result(R"({"a":1})").find("result")->dump() == "[1]");
  CHECK(result("{}").find("result")->dump() == "[]");
  auto unknown = result(R"({"a":1,"zz":2,"yy":3})");
  CHECK(error_code_of(unknown) == -8);
  CHECK(*unknown.find("error")->find("message")->as_string() == "Unknown named parameter zz");
  auto twice = result(R"({"a":1,"a":2})");
  CHECK(error_code_of(twice) == -8);
  CHECK(*twice.find("error")->find("message")->as_string() == "Parameter a specified multiple times");
}

TEST_CASE("rpc dispatcher: warmup answers -28 to everything") {
  RpcDispatcher d;
  add_test_methods(d);
  d.set_warmup("Loading block index...");
  auto r = parse_json(d.handle(R"({"jsonrpc":"2.0","method":"echo","id":1})").body);
  CHECK(error_code_of(r) == -28);
  CHECK(*r.find("error")->find("message")->as_string() == "Loading block index...");
  d.clear_warmup();
  CHECK(d.handle(R"({"jsonrpc":"2.0","method":"echo","id":1})").body == "{\"jsonrpc\":\"2.0\",\"result\":[],\"id\":1}\n");
}

TEST_CASE("rpc server: cookie auth, 401 and the cookie's lifetime") {
  std::filesystem::path cookie;
  {
    TestServer s;
    cookie = s.server().cookie_path();
    CHECK(cookie == s.dir.path / ".cookie");
    REQUIRE(std::filesystem::exists(cookie));
    CHECK(is_cookie(read_file(cookie)));
    struct stat st{};
    REQUIRE(::stat(cookie.c_str(), &st) == 0);
    CHECK((st.st_mode & 0777) == 0600);
    CHECK(s.port() != 0);

    Client c(s.port());
    auto start = std::chrono::steady_clock::now();
    auto none = c.request("POST", "/", R"({"method":"echo"})", std::nullopt);
    CHECK(none.status == 401);
    CHECK(none.headers["www-authenticate"] == "Basic realm=\"jsonrpc\"");
    auto wrong = c.request("POST", "/", R"({"method":"echo"})", "Basic " + base64("__cookie__:00"));
    CHECK(wrong.status == 401);
    CHECK(std::chrono::steady_clock::now() - start >= 490ms); // 250 ms each, by a timer
    // The same connection, still open after the 401s.
    auto ok = c.request("POST", "/", R"({"method":"echo","id":1})", s.cookie_auth());
    CHECK(ok.status == 200);
    CHECK(ok.headers["content-type"] == "application/json");
    CHECK(ok.body == "{\"result\":[],\"error\":null,\"id\":1}\n");
    auto no_metrics = c.request("GET", "/metrics", "", std::nullopt);
    CHECK(no_metrics.status == 401);

    s.stop();
    CHECK(!std::filesystem::exists(cookie));
    CHECK(s.server().cookie_path() == cookie);
    CHECK_THROWS(Client(s.port()));
  }
  CHECK(!std::filesystem::exists(cookie));
}

TEST_CASE("rpc server: user and password, and no cookie") {
  RpcServerConfig config;
  config.user = "alice";
  config.password = "pw";
  TestServer s(config);
  CHECK(s.server().cookie_path().empty());
  CHECK(!std::filesystem::exists(s.dir.path / ".cookie"));
  Client c(s.port());
  CHECK(c.request("POST", "/", R"({"method":"echo"})", "Basic " + base64("alice:pw")).status == 200);
  CHECK(c.request("POST", "/", R"({"method":"echo"})", "Basic " + base64("alice:pW")).status == 401);
}

TEST_CASE("rpc server: the port in use is named") {
  TestServer s;
  asio::io_context io;
  util::Logger log{util::Logger::null_sink()};
  RpcServerConfig config;
  config.port = s.port();
  config.datadir = s.dir.path / "other";
  RpcServer second(io, config, s.dispatcher, {}, log);
  auto started = second.start();
  REQUIRE(!started.has_value());
  CHECK(started.error().find(std::to_string(s.port())) != std::string::npos);
  CHECK(started.error().find("in use") != std::string::npos);
  CHECK(!std::filesystem::exists(s.dir.path / "other" / ".cookie"));
}

TEST_CASE("rpc server: Core's status codes and reply shapes over HTTP") {
  TestServer s;
  std::string auth = s.cookie_auth();
  Client c(s.port());

  auto missing = c.request("POST", "/", R"({"method":"nope","id":1})", auth);
  CHECK(missing.status == 404);
  CHECK(error_code_of(parse_json(missing.body)) == -32601);
  auto garbage = c.request("POST", "/", "{nope", auth);
  CHECK(garbage.status == 500);
  CHECK(error_code_of(parse_json(garbage.body)) == -32700);
  auto invalid = c.request("POST", "/", R"({"id":1})", auth);
  CHECK(invalid.status == 400);

  auto v2 = c.request("POST", "/wallet/w1", R"({"jsonrpc":"2.0","method":"nope","id":"x"})", auth);
  CHECK(v2.status == 200);
  CHECK(v2.body == "{\"jsonrpc\":\"2.0\",\"error\":{\"code\":-32601,\"message\":\"Method not found\"},\"id\":\"x\"}\n");

  auto note = c.request("POST", "/", R"({"jsonrpc":"2.0","method":"echo"})", auth);
  CHECK(note.status == 204);
  CHECK(note.body.empty());

  auto batch = c.request("POST", "/", R"([{"jsonrpc":"2.0","method":"echo","params":{"b":1},"id":1},)"
                                      R"({"jsonrpc":"2.0","method":"echo","params":{"d":1},"id":2}])", auth);
  CHECK(batch.status == 200);
  CHECK(batch.body == "[{\"jsonrpc\":\"2.0\",\"result\":[null,1],\"id\":1},"
                      "{\"jsonrpc\":\"2.0\",\"error\":{\"code\":-8,\"message\":\"Unknown named parameter d\"},\"id\":2}]\n");

  auto metrics = c.request("GET", "/metrics", "", auth);
  CHECK(metrics.status == 200);
  CHECK(metrics.headers["content-type"] == "text/plain; version=0.0.4");
  CHECK(metrics.body == "# TYPE peregrine_up gauge\nperegrine_up 1\n");

  CHECK(c.request("GET", "/", "", auth).status == 405);
  CHECK(c.request("PUT", "/", "", auth, "Content-Length: 0\r\n").status == 405);
  // Every answer above came over this one connection.
  CHECK(c.request("POST", "/", R"({"method":"echo","id":1})", auth).keep_alive);
}

TEST_CASE("rpc server: body and header limits") {
  TestServer s;
  std::string auth = s.cookie_auth();
  {
    // Exactly 1 MiB is accepted.
    std::string body = R"({"method":"echo","id":1})";
    body.resize(RpcServer::kMaxBodyBytes, ' ');
    Client c(s.port());
    CHECK(c.request("POST", "/", body, auth).status == 200);
  }
  {
    // One byte more is refused, and the answer survives the unread body.
    std::string body(RpcServer::kMaxBodyBytes + 1, ' ');
    Client c(s.port());
    auto r = c.request("POST", "/", body, auth);
    CHECK(r.status == 413);
    CHECK(!r.keep_alive);
  }
  {
    // Refused on the declared length alone, before any body arrives.
    Client c(s.port());
    c.send("POST / HTTP/1.1\r\nHost: x\r\nAuthorization: " + auth + "\r\nContent-Length: 99999999\r\n\r\n");
    auto r = c.read();
    REQUIRE(r.has_value());
    CHECK(r->status == 413);
  }
  {
    Client c(s.port());
    c.send("POST / HTTP/1.1\r\nHost: x\r\nX-Big: " + std::string(9000, 'a') + "\r\n\r\n");
    auto r = c.read();
    REQUIRE(r.has_value());
    CHECK(r->status == 431);
  }
  {
    Client c(s.port());
    c.send("NOT HTTP\r\n\r\n");
    auto r = c.read();
    REQUIRE(r.has_value());
    CHECK(r->status == 400);
  }
  {
    // curl's "Expect: 100-continue" gets its interim answer, then the real one.
    Client c(s.port());
    std::string body = R"({"method":"echo","id":1})";
    c.send("POST / HTTP/1.1\r\nHost: x\r\nExpect: 100-continue\r\nAuthorization: " + auth +
           "\r\nContent-Length: " + std::to_string(body.size()) + "\r\n\r\n");
    auto interim = c.read();
    REQUIRE(interim.has_value());
    CHECK(interim->status == 100);
    c.send(body);
    auto r = c.read();
    REQUIRE(r.has_value());
    CHECK(r->status == 200);
  }
}

TEST_CASE("rpc server: idle connections are closed, and at most 32 are open") {
  RpcServerConfig config;
  config.request_timeout = 300ms;
  TestServer s(config);
  std::string auth = s.cookie_auth();
  {
    Client idle(s.port());
    std::this_thread::sleep_for(500ms);
    CHECK(!idle.read().has_value());
  }
  {
    Client slow(s.port());
    slow.send("POST / HTTP/1.1\r\nHost: x\r\n");
    std::this_thread::sleep_for(200ms);
    slow.send("Content-Length: 5\r\n");
    std::this_thread::sleep_for(200ms);
    CHECK(!slow.read().has_value()); // the whole request must arrive within the deadline
  }
}

TEST_CASE("rpc server: connection limit") {
  TestServer s;
  std::string auth = s.cookie_auth();
  std::vector<std::unique_ptr<Client>> clients;
  for (std::size_t i = 0; i < RpcServer::kMaxConnections; ++i) {
    clients.push_back(std::make_unique<Client>(s.port()));
    CHECK(clients.back()->request("POST", "/", R"({"method":"echo"})", auth).status == 200);
  }
  Client refused(s.port());
  refused.send("GET /metrics HTTP/1.1\r\nHost: x\r\nAuthorization: " + auth + "\r\n\r\n");
  CHECK(!refused.read().has_value());

  clients.pop_back(); // frees a slot once the server sees the close
  bool served = false;
  for (int attempt = 0; attempt < 50 && !served; ++attempt) {
    Client again(s.port());
    again.send("GET /metrics HTTP/1.1\r\nHost: x\r\nAuthorization: " + auth + "\r\n\r\n");
    served = again.read().has_value();
    if (!served) std::this_thread::sleep_for(20ms);
  }
  CHECK(served);
}

TEST_CASE("rpc server: also listens on ::1 when the host has IPv6") {
  TestServer s;
  std::optional<Client> c;
  try {
    c.emplace(s.port(), asio::ip::address_v6::loopback());
  } catch (const std::exception&) {
    MESSAGE("no IPv6 loopback here");
    return;
  }
  CHECK(c->request("POST", "/", R"({"method":"echo"})", s.cookie_auth()).status == 200);
}

std::string raw_post(const std::string& auth, std::string_view body) {
  return "POST / HTTP/1.1\r\nHost: x\r\nAuthorization: " + auth + "\r\nContent-Length: " + std::to_string(body.size()) +
         "\r\n\r\n" + std::string(body);
}

TEST_CASE("rpc server: a waiting method suspends while others are served, and ends with the server") {
  g_wait_released = false;
  TestServer s;
  Client waiter(s.port());
  waiter.send(raw_post(s.cookie_auth(), R"({"method":"wait","params":[60000],"id":1})"));
  // While it waits, another connection is answered, and getrpcinfo's source lists the wait.
  Client other(s.port());
  auto echo = other.request("POST", "/", R"({"method":"echo","params":[1],"id":2})", s.cookie_auth());
  CHECK(echo.status == 200);
  g_wait_released = true;
  auto released = waiter.read();
  REQUIRE(released.has_value());
  CHECK(released->body == "{\"result\":\"released\",\"error\":null,\"id\":1}\n");

  // A timeout answers by itself; the dispatcher without an io_context says it cannot run waits.
  g_wait_released = false;
  auto timed = waiter.request("POST", "/", R"({"method":"wait","params":[20],"id":3})", s.cookie_auth());
  CHECK(timed.body == "{\"result\":\"timeout\",\"error\":null,\"id\":3}\n");
  CHECK(error_code_of(parse_json(s.dispatcher.handle(R"({"method":"wait","params":[1]})").body)) == rpc_code::method_not_found);

  // Stopping the server ends a wait under way (the client just sees the connection close).
  waiter.send(raw_post(s.cookie_auth(), R"({"method":"wait","params":[60000],"id":4})"));
  std::this_thread::sleep_for(50ms);
  const auto t0 = std::chrono::steady_clock::now();
  s.stop();
  CHECK(!waiter.read().has_value());
  CHECK(std::chrono::steady_clock::now() - t0 < 5s);
}

TEST_CASE("rpc server: /health without credentials, and the metrics-only port") {
  TestServer s;
  std::atomic<bool> ready{false}; // read on the server's thread
  s.on_io([&] {
    s.server().set_health([&ready] {
      const bool now = ready.load();
      return HealthReport{now, now ? R"({"ready":true})" : R"({"ready":false})"};
    });
  });
  Client c(s.port());
  CHECK(c.request("GET", "/health", "", std::nullopt).status == 503);
  ready = true;
  auto up = c.request("GET", "/health", "", std::nullopt);
  CHECK(up.status == 200);
  CHECK(up.headers["content-type"] == "application/json");
  CHECK(up.body == "{\"ready\":true}\n");
  CHECK(c.request("GET", "/health/ready", "", std::nullopt).status == 200);
  CHECK(c.request("GET", "/health/live", "", std::nullopt).status == 200);
  // Everything else still needs credentials on the RPC port.
  CHECK(c.request("GET", "/metrics", "", std::nullopt).status == 401);

  RpcServerConfig config;
  config.metrics_only = true;
  TestServer m(config);
  CHECK(m.server().cookie_path().empty());
  CHECK(!std::filesystem::exists(m.dir.path / ".cookie"));
  Client mc(m.port());
  auto metrics = mc.request("GET", "/metrics", "", std::nullopt);
  CHECK(metrics.status == 200);
  CHECK(metrics.body.find("peregrine_up 1") != std::string::npos);
  CHECK(mc.request("GET", "/health/live", "", std::nullopt).status == 200);
  // No health source: not ready, and says so.
  auto starting = mc.request("GET", "/health", "", std::nullopt);
  CHECK(starting.status == 503);
  CHECK(parse_json(starting.body).find("ready")->as_bool() == false);
  CHECK(mc.request("POST", "/", R"({"method":"echo"})", std::nullopt).status == 403);
  CHECK(mc.request("GET", "/other", "", std::nullopt).status == 403);
}

TEST_CASE("rpc dispatcher: help lists methods by category, and one method's text") {
  RpcDispatcher d;
  d.add({"getb", {}, [](const json::Value&) { return RpcResult(std::in_place); }, {}, "getb ( x )\n\nB.", "Blockchain"});
  d.add({"geta", {}, [](const json::Value&) { return RpcResult(std::in_place); }, {}, "geta\n\nA.", "Blockchain"});
  d.add({"uptime", {}, [](const json::Value&) { return RpcResult(std::in_place); }, {}, "uptime\n\nU.", "Control"});
  CHECK(help_text(d, "") == "== Blockchain ==\ngeta\ngetb ( x )\n\n== Control ==\nuptime");
  CHECK(help_text(d, "getb") == "getb ( x )\n\nB.");
  CHECK(help_text(d, "nope") == "help: unknown command: nope");
}

TEST_CASE("getmemoryinfo: Core's stats with peregrine_heap, mallinfo's XML, and -8 for another mode") {
  auto stats = memory_info("stats");
  REQUIRE(stats);
  const json::Value* locked = stats->find("locked");
  REQUIRE(locked);
  for (const char* key : {"used", "free", "total", "locked", "chunks_used", "chunks_free"}) {
    REQUIRE(locked->find(key));
    CHECK(locked->find(key)->as_uint64() == 0u);
  }
#if !defined(__SANITIZE_ADDRESS__)
  // The heap in use, and 16 MiB held (and written, so it is really handed out) in it; ASan's
  // allocator bypasses glibc's, whose counters then stay at zero.
  auto in_use = [] {
    auto stats = memory_info("stats");
    REQUIRE(stats);
    const json::Value* heap = stats->find("peregrine_heap");
    REQUIRE(heap);
    return *heap->find("in_use")->as_uint64();
  };
  CHECK(in_use() > 0u);
  const auto before = in_use();
  std::vector<char> held(16u << 20, 1);
  const auto during = in_use();
  CHECK(during >= before + (16u << 20));
  CHECK(held[held.size() / 2] == 1);
#endif
  auto xml = memory_info("mallinfo");
  REQUIRE(xml);
  REQUIRE(xml->as_string());
  CHECK(xml->as_string()->starts_with("<malloc version="));
  auto bad = memory_info("nope");
  REQUIRE(!bad);
  CHECK(bad.error().code == -8);
  CHECK(bad.error().message == "unknown mode nope");
}
