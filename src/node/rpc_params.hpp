#pragma once
// Reading RPC arguments as Bitcoin Core does (positional, null for "not given"), with Core's error
// codes and messages for wrong types and values.
#include <cstdint>
#include <expected>
#include <optional>
#include <string>
#include <string_view>

#include "node/json_rpc.hpp"
#include "util/hash256.hpp"
#include "util/json.hpp"

namespace peregrine::node::rpc {

namespace json = util::json;
using Args = json::Value; // the positional arguments: an array

inline constexpr int kTypeError = -3; // Core's RPC_TYPE_ERROR

// The i-th argument, or nullptr when it is missing or null.
const json::Value* arg(const Args& args, std::size_t i);

inline RpcError invalid_parameter(std::string message) { return {rpc_code::invalid_parameter, std::move(message)}; }
// Core's message for an argument of the wrong JSON type.
RpcError type_error(const json::Value& value, std::string_view expected);

std::expected<std::string, RpcError> string_arg(const Args& args, std::size_t i, std::string_view name);
// A 64-digit hex hash as Core reads one ("blockhash must be of length 64 (not 3, for 'abc')").
std::expected<Hash256, RpcError> hash_arg(const Args& args, std::size_t i, std::string_view name);
// An integer, or `fallback` when not given.
std::expected<std::int64_t, RpcError> int_arg(const Args& args, std::size_t i, std::int64_t fallback);
std::expected<bool, RpcError> bool_arg(const Args& args, std::size_t i, bool fallback);

} // namespace peregrine::node::rpc
