#include "util/base58.hpp"

#include <algorithm>
#include <vector>

namespace peregrine::util {

std::string base58_encode(ByteSpan data) {
  static constexpr char kAlphabet[] =
      "123456789ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz";
  std::size_t zeros = 0;
  while (zeros < data.size() && data[zeros] == 0) ++zeros;
  // Base-58 digits, least significant first: log(256)/log(58) < 1.38 digits per byte.
  std::vector<std::uint8_t> digits;
  digits.reserve((data.size() - zeros) * 138 / 100 + 1);
  for (std::size_t i = zeros; i < data.size(); ++i) {
    unsigned carry = data[i];
    for (auto& d : digits) {
      carry += unsigned{d} << 8;
      d = static_cast<std::uint8_t>(carry % 58);
      carry /= 58;
    }
    while (carry > 0) {
      digits.push_back(static_cast<std::uint8_t>(carry % 58));
      carry /= 58;
    }
  }
  std::string out(zeros, '1');
  out.reserve(zeros + digits.size());
  for (auto it = digits.rbegin(); it != digits.rend(); ++it) out.push_back(kAlphabet[*it]);
  return out;
}

} // namespace peregrine::util
