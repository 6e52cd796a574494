#include "node/rpc_args.hpp"

#include <cmath>

#include <fmt/format.h>

#include "util/hex.hpp"

namespace peregrine::node {

namespace json = util::json;

const json::Value* rpc_arg(const json::Value& args, std::size_t i) {
  const auto* a = args.as_array();
  if (!a || i >= a->size() || (*a)[i].is_null()) return nullptr;
  return &(*a)[i];
}

std::expected<std::string, RpcError> rpc_string_arg(const json::Value& args, std::size_t i, std::string_view name) {
  const json::Value* v = rpc_arg(args, i);
  if (!v) return std::unexpected(RpcError{rpc_code::misc_error, fmt::format("{} is required", name)});
  if (!v->as_string()) return std::unexpected(RpcError{rpc_code::type_error, fmt::format("{} must be a string", name)});
  return *v->as_string();
}

std::expected<std::int64_t, RpcError> rpc_int_arg(const json::Value& args, std::size_t i, std::string_view name,
                                                  std::int64_t fallback) {
  const json::Value* v = rpc_arg(args, i);
  if (!v) return fallback;
  if (auto n = v->as_int64()) return *n;
  return std::unexpected(RpcError{rpc_code::type_error, fmt::format("{} must be a whole number", name)});
}

std::expected<Hash256, RpcError> rpc_hash_arg(const json::Value& args, std::size_t i, std::string_view name) {
  auto text = rpc_string_arg(args, i, name);
  if (!text) return std::unexpected(text.error());
  if (text->size() != 64)
    return std::unexpected(RpcError{rpc_code::invalid_parameter,
                                    fmt::format("{} must be of length 64 (not {}, for '{}')", name, text->size(), *text)});
  auto hash = Hash256::from_hex(*text);
  if (!hash)
    return std::unexpected(RpcError{rpc_code::invalid_parameter, fmt::format("{} must be hexadecimal string (not '{}')", name, *text)});
  return *hash;
}

} // namespace peregrine::node
