#include "peer/nat.hpp"

#include <sys/select.h>

#include <chrono>
#include <string>

#include <miniupnpc/miniupnpc.h>
#include <miniupnpc/upnpcommands.h>
#include <natpmp.h>

namespace peregrine::peer {

NatPortMapper::NatPortMapper(std::uint16_t port, bool upnp, bool natpmp, util::Logger& log)
    : port_(port), upnp_(upnp), natpmp_(natpmp), log_(log),
      thread_([this](std::stop_token stop) { run(stop); }) {}

NatPortMapper::~NatPortMapper() {
  thread_.request_stop();
  wake_.notify_all();
  if (thread_.joinable()) thread_.join();
  if (upnp_mapped_) unmap_upnp();
  if (natpmp_mapped_) map_natpmp(0); // lifetime 0 removes the mapping
}

void NatPortMapper::run(std::stop_token stop) {
  while (!stop.stop_requested()) {
    bool mapped = false;
    if (upnp_) mapped = map_upnp() || mapped;
    if (natpmp_ && !stop.stop_requested()) mapped = map_natpmp(kLeaseSeconds) || mapped;
    if (!mapped && !failure_logged_) {
      log_.warn("nat", "could not map port {} with {}{}{}; peers may not reach us from outside",
                port_, upnp_ ? "UPnP" : "", upnp_ && natpmp_ ? " or " : "", natpmp_ ? "NAT-PMP" : "");
      failure_logged_ = true; // once: a missing router is not news every renewal
    }
    // Renew at half the lease; on failure try again as often.
    std::unique_lock lock(mutex_);
    wake_.wait_for(lock, stop, std::chrono::seconds(kLeaseSeconds / 2), [] { return false; });
  }
}

bool NatPortMapper::map_upnp() {
  // Only the two types that lead to a gateway, a second each: the library's default list takes
  // 8 s to come back empty, and shutdown waits for a discovery in progress.
  static const char* const kTypes[] = {"urn:schemas-upnp-org:device:InternetGatewayDevice:1",
                                       "urn:schemas-upnp-org:service:WANIPConnection:1", nullptr};
  int error = 0;
  UPNPDev* devices = upnpDiscoverDevices(kTypes, 1000, nullptr, nullptr, 0, 0, 2, &error, 0);
  if (!devices) return false;
  UPNPUrls urls{};
  IGDdatas data{};
  char lan_address[64] = {};
  int igd = UPNP_GetValidIGD(devices, &urls, &data, lan_address, sizeof lan_address);
  freeUPNPDevlist(devices);
  bool ok = false;
  if (igd == 1) { // a connected Internet gateway
    std::string port = std::to_string(port_);
    std::string lease = std::to_string(kLeaseSeconds);
    int r = UPNP_AddPortMapping(urls.controlURL, data.first.servicetype, port.c_str(), port.c_str(),
                                lan_address, "Peregrine", "TCP", nullptr, lease.c_str());
    ok = r == UPNPCOMMAND_SUCCESS;
    if (ok) {
      if (!upnp_mapped_) log_.info("nat", "UPnP: mapped port {} to {}", port_, lan_address);
      upnp_mapped_ = true;
      upnp_control_url_ = urls.controlURL;
      upnp_service_type_ = data.first.servicetype;
      upnp_lan_address_ = lan_address;
    }
  }
  if (igd != 0) FreeUPNPUrls(&urls);
  return ok;
}

void NatPortMapper::unmap_upnp() {
  std::string port = std::to_string(port_);
  int r = UPNP_DeletePortMapping(upnp_control_url_.c_str(), upnp_service_type_.c_str(), port.c_str(),
                                 "TCP", nullptr);
  log_.info("nat", "UPnP: {} the mapping of port {}", r == UPNPCOMMAND_SUCCESS ? "removed" : "could not remove",
            port_);
}

bool NatPortMapper::map_natpmp(std::uint32_t lifetime) {
  natpmp_t natpmp;
  if (initnatpmp(&natpmp, 0, 0) < 0) return false;
  bool ok = false;
  if (sendnewportmappingrequest(&natpmp, NATPMP_PROTOCOL_TCP, port_, port_, lifetime) >= 0) {
    // The library retries for up to a minute; two seconds is plenty for a router on the LAN.
    auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(2);
    natpmpresp_t response{};
    int r = NATPMP_TRYAGAIN;
    while (r == NATPMP_TRYAGAIN && std::chrono::steady_clock::now() < deadline) {
      fd_set fds;
      FD_ZERO(&fds);
      FD_SET(natpmp.s, &fds);
      timeval timeout{0, 250'000};
      select(natpmp.s + 1, &fds, nullptr, nullptr, &timeout);
      r = readnatpmpresponseorretry(&natpmp, &response);
    }
    ok = r >= 0 && response.resultcode == 0;
    if (ok && lifetime > 0) {
      if (!natpmp_mapped_) {
        log_.info("nat", "NAT-PMP: mapped port {} to public port {}", port_,
                  response.pnu.newportmapping.mappedpublicport);
      }
      natpmp_mapped_ = true;
    } else if (lifetime == 0) {
      log_.info("nat", "NAT-PMP: {} the mapping of port {}", ok ? "removed" : "could not remove", port_);
    }
  }
  closenatpmp(&natpmp);
  return ok;
}

} // namespace peregrine::peer
