#include "addrbook/fixed_seeds.hpp"

#include <array>

#include "wire/address_text.hpp"
#include "addrbook/addr_info.hpp"
#include "addrbook/outbound_policy.hpp"

namespace peregrine::addrbook {
namespace {

constexpr auto kMain = std::to_array<std::string_view>({
    "2.39.163.191:8333",
    "3.9.188.44:8333",
    "5.45.72.11:8333",
    "23.175.0.222:8333",
    "24.6.89.155:8333",
    "31.19.205.19:8333",
    "37.221.197.208:8333",
    "45.88.106.107:8333",
    "46.23.87.218:8333",
    "50.45.128.28:8333",
    "62.210.207.63:8333",
    "64.20.45.42:8333",
    "66.35.84.30:8333",
    "72.46.131.18:8333",
    "77.109.112.223:8333",
    "81.7.17.202:8333",
    "85.214.161.252:8333",
    "88.99.71.213:8333",
    "91.228.45.130:8333",
    "95.211.152.100:8333",
    "104.238.220.199:8333",
    "128.2.12.38:8333",
    "144.2.104.35:8333",
    "162.55.122.93:8333",
    "176.9.62.27:8333",
    "185.26.99.171:8333",
    "193.72.32.187:8333",
    "195.154.172.177:8333",
    "[2001:41d0:203:52c2::]:8333",
    "[2001:470:26:472::b7c]:8333",
    "[2001:bc8:1600:0:208:a2ff:fe0c:8a2e]:8333",
    "[2600:3c01::f03c:93ff:fee6:2146]:8333",
    "[2604:a880:400:d0::1c96:e001]:8333",
    "[2a01:4f8:171:16af::2]:8333",
    "mthicrguvyzgyfxfn6tmdswnmldpvxwcib25xg3ghdna5qttod5huuid.onion:8333",
    "n2buii4clktnynlfp3ccmuxsgwvngugzhpgbggjmrxv7yqi7gejhgaid.onion:8333",
    "onlybestsir3tjebxjh2h52q2q4xgt2rpx3z56adzjzyo6rk6jo3rtid.onion:8333",
    "23zqyu5dxq3gilx5dihlyjh6tbkwombyaks4pbeyg2pqjvv7putq.b32.i2p:0",
    "2dsyxnxzwo6ltuo3hndnoop2qc2pj2czfgmjbjnqrnnxffmr2oaa.b32.i2p:0",
    "3ctq5jucmugxjum2xammfbzgdmsx23ak3peuk64b7vgq5w4z7hqq.b32.i2p:0",
    "[fc1f:22c3:95dc:a3af:4a93:8251:beb9:1858]:8333",
    "[fc6d:f562:86a0:791d:8a20:7aa2:8879:2176]:8333",
});

constexpr auto kTestnet4 = std::to_array<std::string_view>({
    "2.59.134.244:48333",
    "5.182.4.106:48333",
    "34.232.194.104:48333",
    "45.41.204.8:48333",
    "51.158.61.33:48333",
    "65.108.143.22:48333",
    "82.67.102.15:48333",
    "89.58.9.219:48333",
    "104.237.131.138:48333",
    "158.69.118.2:48333",
    "168.119.11.220:48333",
    "195.154.199.2:48333",
    "[2001:bc8:610:9:46a8:42ff:fe0c:d385]:48333",
    "[2600:3c00::f03c:91ff:fe5b:4cf3]:48333",
    "[2a01:4f8:121:4072::2]:48333",
    "[2a03:4000:2a:514::]:48333",
    "24i3bbceydddhykco65oai2dmxirqtvwyom3kyxwzaxbldaog4filyyd.onion:48333",
    "2m4yjmxoamgtzskezmaqwrhfi5hnnzehv44q3fj3ryjwhtz5e53cqmyd.onion:48333",
    "2o6clfldp42aegdjsgnhsvyqydqpltmek2k6yq5etw5bxm7kgrqa.b32.i2p:0",
    "3dxginlmkptubogdcvqfxhdghw55s7ezzq5dv5wl2xkfdgaencwq.b32.i2p:0",
    "[fc1f:22c3:95dc:a3af:4a93:8251:beb9:1858]:48333",
    "222.66.94.2:48333",
});

constexpr auto kSignet = std::to_array<std::string_view>({
    "34.135.189.101:38333",
    "37.120.177.204:38333",
    "45.94.168.5:38333",
    "49.13.117.253:38333",
    "51.79.229.113:38333",
    "82.65.129.71:38333",
    "89.58.37.164:38333",
    "136.144.237.250:38333",
    "148.51.196.40:38333",
    "159.203.133.144:38333",
    "176.9.62.27:38333",
    "188.165.201.163:38333",
    "[2001:41d0:2005:100::c7c]:38333",
    "[2604:a880:4:1d0::352:6000]:38333",
    "[2a01:4f8:13a:c56::2]:38333",
    "[2a02:4780:28:9259::1]:38333",
    "2uqd5pbaxn26o7fl7nqtm2khetqocislppxtxrpqg55wtbcqdrf2y5qd.onion:38333",
    "2ycyu2aba3xsqjr35beqporp5f64ntqs2sau2amn5ztq4j5q76amhqyd.onion:38333",
    "25g5trd4qasb2sbpkk5cvl256l6aiwcwjjqq7xso3ajvlgcvkpaq.b32.i2p:0",
    "3cxteqanevzjd5iufktxxh3l5abj6fs6udqg3bomphzofqjl4aqa.b32.i2p:0",
    "[fc1f:22c3:95dc:a3af:4a93:8251:beb9:1858]:38333",
    "208.68.4.50:38333",
});

} // namespace

std::span<const std::string_view> fixed_seed_text(std::string_view network) {
  if (network == "main") return kMain;
  if (network == "testnet4") return kTestnet4;
  if (network == "signet") return kSignet;
  return {}; // testnet3, regtest, anything else
}

std::vector<wire::AddressEntry> fixed_seeds(std::string_view network, std::int64_t now, Rng& rng) {
  std::vector<wire::AddressEntry> out;
  for (std::string_view line : fixed_seed_text(network)) {
    auto hp = wire::split_host_port(line);
    if (!hp || !hp->port) continue;
    auto address = wire::parse_address(hp->host);
    if (!address) continue;
    if (address->is(wire::NetworkId::ipv6) && address->bytes[0] == 0xfc) {
      address->network = static_cast<std::uint8_t>(wire::NetworkId::cjdns);
    }
    wire::AddressEntry e;
    e.address = std::move(*address);
    e.port = *hp->port;
    e.services = kNodeNetwork | kNodeWitness;
    e.time = static_cast<std::uint32_t>(
        std::max<std::int64_t>(0, now - 7 * kDay - rng.between(0, 7 * kDay)));
    out.push_back(std::move(e));
  }
  return out;
}

} // namespace peregrine::addrbook
