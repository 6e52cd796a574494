#include "util/bech32.hpp"

namespace peregrine::util {
namespace {

constexpr char kCharset[] = "qpzry9x8gf2tvdw0s3jn54khce6mua7l";

// BIP173's BCH code checksum over GF(32).
std::uint32_t polymod(const std::vector<std::uint8_t>& values) {
  static constexpr std::uint32_t kGen[5] = {0x3b6a57b2, 0x26508e6d, 0x1ea119fa, 0x3d4233dd,
                                            0x2a1462b3};
  std::uint32_t chk = 1;
  for (std::uint8_t v : values) {
    std::uint32_t top = chk >> 25;
    chk = (chk & 0x1ffffff) << 5 ^ v;
    for (int i = 0; i < 5; ++i)
      if ((top >> i) & 1) chk ^= kGen[i];
  }
  return chk;
}

} // namespace

std::string bech32_encode(std::string_view hrp, const std::vector<std::uint8_t>& values,
                          Bech32Variant variant) {
  // The checksum covers the hrp expanded (high bits, a zero, low bits), the data and six zeros.
  std::vector<std::uint8_t> input;
  input.reserve(hrp.size() * 2 + 1 + values.size() + 6);
  for (char c : hrp) input.push_back(static_cast<std::uint8_t>(c) >> 5);
  input.push_back(0);
  for (char c : hrp) input.push_back(static_cast<std::uint8_t>(c) & 31);
  input.insert(input.end(), values.begin(), values.end());
  input.insert(input.end(), 6, 0);
  const std::uint32_t constant = variant == Bech32Variant::bech32 ? 1 : 0x2bc830a3;
  const std::uint32_t mod = polymod(input) ^ constant;

  std::string out(hrp);
  out.push_back('1');
  for (std::uint8_t v : values) out.push_back(kCharset[v & 31]);
  for (int i = 0; i < 6; ++i) out.push_back(kCharset[(mod >> (5 * (5 - i))) & 31]);
  return out;
}

std::vector<std::uint8_t> bytes_to_5bit(ByteSpan bytes) {
  std::vector<std::uint8_t> out;
  out.reserve((bytes.size() * 8 + 4) / 5);
  std::uint32_t acc = 0;
  int bits = 0;
  for (std::uint8_t b : bytes) {
    acc = (acc << 8 | b) & 0xfff;
    bits += 8;
    while (bits >= 5) {
      bits -= 5;
      out.push_back(static_cast<std::uint8_t>((acc >> bits) & 31));
    }
  }
  if (bits > 0) out.push_back(static_cast<std::uint8_t>((acc << (5 - bits)) & 31));
  return out;
}

std::optional<std::string> segwit_address(std::string_view hrp, int version, ByteSpan program) {
  if (version < 0 || version > 16 || program.size() < 2 || program.size() > 40) return std::nullopt;
  if (version == 0 && program.size() != 20 && program.size() != 32) return std::nullopt;
  std::vector<std::uint8_t> values{static_cast<std::uint8_t>(version)};
  auto five = bytes_to_5bit(program);
  values.insert(values.end(), five.begin(), five.end());
  return bech32_encode(hrp, values,
                       version == 0 ? Bech32Variant::bech32 : Bech32Variant::bech32m);
}

} // namespace peregrine::util
