#pragma once
// The operator's bans (setban RPC): addresses and subnets with an expiry, persisted in the datadir
// (banlist.json), rewritten atomically on every change so a crash never loses or corrupts it.
// Misbehaving peers are discouraged (discouragement.hpp), never banned.
#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>
#include <vector>

#include "peer/subnet.hpp"
#include "util/log.hpp"

namespace peregrine::peer {

struct Ban {
  Subnet subnet;
  std::int64_t created = 0; // seconds since the epoch
  std::int64_t until = 0;
  std::string reason;
};

class BanList {
public:
  // Loads the file if there is one. A file that cannot be read is moved aside (".bad") with one
  // log line, and the list starts empty. Bans written automatically by the old scoring (their
  // reason is an offence name) are dropped, one log line each. An empty path keeps the list in
  // memory only.
  BanList(std::filesystem::path file, util::Logger& log, std::int64_t now);

  void ban(const Subnet& subnet, std::int64_t now, std::int64_t duration, std::string reason);
  bool unban(const Subnet& subnet);
  bool is_banned(const wire::NetAddress& address, std::int64_t now) const;
  std::vector<Ban> active(std::int64_t now) const;
  void clear();

private:
  void save();

  std::filesystem::path file_;
  util::Logger& log_;
  std::vector<Ban> bans_;
};

} // namespace peregrine::peer
