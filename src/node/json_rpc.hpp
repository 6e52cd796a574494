#pragma once
// The JSON-RPC layer of the RPC server, independent of HTTP: a method table and the dispatch of a
// request body to it, in Bitcoin Core's dialect (JSON-RPC 1.0 legacy replies with HTTP error
// statuses, JSON-RPC 2.0, batches, named parameters). See doc/rpc.md.
#include <cstddef>
#include <expected>
#include <functional>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

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
} // namespace rpc_code

struct RpcError {
  int code;
  std::string message;
};

using RpcResult = std::expected<util::json::Value, RpcError>;

struct RpcMethod {
  std::string name;
  // Named params (an object) are mapped to positions with these; trailing unnamed positions are
  // left out, holes before a given one become null (as Core does).
  std::vector<std::string> arg_names;
  // Called on the server's thread with the positional arguments (always an array).
  std::function<RpcResult(const util::json::Value& positional_args)> handler;
};

struct RpcHttpReply {
  int http_status = 200;
  std::string body; // JSON and a newline; empty for 204 (notifications)
};

class RpcDispatcher {
 public:
  static constexpr std::size_t kMaxBodyBytes = 1 << 20;
  static constexpr std::size_t kMaxDepth = 64;      // JSON nesting in a request
  static constexpr std::size_t kMaxBatch = 1000;    // requests in one batch

  // False (and nothing changes) when a method of that name exists.
  bool add(RpcMethod method);
  bool has(std::string_view name) const;
  std::vector<std::string> method_names() const; // sorted

  // While set, every call fails with -28 and this text (Core's "Loading block index..." phase).
  void set_warmup(std::string status) { warmup_ = std::move(status); }
  void clear_warmup() { warmup_.reset(); }

  // A whole HTTP request body in, the HTTP status and body to answer with out. Never throws
  // (a handler's exception becomes -32603).
  RpcHttpReply handle(std::string_view body) const;

  struct Request; // one parsed request; defined in the .cpp

 private:
  RpcResult call(const Request& request) const;

  std::map<std::string, RpcMethod, std::less<>> methods_;
  std::optional<std::string> warmup_;
};

} // namespace peregrine::node
