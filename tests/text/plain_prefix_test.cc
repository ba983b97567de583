// Tests for src/text/plain_prefix.h: the SSE2 path and the byte-at-a-time path agree with the
// definition for every byte value, at every position of a block and across block boundaries.
#include "text/plain_prefix.h"

#include <gtest/gtest.h>

#include <string>

namespace s3upload::text {
namespace {

// The definition, one byte at a time.
template <unsigned char kLow, unsigned char kHigh, char... kExcluded>
std::size_t Expected(std::string_view text) {
  std::size_t i = 0;
  while (i < text.size() &&
         IsPlainByte<kLow, kHigh, kExcluded...>(static_cast<unsigned char>(text[i]))) {
    ++i;
  }
  return i;
}

// Every byte value at every position of texts of 0 to 40 plain bytes (so in both 8-byte halves of
// a short text, in the first and second 16-byte block and in the tail), for one choice of plain
// bytes.
template <unsigned char kLow, unsigned char kHigh, char... kExcluded>
void CheckEveryByteAtEveryPosition(char plain) {
  ASSERT_TRUE((IsPlainByte<kLow, kHigh, kExcluded...>(static_cast<unsigned char>(plain))));
  for (std::size_t length = 0; length <= 40; ++length) {
    const std::string all_plain(length, plain);
    ASSERT_EQ((PlainPrefixLength<kLow, kHigh, kExcluded...>(all_plain)), length);
    for (std::size_t at = 0; at < length; ++at) {
      for (int byte = 0; byte < 256; ++byte) {
        std::string text = all_plain;
        text[at] = static_cast<char>(byte);
        ASSERT_EQ((PlainPrefixLength<kLow, kHigh, kExcluded...>(text)),
                  (Expected<kLow, kHigh, kExcluded...>(text)))
            << "length " << length << ", byte " << byte << " at " << at;
      }
    }
  }
}

TEST(PlainPrefixLength, JsonForAnyParser) {
  CheckEveryByteAtEveryPosition<0x20, 0x7e, '"', '\\'>('a');
}

TEST(PlainPrefixLength, JsonForBrowsers) {
  CheckEveryByteAtEveryPosition<0x20, 0x7e, '"', '\\', '<', '>', '&'>('Q');
}

TEST(PlainPrefixLength, WithoutUpperBound) {
  CheckEveryByteAtEveryPosition<0x20, 0xff, '"', '\\'>('\xc3');
}

TEST(PlainPrefixLength, WithoutLowerBound) { CheckEveryByteAtEveryPosition<0x00, 0x7f>('\0'); }

TEST(PlainPrefixLength, Examples) {
  EXPECT_EQ((PlainPrefixLength<0x20, 0x7e, '"', '\\'>("")), 0u);
  EXPECT_EQ((PlainPrefixLength<0x20, 0x7e, '"', '\\'>("say \"hi\"")), 4u);
  EXPECT_EQ((PlainPrefixLength<0x20, 0x7e, '"', '\\'>(std::string(100, 'x') + "\n")), 100u);
  EXPECT_EQ((PlainPrefixLength<'!', 0x7e, '"', '=', '\\'>("policy.acl")), 10u);
  EXPECT_EQ((PlainPrefixLength<'!', 0x7e, '"', '=', '\\'>("k=v")), 1u);
  EXPECT_EQ((PlainPrefixLength<0x00, 0x7f>("caf\xc3\xa9")), 3u);
}

}  // namespace
}  // namespace s3upload::text
