// Hex and base64, written out rather than taken from OpenSSL's BIO/EVP_Decode helpers so that
// decoding is strict: those accept whitespace and line breaks, which must never be part of a value
// we verify.
#include <array>
#include <bit>
#include <cstdint>
#include <cstring>
#include <string>

#include "s3upload/aws.h"

namespace s3upload::aws {
namespace {

constexpr char kHexDigits[] = "0123456789abcdef";
constexpr char kBase64Alphabet[] =
    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

constexpr std::array<int, 256> MakeBase64Values() {
  std::array<int, 256> values{};
  for (int& v : values) v = -1;
  for (int i = 0; i < 64; ++i) values[static_cast<unsigned char>(kBase64Alphabet[i])] = i;
  return values;
}
constexpr std::array<int, 256> kBase64Values = MakeBase64Values();

// The two characters of every 12-bit group, so that encoding takes two lookups per three bytes.
constexpr std::array<std::array<char, 2>, 4096> MakeBase64Pairs() {
  std::array<std::array<char, 2>, 4096> pairs{};
  for (std::size_t v = 0; v < pairs.size(); ++v) {
    pairs[v] = {kBase64Alphabet[v >> 6], kBase64Alphabet[v & 63]};
  }
  return pairs;
}
constexpr std::array<std::array<char, 2>, 4096> kBase64Pairs = MakeBase64Pairs();

}  // namespace

std::string HexEncode(std::span<const unsigned char> bytes) {
  std::string out;
  out.resize(bytes.size() * 2);
  for (std::size_t i = 0; i < bytes.size(); ++i) {
    out[2 * i] = kHexDigits[bytes[i] >> 4];
    out[2 * i + 1] = kHexDigits[bytes[i] & 0x0f];
  }
  return out;
}

std::string Base64Encode(std::string_view bytes) {
  // Sized once and written in place: a policy of a few hundred bytes is encoded on every policy
  // request, and appending character by character costs several times the encoding itself.
  std::string out((bytes.size() + 2) / 3 * 4, '=');
  char* to = out.data();
  auto at = [&bytes](std::size_t k) {
    return static_cast<unsigned>(static_cast<unsigned char>(bytes[k]));
  };
  std::size_t i = 0;
  // Six bytes (48 bits, four lookups) per step, from one 8-byte load while 8 bytes are left.
  for (; i + 8 <= bytes.size(); i += 6, to += 8) {
    std::uint64_t v = 0;
    std::memcpy(&v, bytes.data() + i, sizeof v);
    if constexpr (std::endian::native == std::endian::little) v = __builtin_bswap64(v);
    std::memcpy(to, kBase64Pairs[(v >> 52) & 0xfff].data(), 2);
    std::memcpy(to + 2, kBase64Pairs[(v >> 40) & 0xfff].data(), 2);
    std::memcpy(to + 4, kBase64Pairs[(v >> 28) & 0xfff].data(), 2);
    std::memcpy(to + 6, kBase64Pairs[(v >> 16) & 0xfff].data(), 2);
  }
  for (; i + 3 <= bytes.size(); i += 3, to += 4) {
    // Two characters per lookup: 12 bits of input each.
    const unsigned v = (at(i) << 16) | (at(i + 1) << 8) | at(i + 2);
    std::memcpy(to, kBase64Pairs[v >> 12].data(), 2);
    std::memcpy(to + 2, kBase64Pairs[v & 0xfff].data(), 2);
  }
  const std::size_t rest = bytes.size() - i;
  if (rest > 0) {  // one or two bytes left: two or three characters, the rest stays '='
    const unsigned v = (at(i) << 16) | (rest == 2 ? at(i + 1) << 8 : 0);
    *to++ = kBase64Alphabet[(v >> 18) & 63];
    *to++ = kBase64Alphabet[(v >> 12) & 63];
    if (rest == 2) *to = kBase64Alphabet[(v >> 6) & 63];
  }
  return out;
}

std::optional<std::string> Base64Decode(std::string_view text) {
  if (text.size() % 4 != 0) return std::nullopt;
  std::string out;
  out.reserve(text.size() / 4 * 3);
  for (std::size_t i = 0; i < text.size(); i += 4) {
    const bool last = i + 4 == text.size();
    int v[4];
    int padding = 0;
    for (int k = 0; k < 4; ++k) {
      const char c = text[i + k];
      if (c == '=' && last && k >= 2) {
        v[k] = 0;
        ++padding;
        continue;
      }
      if (padding > 0) return std::nullopt;  // data after padding
      v[k] = kBase64Values[static_cast<unsigned char>(c)];
      if (v[k] < 0) return std::nullopt;
    }
    const unsigned word = (v[0] << 18) | (v[1] << 12) | (v[2] << 6) | v[3];
    out += static_cast<char>((word >> 16) & 0xff);
    if (padding < 2) out += static_cast<char>((word >> 8) & 0xff);
    if (padding < 1) out += static_cast<char>(word & 0xff);
    // Canonical encodings only: the bits dropped by padding must be zero.
    if ((padding == 1 && (word & 0xff) != 0) || (padding == 2 && (word & 0xffff) != 0)) {
      return std::nullopt;
    }
  }
  return out;
}

}  // namespace s3upload::aws
