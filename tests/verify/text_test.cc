// The text helpers of verify/internal.h: EqualsIgnoreCase, which compares eight bytes at a time
// (ToLowerAscii8), agrees with the byte-at-a-time definition for every byte value at every
// position, in texts shorter and longer than a block.
#include <gtest/gtest.h>

#include <cstdint>
#include <cstring>
#include <string>

#include "verify/internal.h"

namespace s3upload::verify::internal {
namespace {

bool EqualsIgnoreCaseByByte(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  for (std::size_t i = 0; i < a.size(); ++i) {
    if (ToLowerAscii(a[i]) != ToLowerAscii(b[i])) return false;
  }
  return true;
}

TEST(ToLowerAscii8Test, EveryByteValueInEveryLane) {
  for (int byte = 0; byte < 256; ++byte) {
    for (std::size_t lane = 0; lane < 8; ++lane) {
      std::string text = "Mixed-Az";
      text[lane] = static_cast<char>(byte);
      std::uint64_t bytes = 0;
      std::memcpy(&bytes, text.data(), sizeof bytes);
      const std::uint64_t lowered = ToLowerAscii8(bytes);
      std::string expected = text;
      for (char& c : expected) c = ToLowerAscii(c);
      ASSERT_EQ(std::memcmp(&lowered, expected.data(), sizeof lowered), 0)
          << "byte " << byte << " in lane " << lane;
    }
  }
}

TEST(EqualsIgnoreCaseTest, AgreesWithTheDefinitionForEveryByteAtEveryPosition) {
  const std::string base = "X-Amz-Server-Side-Encryption";  // letters, '-' and both cases
  for (std::size_t length = 0; length <= base.size(); ++length) {
    const std::string a = base.substr(0, length);
    std::string lower = a;
    for (char& c : lower) c = ToLowerAscii(c);
    ASSERT_TRUE(EqualsIgnoreCase(a, lower)) << a;
    for (std::size_t at = 0; at < length; ++at) {
      for (int byte = 0; byte < 256; ++byte) {
        std::string b = lower;
        b[at] = static_cast<char>(byte);
        ASSERT_EQ(EqualsIgnoreCase(a, b), EqualsIgnoreCaseByByte(a, b))
            << "length " << length << ", byte " << byte << " at " << at;
      }
    }
  }
}

TEST(EqualsIgnoreCaseTest, Examples) {
  EXPECT_TRUE(EqualsIgnoreCase("", ""));
  EXPECT_TRUE(EqualsIgnoreCase("Content-Type", "content-type"));
  EXPECT_TRUE(EqualsIgnoreCase("X-AMZ-META-QQFILENAME", "x-amz-meta-qqfilename"));
  EXPECT_FALSE(EqualsIgnoreCase("content-type", "content-typ"));
  EXPECT_FALSE(EqualsIgnoreCase("content_type", "content-type"));
  // Only ASCII letters fold: '@' (0x40) and '`' (0x60), '[' (0x5b) and '{' (0x7b) differ, and
  // so do the bytes 0xc1 and 0xe1.
  EXPECT_FALSE(EqualsIgnoreCase("@@@@@@@@@", "`````````"));
  EXPECT_FALSE(EqualsIgnoreCase("[[[[[[[[[", "{{{{{{{{{"));
  EXPECT_FALSE(
      EqualsIgnoreCase("\xc1\xc1\xc1\xc1\xc1\xc1\xc1\xc1", "\xe1\xe1\xe1\xe1\xe1\xe1\xe1\xe1"));
}

}  // namespace
}  // namespace s3upload::verify::internal
