// Tests for src/text/utf8.cc: the encoder, and that exactly the encodings of Unicode scalar values
// are valid.
#include "text/utf8.h"

#include <gtest/gtest.h>

#include <cstdint>
#include <string>

namespace s3upload::text {
namespace {

// The UTF-8 encoding of any code point up to U+10FFFF, surrogates included (they are what the
// validator must refuse).
std::string Encode(char32_t code) {
  std::string out;
  AppendUtf8(out, code);
  return out;
}

TEST(AppendUtf8, OneToFourBytes) {
  EXPECT_EQ(Encode(U'A'), "A");
  EXPECT_EQ(Encode(0xfc), "\xc3\xbc");
  EXPECT_EQ(Encode(0x65e5), "\xe6\x97\xa5");
  EXPECT_EQ(Encode(0x1f600), "\xf0\x9f\x98\x80");
  EXPECT_EQ(Encode(0x10ffff), "\xf4\x8f\xbf\xbf");
}

bool IsSurrogate(char32_t code) { return code >= 0xd800 && code <= 0xdfff; }

TEST(IsValidUtf8, EveryScalarValueAndNoSurrogate) {
  for (char32_t code = 0; code <= 0x10ffff; ++code) {
    // Between ASCII text long enough for the 16-byte ASCII skip to run before and after it.
    const std::string text = "0123456789abcdefg" + Encode(code) + "0123456789abcdefg";
    ASSERT_EQ(IsValidUtf8(text), !IsSurrogate(code))
        << std::hex << "U+" << static_cast<std::uint32_t>(code);
  }
}

TEST(IsValidUtf8, EveryTwoByteSequenceIsValidOnlyAsAnEncoding) {
  for (int first = 0; first < 256; ++first) {
    for (int second = 0; second < 256; ++second) {
      const std::string text{static_cast<char>(first), static_cast<char>(second)};
      const bool both_ascii = first < 0x80 && second < 0x80;
      const bool one_character = first >= 0xc2 && first <= 0xdf && second >= 0x80 && second <= 0xbf;
      ASSERT_EQ(IsValidUtf8(text), both_ascii || one_character) << first << " " << second;
    }
  }
}

TEST(IsValidUtf8, IllFormed) {
  EXPECT_TRUE(IsValidUtf8(""));
  EXPECT_TRUE(IsValidUtf8(std::string_view("\0", 1)));
  EXPECT_FALSE(IsValidUtf8("\xc3"));              // truncated
  EXPECT_FALSE(IsValidUtf8("\xe6\x97"));          // truncated
  EXPECT_FALSE(IsValidUtf8("\xed\xa0\x80"));      // an encoded surrogate
  EXPECT_FALSE(IsValidUtf8("\xc1\xbf"));          // overlong
  EXPECT_FALSE(IsValidUtf8("\xe0\x80\xaf"));      // overlong
  EXPECT_FALSE(IsValidUtf8("\xf0\x80\x80\xaf"));  // overlong
  EXPECT_FALSE(IsValidUtf8("\xf4\x90\x80\x80"));  // above U+10FFFF
  EXPECT_FALSE(IsValidUtf8("ok\xfe"));
  EXPECT_FALSE(IsValidUtf8("\x80"));  // a continuation byte alone
  EXPECT_FALSE(IsValidUtf8(std::string(40, 'a') + "\xff" + std::string(40, 'a')));
}

}  // namespace
}  // namespace s3upload::text
