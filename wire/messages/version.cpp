#include "wire/messages/version.hpp"

#include "wire/compact_size.hpp"

namespace peregrine::wire {

void read(Reader& r, VersionMessage& m) {
  m = VersionMessage{};
  m.version = r.i32_le("version.version");
  m.services = r.u64_le("version.services");
  m.timestamp = r.i64_le("version.timestamp");
  read(r, m.addr_recv);
  // As in Core: each optional group is read only if bytes remain, and a group cut short is an
  // error. addr_from and the nonce form one group.
  if (!r.ok() || r.at_end()) return;
  read(r, m.addr_from);
  m.nonce = r.u64_le("version.nonce");
  if (!r.ok() || r.at_end()) return;
  ByteSpan agent = r.take(read_compact_size(r, "version.user_agent", kMaxUserAgentSize),
                          "version.user_agent");
  m.user_agent.assign(agent.begin(), agent.end());
  if (!r.ok() || r.at_end()) return;
  m.start_height = r.i32_le("version.start_height");
  if (!r.ok() || r.at_end()) return;
  m.relay = r.boolean("version.relay");
}

void write(Writer& w, const VersionMessage& m) {
  w.i32_le(m.version);
  w.u64_le(m.services);
  w.i64_le(m.timestamp);
  write(w, m.addr_recv);
  write(w, m.addr_from);
  w.u64_le(m.nonce);
  write_var_bytes(w, ByteSpan(reinterpret_cast<const std::uint8_t*>(m.user_agent.data()),
                              m.user_agent.size()));
  w.i32_le(m.start_height);
  w.boolean(m.relay);
}

} // namespace peregrine::wire
