// Hex and base64, written out rather than taken from OpenSSL's BIO/EVP_Decode helpers so that
// decoding is strict: those accept whitespace and line breaks, which must never be part of a value
// we verify.
#include <array>
#include <bit>
#include <cstdint>
#include <cstring>
#include <string>

#include "s3upload/aws.h"

#if defined(__x86_64__)
#include <tmmintrin.h>
#endif

namespace s3upload::aws {
namespace {

// The two digits of every byte: every signature and payload hash is written in hex.
constexpr std::array<std::array<char, 2>, 256> MakeHexPairs() {
  constexpr char kHexDigits[] = "0123456789abcdef";
  std::array<std::array<char, 2>, 256> pairs{};
  for (std::size_t v = 0; v < pairs.size(); ++v) {
    pairs[v] = {kHexDigits[v >> 4], kHexDigits[v & 15]};
  }
  return pairs;
}
constexpr std::array<std::array<char, 2>, 256> kHexPairs = MakeHexPairs();
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

#if defined(__x86_64__)
// Encodes 12 bytes into 16 characters per step, 16 bytes at a time (the last four are read, not
// used), while at least 16 are left; returns how many bytes it encoded, a multiple of 3. Every
// x86-64 CPU of the last fifteen years has SSSE3, but the baseline does not promise it, so the
// caller checks. (Wojciech Muła's method: one shuffle lays each 3-byte group out as two 16-bit
// words, two multiplies move the four 6-bit indices into their own bytes, and one more shuffle
// maps each index's range to the offset that turns it into its character.)
__attribute__((target("ssse3"))) std::size_t Base64EncodeBlocks(std::string_view bytes, char* to) {
  // Lane k (4 bytes) gets input bytes 3k+1, 3k, 3k+2, 3k+1: words (a:b) and (b:c).
  const __m128i spread = _mm_set_epi8(10, 11, 9, 10, 7, 8, 6, 7, 4, 5, 3, 4, 1, 2, 0, 1);
  // Index 0 from the top 6 bits of (a:b), index 2 from bits 11..6 of (b:c): mulhi shifts them
  // right by 10 and 6; indices 1 and 3 (bits 9..4 and 5..0): mullo shifts them left by 4 and 8.
  const __m128i high_mask = _mm_set1_epi32(0x0fc0fc00);
  const __m128i high_shift = _mm_set1_epi32(0x04000040);
  const __m128i low_mask = _mm_set1_epi32(0x003f03f0);
  const __m128i low_shift = _mm_set1_epi32(0x01000010);
  // Character = index + offset of its range. Ranges, by index: 0-25 'A'-'Z' (slot 13), 26-51
  // 'a'-'z' (slot 0), 52-61 digits (slots 1-10), 62 '+' (slot 11), 63 '/' (slot 12).
  const __m128i offsets =
      _mm_setr_epi8('a' - 26, '0' - 52, '0' - 52, '0' - 52, '0' - 52, '0' - 52, '0' - 52, '0' - 52,
                    '0' - 52, '0' - 52, '0' - 52, '+' - 62, '/' - 63, 'A', 0, 0);
  std::size_t i = 0;
  for (; i + 16 <= bytes.size(); i += 12, to += 16) {
    const __m128i in = _mm_shuffle_epi8(
        _mm_loadu_si128(reinterpret_cast<const __m128i*>(bytes.data() + i)), spread);
    const __m128i indices = _mm_or_si128(_mm_mulhi_epu16(_mm_and_si128(in, high_mask), high_shift),
                                         _mm_mullo_epi16(_mm_and_si128(in, low_mask), low_shift));
    __m128i slot = _mm_subs_epu8(indices, _mm_set1_epi8(51));
    const __m128i upper = _mm_cmpgt_epi8(_mm_set1_epi8(26), indices);
    slot = _mm_or_si128(slot, _mm_and_si128(upper, _mm_set1_epi8(13)));
    _mm_storeu_si128(reinterpret_cast<__m128i*>(to),
                     _mm_add_epi8(_mm_shuffle_epi8(offsets, slot), indices));
  }
  return i;
}

bool HasSsse3() {
  static const bool has = __builtin_cpu_supports("ssse3");
  return has;
}
#endif

}  // namespace

std::string HexEncode(std::span<const unsigned char> bytes) {
  std::string out(bytes.size() * 2, '\0');
  char* to = out.data();
  for (const unsigned char byte : bytes) {
    std::memcpy(to, kHexPairs[byte].data(), 2);
    to += 2;
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
#if defined(__x86_64__)
  if (HasSsse3()) {
    i = Base64EncodeBlocks(bytes, to);
    to += i / 3 * 4;
  }
#endif
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
