// The length of a text's plain prefix: the bytes up to the first one that a JSON escaper, a log
// quoter or a UTF-8 check must look at. Each caller names its plain bytes as a range [kLow, kHigh]
// minus a few exceptions, e.g. PlainPrefixLength<0x20, 0x7e, '"', '\\'> for printable ASCII
// without the quote and the backslash.
//
// Why: every request's answer, policy and log line pass through such a scan, and nearly all of
// their bytes (a base64 policy is ~800 of them) are plain. With SSE2, which every x86-64 CPU has,
// 16 bytes are classified per step (a text of 8 bytes or more entirely so); elsewhere, and for
// shorter texts, a byte at a time, with the same result.
//
// Thread-safety: pure functions.
#pragma once

#include <bit>
#include <cstddef>
#include <string_view>

#if defined(__SSE2__)
#include <emmintrin.h>
#endif

namespace s3upload::text {

template <unsigned char kLow, unsigned char kHigh, char... kExcluded>
constexpr bool IsPlainByte(unsigned char byte) {
  return byte >= kLow && byte <= kHigh && ((byte != static_cast<unsigned char>(kExcluded)) && ...);
}

#if defined(__SSE2__)
// One bit per byte of `bytes` that is not plain.
template <unsigned char kLow, unsigned char kHigh, char... kExcluded>
unsigned NotPlainMask(__m128i bytes) {
  __m128i not_plain = _mm_setzero_si128();
  if constexpr (kLow > 0) {  // byte < kLow, unsigned: max(byte, kLow - 1) == kLow - 1
    const __m128i below = _mm_set1_epi8(static_cast<char>(kLow - 1));
    not_plain = _mm_or_si128(not_plain, _mm_cmpeq_epi8(_mm_max_epu8(bytes, below), below));
  }
  if constexpr (kHigh < 0xff) {  // byte > kHigh, unsigned: max(byte, kHigh + 1) == byte
    const __m128i above = _mm_set1_epi8(static_cast<char>(kHigh + 1));
    not_plain = _mm_or_si128(not_plain, _mm_cmpeq_epi8(_mm_max_epu8(bytes, above), bytes));
  }
  ((not_plain = _mm_or_si128(not_plain, _mm_cmpeq_epi8(bytes, _mm_set1_epi8(kExcluded)))), ...);
  return static_cast<unsigned>(_mm_movemask_epi8(not_plain));
}
#endif

template <unsigned char kLow, unsigned char kHigh, char... kExcluded>
std::size_t PlainPrefixLength(std::string_view text) {
  static_assert(kLow <= kHigh);
  std::size_t i = 0;
#if defined(__SSE2__)
  if (text.size() >= 16) {
    const auto block_at = [&text](std::size_t at) {
      return NotPlainMask<kLow, kHigh, kExcluded...>(
          _mm_loadu_si128(reinterpret_cast<const __m128i*>(text.data() + at)));
    };
    for (; i + 16 <= text.size(); i += 16) {
      if (const unsigned mask = block_at(i); mask != 0) {
        return i + static_cast<std::size_t>(std::countr_zero(mask));
      }
    }
    if (i == text.size()) return i;
    // The tail as the last 16 bytes, overlapping bytes already found plain (so the first byte
    // that is not plain is in the tail): no byte-at-a-time loop for a text of 16 bytes or more.
    const std::size_t last = text.size() - 16;
    const unsigned mask = block_at(last);
    return mask == 0 ? text.size() : last + static_cast<std::size_t>(std::countr_zero(mask));
  }
  if (text.size() >= 8) {
    // Likewise with 8-byte halves (most names and values of a policy are 8 to 15 bytes long): the
    // first eight, then the last eight. The zeroed upper half of the register is not looked at.
    const auto half_at = [&text](std::size_t at) {
      return NotPlainMask<kLow, kHigh, kExcluded...>(
                 _mm_loadl_epi64(reinterpret_cast<const __m128i*>(text.data() + at))) &
             0xffU;
    };
    if (const unsigned mask = half_at(0); mask != 0) {
      return static_cast<std::size_t>(std::countr_zero(mask));
    }
    const std::size_t last = text.size() - 8;
    const unsigned mask = half_at(last);
    return mask == 0 ? text.size() : last + static_cast<std::size_t>(std::countr_zero(mask));
  }
#endif
  while (i < text.size() &&
         IsPlainByte<kLow, kHigh, kExcluded...>(static_cast<unsigned char>(text[i]))) {
    ++i;
  }
  return i;
}

}  // namespace s3upload::text
