#include "peer/ban_list.hpp"

#include <algorithm>

#include "peer/offence.hpp"
#include "util/atomic_file.hpp"
#include "util/file.hpp"
#include "util/json.hpp"

namespace peregrine::peer {
namespace {

namespace json = util::json;
constexpr std::int64_t kFormatVersion = 1;
constexpr std::uintmax_t kMaxFileSize = 64 << 20;

std::optional<std::vector<Ban>> parse_bans(std::string_view text) {
  auto doc = json::parse(text);
  if (!doc) return std::nullopt;
  const json::Value* version = doc->find("version");
  const json::Value* list = doc->find("bans");
  if (!version || version->as_int64() != kFormatVersion || !list || !list->is_array()) {
    return std::nullopt;
  }
  std::vector<Ban> bans;
  for (const auto& entry : *list->as_array()) {
    const json::Value* subnet = entry.find("subnet");
    const json::Value* created = entry.find("created");
    const json::Value* until = entry.find("until");
    const json::Value* reason = entry.find("reason");
    if (!subnet || !subnet->as_string() || !created || !created->as_int64() || !until ||
        !until->as_int64() || !reason || !reason->as_string()) {
      return std::nullopt;
    }
    auto parsed = Subnet::parse(*subnet->as_string());
    if (!parsed) return std::nullopt;
    bans.push_back({*parsed, *created->as_int64(), *until->as_int64(), *reason->as_string()});
  }
  return bans;
}

} // namespace

BanList::BanList(std::filesystem::path file, util::Logger& log, std::int64_t now)
    : file_(std::move(file)), log_(log) {
  if (file_.empty() || !std::filesystem::exists(file_)) return;
  auto text = util::read_text_file(file_, kMaxFileSize);
  auto bans = text ? parse_bans(*text) : std::nullopt;
  if (!bans) {
    auto aside = util::move_aside(file_, ".bad");
    log_.warn("ban", "ban list {} is unreadable; {} and started empty", file_.string(),
              aside ? "moved it to " + aside->string() : "could not move it aside (" + aside.error() + ")");
    return;
  }
  bool dropped = false;
  for (auto& ban : *bans) {
    // Earlier versions banned misbehaving peers automatically, with the offence's name as the
    // reason; Core (and now this client) discourages them instead, so only operator bans stay.
    if (is_offence_name(ban.reason)) {
      log_.info("ban", "dropping automatic ban of {} (misbehaving peers are now discouraged, not banned)",
                ban.subnet.to_string());
      dropped = true;
      continue;
    }
    if (ban.until > now) bans_.push_back(std::move(ban));
  }
  if (dropped) save();
}

void BanList::ban(const Subnet& subnet, std::int64_t now, std::int64_t duration, std::string reason) {
  std::erase_if(bans_, [&](const Ban& b) { return b.subnet == subnet; });
  bans_.push_back({subnet, now, now + duration, std::move(reason)});
  save();
}

bool BanList::unban(const Subnet& subnet) {
  bool removed = std::erase_if(bans_, [&](const Ban& b) { return b.subnet == subnet; }) > 0;
  if (removed) save();
  return removed;
}

bool BanList::is_banned(const wire::NetAddress& address, std::int64_t now) const {
  return std::any_of(bans_.begin(), bans_.end(),
                     [&](const Ban& b) { return b.until > now && b.subnet.contains(address); });
}

std::vector<Ban> BanList::active(std::int64_t now) const {
  std::vector<Ban> out;
  for (const auto& b : bans_)
    if (b.until > now) out.push_back(b);
  return out;
}

void BanList::clear() {
  bans_.clear();
  save();
}

void BanList::save() {
  if (file_.empty()) return;
  json::Value list = json::Value::array();
  for (const auto& b : bans_) {
    json::Value entry = json::Value::object();
    entry.set("subnet", b.subnet.to_string());
    entry.set("created", b.created);
    entry.set("until", b.until);
    entry.set("reason", b.reason);
    list.push_back(std::move(entry));
  }
  json::Value doc = json::Value::object();
  doc.set("version", kFormatVersion);
  doc.set("bans", std::move(list));
  std::string text = doc.dump_pretty() + "\n";
  auto written = util::write_file_atomically(
      file_, ByteSpan(reinterpret_cast<const std::uint8_t*>(text.data()), text.size()));
  if (!written) log_.error("ban", "could not save the ban list: {}", written.error());
}

} // namespace peregrine::peer
