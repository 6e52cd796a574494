// libFuzzer target for what an RPC client controls before any method runs: the request body given
// to RpcDispatcher::handle, and the Authorization header given to RpcAuth::check. Byte 0 chooses:
// even, the rest is a body; odd, the rest is a header value. Replies must be Core-shaped: a status
// Core uses, an empty body only with 204, otherwise one JSON value and a newline.
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "node/json_rpc.hpp"
#include "node/rpc_auth.hpp"
#include "util/json.hpp"

using namespace peregrine;
using namespace peregrine::node;
namespace json = util::json;

namespace {

RpcDispatcher make_dispatcher() {
  RpcDispatcher d;
  d.add({"echo", {"a", "b", "c"}, [](const json::Value& args) -> RpcResult { return args; }});
  // Reads its arguments the way real methods do, with typed accessors and range checks.
  d.add({"sum", {"x", "y"}, [](const json::Value& args) -> RpcResult {
           std::int64_t total = 0;
           for (const auto& arg : *args.as_array()) {
             auto n = arg.as_int64();
             if (!n) return std::unexpected(RpcError{rpc_code::invalid_parameter, "not an integer"});
             if (__builtin_add_overflow(total, *n, &total)) {
               return std::unexpected(RpcError{rpc_code::invalid_parameter, "overflow"});
             }
           }
           return total;
         }});
  d.add({"throws", {}, [](const json::Value&) -> RpcResult { throw std::runtime_error("boom"); }});
  return d;
}

void check_reply(const RpcHttpReply& reply) {
  switch (reply.http_status) {
    case 200: case 204: case 400: case 404: case 413: case 500: break;
    default: __builtin_trap();
  }
  if ((reply.http_status == 204) != reply.body.empty()) __builtin_trap();
  if (reply.body.empty()) return;
  if (reply.body.back() != '\n') __builtin_trap();
  auto parsed = json::parse(reply.body);
  if (!parsed) __builtin_trap();
  if (reply.http_status == 200 && !parsed->is_array() && !parsed->is_object()) __builtin_trap();
  // Anything but 200 is a single error reply.
  if (reply.http_status != 200 && (!parsed->is_object() || !parsed->find("error") ||
                                   !parsed->find("error")->find("code"))) {
    __builtin_trap();
  }
}

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  static const RpcDispatcher dispatcher = make_dispatcher();
  static const RpcAuth auth = RpcAuth::from_password("user", "pa:ss");
  if (size == 0) return 0;
  std::string_view text(reinterpret_cast<const char*>(data + 1), size - 1);

  if ((data[0] & 1) == 0) {
    check_reply(dispatcher.handle(text));
    return 0;
  }

  // Only one credential exists, so whatever passes must decode to exactly it.
  if (auth.check(text)) {
    std::size_t space = text.find_first_of(" \t", text.find_first_not_of(" \t"));
    std::string_view token = text.substr(space);
    token.remove_prefix(token.find_first_not_of(" \t"));
    token = token.substr(0, token.find_last_not_of(" \t") + 1);
    if (decode_base64(token) != "user:pa:ss") __builtin_trap();
  }
  if (auto decoded = decode_base64(text)) {
    std::size_t padding = text.ends_with("==") ? 2 : text.ends_with("=") ? 1 : 0;
    if (decoded->size() != text.size() / 4 * 3 - padding) __builtin_trap();
  }
  return 0;
}
