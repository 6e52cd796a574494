#include "node/rpc_params.hpp"

#include <cstdlib>

#include <fmt/format.h>

namespace peregrine::node::rpc {

const json::Value* arg(const Args& args, std::size_t i) {
  const auto* a = args.as_array();
  if (!a || i >= a->size() || (*a)[i].is_null()) return nullptr;
  return &(*a)[i];
}

RpcError type_error(const json::Value& value, std::string_view expected) {
  static constexpr std::string_view kNames[] = {"null", "bool", "number", "string", "array", "object"};
  const auto index = static_cast<std::size_t>(value.type());
  return {kTypeError, fmt::format("JSON value of type {} is not of expected type {}",
                                  index < std::size(kNames) ? kNames[index] : "unknown", expected)};
}

std::expected<std::string, RpcError> string_arg(const Args& args, std::size_t i, std::string_view name) {
  const json::Value* v = arg(args, i);
  if (!v) return std::unexpected(RpcError{rpc_code::misc_error, fmt::format("Missing required argument {}", name)});
  if (!v->as_string()) return std::unexpected(type_error(*v, "string"));
  return *v->as_string();
}

std::expected<Hash256, RpcError> hash_arg(const Args& args, std::size_t i, std::string_view name) {
  auto text = string_arg(args, i, name);
  if (!text) return std::unexpected(text.error());
  if (text->size() != 64)
    return std::unexpected(invalid_parameter(fmt::format("{} must be of length 64 (not {}, for '{}')", name, text->size(), *text)));
  auto hash = Hash256::from_hex(*text);
  if (!hash) return std::unexpected(invalid_parameter(fmt::format("{} must be hexadecimal string (not '{}')", name, *text)));
  return *hash;
}

std::expected<std::int64_t, RpcError> int_arg(const Args& args, std::size_t i, std::int64_t fallback) {
  const json::Value* v = arg(args, i);
  if (!v) return fallback;
  if (!v->is_number()) return std::unexpected(type_error(*v, "number"));
  auto n = v->as_int64();
  if (!n) return std::unexpected(RpcError{kTypeError, "JSON integer out of range"});
  return *n;
}

std::expected<bool, RpcError> bool_arg(const Args& args, std::size_t i, bool fallback) {
  const json::Value* v = arg(args, i);
  if (!v) return fallback;
  if (!v->is_bool()) return std::unexpected(type_error(*v, "bool"));
  return *v->as_bool();
}

} // namespace peregrine::node::rpc
