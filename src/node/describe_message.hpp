#pragma once
// JSON description of a framed P2P message: command, length, checksum status and payload summary.
#include "node/describe.hpp"
#include "util/bytes.hpp"
#include "wire/framing.hpp"

namespace peregrine::node {

// ok is false for a bad checksum, an undecodable payload or a block failing its checks.
// Commands this client does not speak are described (known_command: false) but are not errors.
Description describe_message(const wire::MessageHeader& header, ByteSpan payload);

} // namespace peregrine::node
