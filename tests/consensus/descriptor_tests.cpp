#include <doctest/doctest.h>

#include <string>

#include "consensus/chainparams.hpp"
#include "consensus/script/descriptor.hpp"
#include "util/hex.hpp"

using namespace peregrine;
using namespace peregrine::consensus;

namespace {

std::string desc_of(const std::string& hex, Network network = Network::main) {
  return infer_descriptor(*util::from_hex(hex), chain_params(network));
}

} // namespace

TEST_CASE("BIP380 checksums") {
  // BIP380's example, and descriptors as Core printed them in documented RPC output.
  CHECK(descriptor_checksum("raw(deadbeef)") == "89f8spxm");
  CHECK(descriptor_checksum("addr(bc1qwafvze0200nh9vkq4jmlf4sy0tn0ga5w0zpkpg)") == "qq404gts");
  CHECK(descriptor_checksum("addr(tb1qqqee57lukz37alnwmcyw4kh5dzgrept30uuz4j)") == "xzeac206");
  CHECK(descriptor_checksum("raw(6a0970696e686561646d7a)") == "jfe73c25");
  // A character outside the descriptor set has no checksum.
  CHECK_FALSE(descriptor_checksum("raw(\xc3\xa9)").has_value());
  CHECK_FALSE(descriptor_checksum("raw(\n)").has_value());
}

TEST_CASE("descriptors as Core's verbose transactions show them") {
  // Documented Core output (getblock/decoderawtransaction).
  CHECK(desc_of("4104678afdb0fe5548271967f1a67130b7105cd6a828e03909a67962e0ea1f61deb649f6bc3f4cef3"
                "8c4f35504e51ec112de5c384df7ba0b8d578a4c702b6bf11d5fac") ==
        "pk(04678afdb0fe5548271967f1a67130b7105cd6a828e03909a67962e0ea1f61deb649f6bc3f4cef38c4f3"
        "5504e51ec112de5c384df7ba0b8d578a4c702b6bf11d5f)#vlz6ztea");
  CHECK(desc_of("00147752c165ea7be772b2c0acb7f4d6047ae6f4768e") ==
        "addr(bc1qwafvze0200nh9vkq4jmlf4sy0tn0ga5w0zpkpg)#qq404gts");
  CHECK(desc_of("001400339a7bfcb0a3eefe6ede08eadaf468903c8571", Network::testnet4) ==
        "addr(tb1qqqee57lukz37alnwmcyw4kh5dzgrept30uuz4j)#xzeac206");
  CHECK(desc_of("51203b8b3ab1453eb47e2d4903b963776680e30863df3625d3e74292338ae7928da1") ==
        "rawtr(3b8b3ab1453eb47e2d4903b963776680e30863df3625d3e74292338ae7928da1)#tv35u9pg");
  CHECK(desc_of("51209bcbd366c542d77635150211f6283d3ff4d9979d312cdf42e4bbd047aa77d961",
                Network::regtest) ==
        "rawtr(9bcbd366c542d77635150211f6283d3ff4d9979d312cdf42e4bbd047aa77d961)#q2ud38tc");
  CHECK(desc_of("6a5d21020704b5e1d8e1c8eeb788a30705a02d039f3e01020680dc9afd2808c7e8430a64") ==
        "raw(6a5d21020704b5e1d8e1c8eeb788a30705a02d039f3e01020680dc9afd2808c7e8430a64)#d24em3lg");
}

TEST_CASE("which descriptor function each script gets") {
  auto function_of = [](const std::string& hex) {
    std::string d = desc_of(hex);
    return d.substr(0, d.find('('));
  };
  const std::string key = "034f355bdcb7cc0af728ef3cceb9615d90684bb5b2ca5f859ab0f0b704075871aa";
  CHECK(function_of("76a914751e76e8199196d454941c45d1b3a323f1433bd688ac") == "addr");
  CHECK(function_of("a914373b819a068f32b7a6b38b6b38729647cfde01c287") == "addr");
  CHECK(function_of("51024e73") == "addr");
  CHECK(function_of("6002751e") == "addr");
  CHECK(desc_of("5121" + key + "21" + key + "52ae")
            .starts_with("multi(1," + key + "," + key + ")#"));
  // Hybrid keys (06/07) are not pk()/multi() keys: raw().
  const std::string hybrid =
      "06ae1a62fe09c5f51b13905f07f06b99a2f7159b2225f374cd378d71302fa28414e7aab37397f554a7df5f142c2"
      "1c1b7303b8a0626f1baded5c72a704f7e6cd84c";
  CHECK(function_of("41" + hybrid + "ac") == "raw");
  CHECK(function_of("5121" + key + "41" + hybrid + "52ae") == "raw");
  // A taproot output key that is not on the curve (BIP340's vector 5) has an address only.
  CHECK(function_of("5120eefdea4cdb677750a420fee807eacf21eb9898ae79b9768766e4faa04a2d4a34") ==
        "addr");
  CHECK(function_of("") == "raw");
  CHECK(desc_of("").starts_with("raw()#"));
}
