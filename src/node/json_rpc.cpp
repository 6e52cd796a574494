#include "node/json_rpc.hpp"

#include <exception>
#include <utility>

#include <fmt/format.h>

namespace peregrine::node {

namespace json = util::json;

enum class JsonRpcVersion { legacy, v2 };

struct RpcDispatcher::Request {
  std::optional<json::Value> id; // nullopt when the request has none
  JsonRpcVersion version = JsonRpcVersion::legacy;
  std::string method;
  json::Value params = json::Value::array();

  // Only 2.0 has notifications; a 1.0 request without an id is still answered (with id null).
  bool notification() const { return version == JsonRpcVersion::v2 && !id; }
};

namespace {

using Request = RpcDispatcher::Request;

// Core's legacy mapping of an error to an HTTP status, used for every single (non-batch) request
// that fails before its method runs and for 1.0 requests whose method fails.
int http_status_for(int code) {
  if (code == rpc_code::invalid_request) return 400;
  if (code == rpc_code::method_not_found) return 404;
  return 500;
}

json::Value error_object(const RpcError& error) {
  json::Value e = json::Value::object();
  e.set("code", error.code);
  e.set("message", error.message);
  return e;
}

// 1.0: "result", "error" and "id", null where they do not apply. 2.0: "jsonrpc", one of
// "result"/"error", and "id". Member order is Core's.
json::Value reply_object(const Request& request, const RpcResult& outcome) {
  json::Value reply = json::Value::object();
  if (request.version == JsonRpcVersion::v2) {
    reply.set("jsonrpc", "2.0");
    if (outcome) {
      reply.set("result", *outcome);
    } else {
      reply.set("error", error_object(outcome.error()));
    }
  } else {
    reply.set("result", outcome ? *outcome : json::Value());
    reply.set("error", outcome ? json::Value() : error_object(outcome.error()));
  }
  reply.set("id", request.id ? *request.id : json::Value());
  return reply;
}

RpcError invalid_request(std::string message) {
  return {rpc_code::invalid_request, std::move(message)};
}

// Fills `out` as far as it gets: the id and version are read first so an error reply carries them.
std::expected<void, RpcError> parse_request(const json::Value& value, Request& out) {
  if (!value.is_object()) return std::unexpected(invalid_request("Invalid Request object"));
  if (const json::Value* id = value.find("id")) out.id = *id;

  if (const json::Value* version = value.find("jsonrpc"); version && !version->is_null()) {
    const std::string* text = version->as_string();
    if (!text) return std::unexpected(invalid_request("jsonrpc field must be a string"));
    // Some old documentation put "jsonrpc":"1.0" in requests; Core accepts it as legacy.
    if (*text == "2.0") {
      out.version = JsonRpcVersion::v2;
    } else if (*text != "1.0") {
      return std::unexpected(invalid_request("JSON-RPC version not supported"));
    }
  }

  const json::Value* method = value.find("method");
  if (!method || method->is_null()) return std::unexpected(invalid_request("Missing method"));
  const std::string* name = method->as_string();
  if (!name) return std::unexpected(invalid_request("Method must be a string"));
  out.method = *name;

  const json::Value* params = value.find("params");
  if (params && (params->is_array() || params->is_object())) {
    out.params = *params;
  } else if (params && !params->is_null()) {
    return std::unexpected(invalid_request("Params must be an array or object"));
  }
  return {};
}

// Named arguments to positions, as Core's transformNamedArguments: duplicates and unknown names
// are errors; holes before a given argument become null, trailing ones are left out.
RpcResult positional_from_named(const json::Value::Object& named,
                                const std::vector<std::string>& arg_names) {
  std::map<std::string_view, const json::Value*> given;
  for (const auto& [key, value] : named) {
    if (!given.emplace(key, &value).second) {
      return std::unexpected(
          RpcError{rpc_code::invalid_parameter, fmt::format("Parameter {} specified multiple times", key)});
    }
  }
  json::Value positional = json::Value::array();
  std::size_t hole = 0;
  for (const std::string& name : arg_names) {
    auto found = given.find(name);
    if (found == given.end()) {
      ++hole;
      continue;
    }
    for (; hole > 0; --hole) positional.push_back(json::Value());
    positional.push_back(*found->second);
    given.erase(found);
  }
  if (!given.empty()) {
    // Name the first leftover in request order, so the message does not depend on map order.
    for (const auto& [key, value] : named) {
      if (given.contains(key)) {
        return std::unexpected(
            RpcError{rpc_code::invalid_parameter, fmt::format("Unknown named parameter {}", key)});
      }
    }
  }
  return positional;
}

std::string with_newline(const json::Value& value) {
  std::string text = value.dump();
  text.push_back('\n');
  return text;
}

// A reply for a request that could not be read at all: legacy shape, id null.
RpcHttpReply top_level_error(const RpcError& error) {
  return {http_status_for(error.code), with_newline(reply_object(Request{}, std::unexpected(error)))};
}

} // namespace

bool RpcDispatcher::add(RpcMethod method) {
  if (methods_.contains(method.name)) return false;
  std::string name = method.name;
  methods_.emplace(std::move(name), std::move(method));
  return true;
}

bool RpcDispatcher::has(std::string_view name) const { return methods_.find(name) != methods_.end(); }

std::vector<std::string> RpcDispatcher::method_names() const {
  std::vector<std::string> names;
  names.reserve(methods_.size());
  for (const auto& entry : methods_) names.push_back(entry.first);
  return names;
}

const RpcMethod* RpcDispatcher::find(std::string_view name) const {
  auto found = methods_.find(name);
  return found == methods_.end() ? nullptr : &found->second;
}

namespace {

// A handler that threw (a bug: handlers report errors by value).
RpcError internal_error(const char* what) {
  return {rpc_code::internal_error, what ? fmt::format("Internal error: {}", what) : std::string("Internal error")};
}

} // namespace

namespace {

// Registers a call for getrpcinfo while it runs.
class ActiveCallScope {
 public:
  ActiveCallScope(std::shared_ptr<RpcDispatcher::ActiveCalls> calls, const std::string& method) : calls_(std::move(calls)) {
    id_ = calls_->next++;
    calls_->calls.emplace(id_, RpcDispatcher::ActiveCall{method, std::chrono::steady_clock::now()});
  }
  ~ActiveCallScope() { calls_->calls.erase(id_); }
  ActiveCallScope(const ActiveCallScope&) = delete;
  ActiveCallScope& operator=(const ActiveCallScope&) = delete;

 private:
  std::shared_ptr<RpcDispatcher::ActiveCalls> calls_;
  std::uint64_t id_ = 0;
};

} // namespace

std::vector<RpcDispatcher::ActiveCall> RpcDispatcher::active_calls() const {
  std::vector<ActiveCall> out;
  for (const auto& [id, call] : active_->calls) out.push_back(call);
  return out;
}

RpcResult RpcDispatcher::call(const Request& request) const {
  if (warmup_) return std::unexpected(RpcError{rpc_code::in_warmup, *warmup_});
  const RpcMethod* method = find(request.method);
  if (!method || !method->handler) return std::unexpected(RpcError{rpc_code::method_not_found, "Method not found"});
  ActiveCallScope active(active_, request.method);
  try {
    if (const auto* named = request.params.as_object()) {
      auto positional = positional_from_named(*named, method->arg_names);
      if (!positional) return positional;
      return method->handler(*positional);
    }
    return method->handler(request.params);
  } catch (const std::exception& e) {
    // Handlers report errors by value; an exception is a bug, but must not take the server down.
    return std::unexpected(internal_error(e.what()));
  } catch (...) {
    return std::unexpected(internal_error(nullptr));
  }
}

struct RpcDispatcher::Parsed {
  std::optional<RpcHttpReply> reply; // answered before any method runs
  bool batch = false;
  std::vector<Request> requests;
  std::vector<std::optional<RpcError>> errors; // a batch item that is not a valid request
};

RpcDispatcher::Parsed RpcDispatcher::parse(std::string_view body) const {
  Parsed out;
  if (body.size() > kMaxBodyBytes) {
    out.reply = top_level_error(invalid_request("Request body too large"));
    out.reply->http_status = 413;
    return out;
  }
  auto parsed = json::parse(body, json::ParseLimits{.max_depth = kMaxDepth});
  if (!parsed) {
    out.reply = top_level_error({rpc_code::parse_error, "Parse error"});
  } else if (parsed->is_object()) {
    Request request;
    if (auto ok = parse_request(*parsed, request); !ok) {
      // Core answers a malformed single request with an HTTP error in either version.
      out.reply = RpcHttpReply{http_status_for(ok.error().code), with_newline(reply_object(request, std::unexpected(ok.error())))};
    } else {
      out.requests.push_back(std::move(request));
    }
  } else if (const auto* items = parsed->as_array()) {
    if (items->size() > kMaxBatch) {
      out.reply = top_level_error(
          invalid_request(fmt::format("Batch of {} requests is over the limit of {}", items->size(), kMaxBatch)));
      return out;
    }
    out.batch = true;
    for (const json::Value& item : *items) {
      Request request;
      auto ok = parse_request(item, request);
      out.errors.push_back(ok ? std::nullopt : std::optional<RpcError>(ok.error()));
      out.requests.push_back(std::move(request));
    }
  } else {
    out.reply = top_level_error({rpc_code::parse_error, "Top-level object parse error"});
  }
  return out;
}

namespace {

// The HTTP reply for requests and their outcomes, one each.
RpcHttpReply finish(const RpcDispatcher::Parsed& parsed, const std::vector<RpcResult>& outcomes);

} // namespace

RpcHttpReply RpcDispatcher::handle(std::string_view body) const {
  try {
    Parsed parsed = parse(body);
    if (parsed.reply) return *parsed.reply;
    std::vector<RpcResult> outcomes;
    for (std::size_t i = 0; i < parsed.requests.size(); ++i) {
      if (parsed.batch && parsed.errors[i]) {
        outcomes.push_back(std::unexpected(*parsed.errors[i]));
      } else {
        outcomes.push_back(call(parsed.requests[i]));
      }
    }
    return finish(parsed, outcomes);
  } catch (...) {
    // Out of memory while building a reply: answer without allocating more than a literal.
    return {500, {}};
  }
}

peer::asio::awaitable<RpcHttpReply> RpcDispatcher::handle_async(std::string body) const {
  // Held by the frame: after a wait, `this` may be gone if the server stopped meanwhile.
  std::shared_ptr<const std::atomic<bool>> stopped = stopped_;
  std::optional<Parsed> parsed;
  try {
    parsed = parse(body);
  } catch (...) {
    co_return RpcHttpReply{500, {}};
  }
  if (parsed->reply) co_return *parsed->reply;
  std::vector<RpcResult> outcomes;
  for (std::size_t i = 0; i < parsed->requests.size(); ++i) {
    const Request& request = parsed->requests[i];
    if (parsed->batch && parsed->errors[i]) {
      outcomes.push_back(std::unexpected(*parsed->errors[i]));
      continue;
    }
    if (stopped->load()) {
      outcomes.push_back(std::unexpected(RpcError{rpc_code::misc_error, "Shutting down"}));
      continue;
    }
    const RpcMethod* method = warmup_ ? nullptr : find(request.method);
    if (!method || !method->async_handler) {
      outcomes.push_back(call(request));
      continue;
    }
    RpcResult args = request.params;
    if (const auto* named = request.params.as_object()) args = positional_from_named(*named, method->arg_names);
    if (!args) {
      outcomes.push_back(std::move(args));
      continue;
    }
    AsyncRpcHandler handler = method->async_handler; // a copy: the method table may go away
    ActiveCallScope active(active_, request.method);
    std::optional<RpcResult> outcome;
    try {
      outcome = co_await handler(*args, RpcWaits(stopped));
    } catch (const std::exception& e) {
      outcome = std::unexpected(internal_error(e.what()));
    } catch (...) {
      outcome = std::unexpected(internal_error(nullptr));
    }
    outcomes.push_back(std::move(*outcome));
  }
  try {
    co_return finish(*parsed, outcomes);
  } catch (...) {
    co_return RpcHttpReply{500, {}};
  }
}

peer::asio::awaitable<bool> RpcWaits::pause(std::chrono::milliseconds duration) const {
  if (stopped_->load()) co_return false;
  peer::asio::steady_timer timer(co_await peer::asio::this_coro::executor, duration);
  peer::error_code ec;
  co_await timer.async_wait(peer::no_throw(ec));
  co_return !stopped_->load();
}

namespace {

RpcHttpReply finish(const RpcDispatcher::Parsed& parsed, const std::vector<RpcResult>& outcomes) {
  if (!parsed.batch) {
    const Request& request = parsed.requests.front();
    const RpcResult& outcome = outcomes.front();
    if (request.notification()) return {204, {}}; // executed, never answered
    int status = 200;
    // 1.0 errors surface as HTTP errors; 2.0 puts them in a 200 reply.
    if (!outcome && request.version == JsonRpcVersion::legacy) status = http_status_for(outcome.error().code);
    return {status, with_newline(reply_object(request, outcome))};
  }
  // Batches always answer HTTP 200, errors inside; notifications are left out (an empty array
  // when nothing is left, as Core does).
  json::Value replies = json::Value::array();
  for (std::size_t i = 0; i < parsed.requests.size(); ++i) {
    if (!parsed.requests[i].notification()) replies.push_back(reply_object(parsed.requests[i], outcomes[i]));
  }
  return {200, with_newline(replies)};
}

} // namespace

} // namespace peregrine::node
