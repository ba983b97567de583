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

// Unicode chapter 3's maximal subparts: an ill-formed sequence is cut where the next byte could not
// continue it, so the bytes after it start a fresh step.
TEST(NextUtf8Step, WholeSequencesAndMaximalSubparts) {
  struct Case {
    std::string text;
    std::size_t length;
    bool valid;
  };
  const Case cases[] = {
      {"a", 1, true},
      {"\xc3\xa9", 2, true},
      {"\xe2\x80\xa8", 3, true},
      {"\xf0\x9f\x98\x80", 4, true},
      {"\x80", 1, false},              // a continuation byte
      {"\xc0\xaf", 1, false},          // C0 starts no character
      {"\xe0\x80\x80", 1, false},      // E0 needs A0..BF next (overlong otherwise)
      {"\xed\xa0\x80", 1, false},      // ED needs 80..9F next (a surrogate otherwise)
      {"\xf4\x90\x80\x80", 1, false},  // F4 needs 80..8F next (above U+10FFFF otherwise)
      {"\xe2\x80", 2, false},          // truncated at the end
      {"\xe2\x80"
       "a",
       2, false},  // cut short by an ASCII byte
      {"\xf0\x9f\x98", 3, false},
  };
  for (const Case& c : cases) {
    const Utf8Step step = NextUtf8Step(c.text, 0);
    EXPECT_EQ(step.length, c.length) << testing::PrintToString(c.text);
    EXPECT_EQ(step.valid, c.valid) << testing::PrintToString(c.text);
  }
  EXPECT_EQ(NextUtf8Step("a\xc3\xa9", 1).length, 2u);  // from the given offset
}

}  // namespace
}  // namespace s3upload::text
