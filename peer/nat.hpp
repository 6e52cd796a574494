#pragma once
// Maps the listening port on the home router with UPnP IGD (miniupnpc) and NAT-PMP (libnatpmp),
// renews the mapping before it expires, and removes it on destruction. Runs on its own thread:
// discovery blocks for seconds. Failure is one log line, never fatal.
#include <condition_variable>
#include <cstdint>
#include <mutex>
#include <stop_token>
#include <string>
#include <thread>

#include "util/log.hpp"

namespace peregrine::peer {

class NatPortMapper {
public:
  NatPortMapper(std::uint16_t port, bool upnp, bool natpmp, util::Logger& log);
  ~NatPortMapper(); // stops the thread and removes the mapping

  NatPortMapper(const NatPortMapper&) = delete;
  NatPortMapper& operator=(const NatPortMapper&) = delete;

private:
  void run(std::stop_token stop);
  bool map_upnp();
  void unmap_upnp();
  bool map_natpmp(std::uint32_t lifetime);

  static constexpr std::uint32_t kLeaseSeconds = 20 * 60;

  std::uint16_t port_;
  bool upnp_;
  bool natpmp_;
  util::Logger& log_;
  std::string upnp_control_url_;
  std::string upnp_service_type_;
  std::string upnp_lan_address_;
  bool upnp_mapped_ = false;
  bool natpmp_mapped_ = false;
  bool failure_logged_ = false;
  std::mutex mutex_;
  std::condition_variable_any wake_;
  std::jthread thread_; // last: starts after every member above is ready
};

} // namespace peregrine::peer
