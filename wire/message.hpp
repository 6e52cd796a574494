#pragma once
// Every P2P message this client speaks, as one variant, with decoding by command name.
#include <array>
#include <expected>
#include <string_view>
#include <variant>

#include "util/bytes.hpp"
#include "wire/decode_error.hpp"
#include "wire/framing.hpp"
#include "wire/messages/addr.hpp"
#include "wire/messages/addrv2.hpp"
#include "wire/messages/block.hpp"
#include "wire/messages/blocktxn.hpp"
#include "wire/messages/cmpctblock.hpp"
#include "wire/messages/feefilter.hpp"
#include "wire/messages/getaddr.hpp"
#include "wire/messages/getblocks.hpp"
#include "wire/messages/getblocktxn.hpp"
#include "wire/messages/getdata.hpp"
#include "wire/messages/getheaders.hpp"
#include "wire/messages/headers.hpp"
#include "wire/messages/inv.hpp"
#include "wire/messages/notfound.hpp"
#include "wire/messages/ping.hpp"
#include "wire/messages/pong.hpp"
#include "wire/messages/sendaddrv2.hpp"
#include "wire/messages/sendcmpct.hpp"
#include "wire/messages/sendheaders.hpp"
#include "wire/messages/verack.hpp"
#include "wire/messages/version.hpp"
#include "wire/messages/wtxidrelay.hpp"

namespace peregrine::wire {

// Each alternative has a unique kCommand and read/write overloads; adding a message here is all
// the dispatch needs.
using Message = std::variant<VersionMessage, VerackMessage, PingMessage, PongMessage,
                             GetHeadersMessage, HeadersMessage, GetDataMessage, InvMessage,
                             NotFoundMessage, BlockMessage, SendHeadersMessage, SendCmpctMessage,
                             CmpctBlockMessage, GetBlockTxnMessage, BlockTxnMessage,
                             FeeFilterMessage, AddrMessage, AddrV2Message, SendAddrV2Message,
                             GetAddrMessage, WtxidRelayMessage, GetBlocksMessage>;

namespace detail {
template <class V>
struct CommandsOf;
template <class... Ts>
struct CommandsOf<std::variant<Ts...>> {
  static constexpr std::array<std::string_view, sizeof...(Ts)> value{Ts::kCommand...};
};
} // namespace detail

// The commands of Message's alternatives, in variant order.
inline constexpr auto kMessageCommands = detail::CommandsOf<Message>::value;

// Decodes a payload by command. Unknown command → unknown_command. Bytes left over →
// trailing_bytes, except for version, whose extra bytes are ignored as Core does (future fields).
std::expected<Message, DecodeError> decode_message(std::string_view command, ByteSpan payload);

std::string_view command_of(const Message& m);
Bytes encode_payload(const Message& m);
// The full message with its 24-byte header.
Bytes encode_message(const Magic& magic, const Message& m);

} // namespace peregrine::wire
