#pragma once
// The JSON-RPC layer of the RPC server, independent of HTTP: a method table and the dispatch of a
// request body to it, in Bitcoin Core's dialect (JSON-RPC 1.0 legacy replies with HTTP error
// statuses, JSON-RPC 2.0, batches, named parameters). See doc/rpc.md.
#include <atomic>
#include <chrono>
#include <cstddef>
#include <memory>
#include <expected>
#include <functional>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "peer/asio.hpp"
#include "util/json.hpp"

namespace peregrine::node {

// Bitcoin Core's error codes (src/rpc/protocol.h).
namespace rpc_code {
inline constexpr int parse_error = -32700;
inline constexpr int invalid_request = -32600;
inline constexpr int method_not_found = -32601;
inline constexpr int invalid_params = -32602;
inline constexpr int internal_error = -32603;
inline constexpr int misc_error = -1;
inline constexpr int invalid_address_or_key = -5;
inline constexpr int invalid_parameter = -8;
inline constexpr int in_warmup = -28;
inline constexpr int deserialization_error = -22;
inline constexpr int verify_error = -25;
inline constexpr int client_in_initial_download = -10;
} // namespace rpc_code

struct RpcError {
  int code;
  std::string message;
};

using RpcResult = std::expected<util::json::Value, RpcError>;

// What a waiting method (waitforblockheight) is given: pauses that end early, and say so, when
// the server stops, so a wait never outlives the node it watches.
class RpcWaits {
 public:
  explicit RpcWaits(std::shared_ptr<const std::atomic<bool>> stopped) : stopped_(std::move(stopped)) {}
  // Sleeps on the calling coroutine's executor; false when the server stopped meanwhile (the
  // caller must then return without touching what it watches).
  peer::asio::awaitable<bool> pause(std::chrono::milliseconds duration) const;
  bool stopped() const { return stopped_->load(); }

 private:
  std::shared_ptr<const std::atomic<bool>> stopped_;
};

using AsyncRpcHandler =
    std::function<peer::asio::awaitable<RpcResult>(const util::json::Value& positional_args, const RpcWaits&)>;

struct RpcMethod {
  std::string name;
  // Named params (an object) are mapped to positions with these; trailing unnamed positions are
  // left out, holes before a given one become null (as Core does).
  std::vector<std::string> arg_names;
  // Called on the server's thread with the positional arguments (always an array).
  std::function<RpcResult(const util::json::Value& positional_args)> handler;
  // Instead of `handler`, for a method that waits: a coroutine on the server's io_context. Only
  // handle_async() can run it; handle() answers it with -32601.
  AsyncRpcHandler async_handler{};
  // Core's `help` text: the first line is the call's shape ("getblock \"blockhash\" ( verbosity )"),
  // then a blank line and the description. `category` groups `help`'s list ("Blockchain").
  std::string help{};
  std::string category{};
};

struct RpcHttpReply {
  int http_status = 200;
  std::string body; // JSON and a newline; empty for 204 (notifications)
};

class RpcDispatcher {
 public:
  static constexpr std::size_t kMaxBodyBytes = std::size_t{16} << 20; // submitblock: a 4 MB block is 8 MB of hex
  static constexpr std::size_t kMaxDepth = 64;      // JSON nesting in a request
  static constexpr std::size_t kMaxBatch = 1000;    // requests in one batch

  // False (and nothing changes) when a method of that name exists.
  bool add(RpcMethod method);
  bool has(std::string_view name) const;
  std::vector<std::string> method_names() const; // sorted
  const RpcMethod* find(std::string_view name) const;

  // While set, every call fails with -28 and this text (Core's "Loading block index..." phase).
  void set_warmup(std::string status) { warmup_ = std::move(status); }
  void clear_warmup() { warmup_.reset(); }

  // A whole HTTP request body in, the HTTP status and body to answer with out. Never throws
  // (a handler's exception becomes -32603).
  RpcHttpReply handle(std::string_view body) const;
  // The same, running waiting methods too. After a wait the dispatcher is not touched again if
  // stop_waits() was called meanwhile (the owner may be destroying it).
  peer::asio::awaitable<RpcHttpReply> handle_async(std::string body) const;
  // Ends every wait under way (they answer at once) and any later one: the server is stopping.
  void stop_waits() { stopped_->store(true); }

  // The calls under way (getrpcinfo): the running one, and waits.
  struct ActiveCall {
    std::string method;
    std::chrono::steady_clock::time_point started;
  };
  std::vector<ActiveCall> active_calls() const;
  struct ActiveCalls {
    std::map<std::uint64_t, ActiveCall> calls;
    std::uint64_t next = 0;
  };

  struct Request; // one parsed request; defined in the .cpp
  struct Parsed;  // a body parsed into requests, or the reply it gets at once

 private:
  RpcResult call(const Request& request) const;
  Parsed parse(std::string_view body) const;

  std::map<std::string, RpcMethod, std::less<>> methods_;
  std::optional<std::string> warmup_;
  std::shared_ptr<std::atomic<bool>> stopped_ = std::make_shared<std::atomic<bool>>(false);
  // Shared with handle_async's frames, which may outlive the dispatcher after stop_waits().
  std::shared_ptr<ActiveCalls> active_ = std::make_shared<ActiveCalls>();
};

} // namespace peregrine::node
