#pragma once
// Reading the positional arguments of an RPC call with Bitcoin Core's errors for wrong ones.
#include <cstddef>
#include <cstdint>
#include <expected>
#include <string>
#include <string_view>

#include "node/json_rpc.hpp"
#include "util/hash256.hpp"

namespace peregrine::node {

// Core's RPC_TYPE_ERROR, RPC_DESERIALIZATION_ERROR and RPC_VERIFY_ERROR.
namespace rpc_code {
inline constexpr int type_error = -3;
inline constexpr int deserialization_error = -22;
inline constexpr int verify_error = -25;
} // namespace rpc_code

// The argument at position i, or nullptr when absent or null.
const util::json::Value* rpc_arg(const util::json::Value& args, std::size_t i);

// A required string argument (-3 when it is something else, -1 when missing).
std::expected<std::string, RpcError> rpc_string_arg(const util::json::Value& args, std::size_t i, std::string_view name);

// An integer argument; fallback when absent. -3 when it is not a whole number.
std::expected<std::int64_t, RpcError> rpc_int_arg(const util::json::Value& args, std::size_t i, std::string_view name,
                                                  std::int64_t fallback);

// A 64-digit hex hash in display order, with Core's -8 messages ("blockhash must be of length 64
// (not N, for 'X')", "blockhash must be hexadecimal string (not 'X')").
std::expected<Hash256, RpcError> rpc_hash_arg(const util::json::Value& args, std::size_t i, std::string_view name);

} // namespace peregrine::node
