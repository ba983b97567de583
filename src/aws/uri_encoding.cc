// Percent-encoding exactly as SigV4 specifies it (RFC 3986 unreserved characters kept, upper-case
// hex).
#include <algorithm>
#include <array>
#include <string>

#include "s3upload/aws.h"

namespace s3upload::aws {
namespace {

constexpr bool IsUnreserved(unsigned char c) {
  return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' ||
         c == '.' || c == '_' || c == '~';
}

// The bytes written as they are, with '/' kept or encoded: one table lookup per byte.
constexpr std::array<bool, 256> KeptBytes(bool encode_slash) {
  std::array<bool, 256> kept{};
  for (int c = 0; c < 256; ++c) kept[c] = IsUnreserved(static_cast<unsigned char>(c));
  kept['/'] = !encode_slash;
  return kept;
}
constexpr std::array<bool, 256> kKeptWithSlash = KeptBytes(/*encode_slash=*/false);
constexpr std::array<bool, 256> kKeptWithoutSlash = KeptBytes(/*encode_slash=*/true);

int HexValue(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

}  // namespace

// Keys, upload ids and query values are mostly bytes kept as they are: they are copied a run at a
// time (one append per run, not one per byte, which costs several times the copy).
std::string UriEncode(std::string_view bytes, bool encode_slash) {
  static constexpr char kUpperHex[] = "0123456789ABCDEF";
  const std::array<bool, 256>& kept = encode_slash ? kKeptWithoutSlash : kKeptWithSlash;
  std::string out;
  out.reserve(bytes.size() + bytes.size() / 2);
  for (std::size_t i = 0; i < bytes.size();) {
    std::size_t run = i;
    while (run < bytes.size() && kept[static_cast<unsigned char>(bytes[run])]) ++run;
    out.append(bytes.substr(i, run - i));
    if (run == bytes.size()) break;
    const auto c = static_cast<unsigned char>(bytes[run]);
    const char escape[] = {'%', kUpperHex[c >> 4], kUpperHex[c & 0x0f]};
    out.append(escape, sizeof escape);
    i = run + 1;
  }
  return out;
}

std::optional<std::string> UriDecode(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  for (std::size_t i = 0; i < text.size();) {
    const std::size_t percent = std::min(text.find('%', i), text.size());
    out.append(text.substr(i, percent - i));
    if (percent == text.size()) break;
    if (percent + 2 >= text.size()) return std::nullopt;
    const int high = HexValue(text[percent + 1]);
    const int low = HexValue(text[percent + 2]);
    if (high < 0 || low < 0) return std::nullopt;
    out += static_cast<char>(high * 16 + low);
    i = percent + 3;
  }
  return out;
}

}  // namespace s3upload::aws
