// encoding.cc: lower-case hex, and base64 (RFC 4648 section 4 alphabet) with strict decoding.
#include <gtest/gtest.h>

#include <array>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "aws/test_support.h"
#include "s3upload/aws.h"

namespace s3upload::aws {
namespace {

using aws_test::AsBytes;

std::string AllBytes() {
  std::string bytes;
  for (int i = 0; i < 256; ++i) bytes += static_cast<char>(i);
  return bytes;
}

// ---------------------------------------------------------------------------------------------
// Hex
// ---------------------------------------------------------------------------------------------

TEST(HexEncodeTest, Empty) { EXPECT_EQ(HexEncode({}), ""); }

TEST(HexEncodeTest, LowerCaseTwoDigitsPerByte) {
  const std::array<unsigned char, 6> bytes = {0x00, 0x01, 0x0f, 0x7f, 0x80, 0xff};
  EXPECT_EQ(HexEncode(bytes), "00010f7f80ff");
  EXPECT_EQ(HexEncode(AsBytes("\xde\xad\xbe\xef")), "deadbeef");
}

TEST(HexEncodeTest, EveryByte) {
  const std::string hex = HexEncode(AsBytes(AllBytes()));
  ASSERT_EQ(hex.size(), 512u);
  static constexpr char kDigits[] = "0123456789abcdef";
  for (int i = 0; i < 256; ++i) {
    EXPECT_EQ(hex[2 * static_cast<std::size_t>(i)], kDigits[i >> 4]) << i;
    EXPECT_EQ(hex[2 * static_cast<std::size_t>(i) + 1], kDigits[i & 15]) << i;
  }
}

// ---------------------------------------------------------------------------------------------
// Base64: RFC 4648 section 10 vectors, both ways
// ---------------------------------------------------------------------------------------------

struct Base64Vector {
  std::string_view bytes;
  std::string_view text;
};

constexpr Base64Vector kRfc4648Vectors[] = {
    {"", ""},
    {"f", "Zg=="},
    {"fo", "Zm8="},
    {"foo", "Zm9v"},
    {"foob", "Zm9vYg=="},
    {"fooba", "Zm9vYmE="},
    {"foobar", "Zm9vYmFy"},
};

TEST(Base64Test, Rfc4648Encode) {
  for (const Base64Vector& v : kRfc4648Vectors) EXPECT_EQ(Base64Encode(v.bytes), v.text) << v.bytes;
}

TEST(Base64Test, Rfc4648Decode) {
  for (const Base64Vector& v : kRfc4648Vectors) {
    EXPECT_EQ(Base64Decode(v.text), std::optional<std::string>(v.bytes)) << v.text;
  }
}

TEST(Base64Test, HighBytesUseTheStandardAlphabet) {
  EXPECT_EQ(Base64Encode("\xff\xfe\xfd"), "//79");
  EXPECT_EQ(Base64Encode("\xfb\xff"), "+/8=");
  EXPECT_EQ(Base64Decode("//79"), std::optional<std::string>("\xff\xfe\xfd"));
  EXPECT_EQ(Base64Decode("+/8="), std::optional<std::string>("\xfb\xff"));
}

TEST(Base64Test, NulBytes) {
  EXPECT_EQ(Base64Encode(std::string_view("\0", 1)), "AA==");
  EXPECT_EQ(Base64Encode(std::string_view("\0\0", 2)), "AAA=");
  EXPECT_EQ(Base64Encode(std::string_view("\0\0\0", 3)), "AAAA");
  EXPECT_EQ(Base64Decode("AAA="), std::optional<std::string>(std::string(2, '\0')));
}

TEST(Base64Test, EveryByteRoundTripsAtEveryLength) {
  const std::string bytes = AllBytes();
  for (std::size_t length = 0; length <= bytes.size(); ++length) {
    const std::string_view prefix = std::string_view(bytes).substr(256 - length);
    const std::string text = Base64Encode(prefix);
    EXPECT_EQ(text.size(), (length + 2) / 3 * 4) << length;
    EXPECT_EQ(Base64Decode(text), std::optional<std::string>(prefix)) << length;
  }
  EXPECT_TRUE(Base64Encode(bytes).starts_with("AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwd"));
}

// The encoder takes 12 bytes per step (SSSE3) while 16 are left, then 6, then 3: every length up
// to a few blocks, on bytes that put every 6-bit value in every position, against RFC 4648's
// definition written out bit by bit.
TEST(Base64Test, MatchesTheBitByBitDefinitionAtEveryLength) {
  const auto reference = [](std::string_view bytes) {
    static constexpr char kAlphabet[] =
        "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    std::string text;
    for (std::size_t bit = 0; bit < bytes.size() * 8; bit += 6) {
      unsigned index = 0;
      for (std::size_t k = bit; k < bit + 6; ++k) {
        const unsigned byte = k / 8 < bytes.size() ? static_cast<unsigned char>(bytes[k / 8]) : 0;
        index = (index << 1) | ((byte >> (7 - k % 8)) & 1);
      }
      text += kAlphabet[index];
    }
    while (text.size() % 4 != 0) text += '=';
    return text;
  };
  std::string bytes;
  std::uint32_t state = 12345;
  for (int i = 0; i < 300; ++i) {
    state = state * 1103515245 + 12345;
    bytes += static_cast<char>(i < 256 ? (i * 167) & 0xff : state >> 24);
  }
  for (std::size_t length = 0; length <= bytes.size(); ++length) {
    const std::string_view prefix = std::string_view(bytes).substr(0, length);
    ASSERT_EQ(Base64Encode(prefix), reference(prefix)) << length;
  }
}

TEST(Base64Test, EveryAlphabetCharacterDecodes) {
  const std::string alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
  const std::optional<std::string> decoded = Base64Decode(alphabet);
  ASSERT_TRUE(decoded.has_value());
  EXPECT_EQ(decoded->size(), 48u);
  EXPECT_EQ(Base64Encode(*decoded), alphabet);
}

// ---------------------------------------------------------------------------------------------
// Strict decoding: anything but the canonical encoding is refused.
// ---------------------------------------------------------------------------------------------

TEST(Base64StrictTest, RefusesWhitespace) {
  for (const std::string_view text :
       {"Zm9v YmFy", "Zm9v\nYmFy", "Zm9v\r\nYmFy", "Zm9vYmFy\n", " Zm9vYmFy", "Zm9vYmFy ",
        "Zm9v\tYmFy", "Zm9vYg==\n", "Zm9v Yg==", "Zm 9v"}) {
    EXPECT_EQ(Base64Decode(text), std::nullopt) << text;
  }
}

TEST(Base64StrictTest, RefusesBadPadding) {
  for (const std::string_view text : {
           "Zg",        // padding missing
           "Zg=",       // padding short
           "Zm8",       // padding missing
           "Zg===",     // padding too long
           "Z===",      // three '=' are never valid
           "====",      // padding only
           "=Zm9",      // '=' first
           "Zm=v",      // '=' followed by data
           "Zg=a",      // '=' followed by data
           "Zg==Zm9v",  // padding in a group that is not the last
           "Zm8=Zm8=",  // likewise
           "Zm9vY===",  // one data character and three '='
       }) {
    EXPECT_EQ(Base64Decode(text), std::nullopt) << text;
  }
}

TEST(Base64StrictTest, RefusesNonCanonicalTrailingBits) {
  // "f" is "Zg==": 'g' leaves the four dropped bits zero. 'h' (and every other letter but those
  // with zero low bits) sets some of them: another spelling of the same byte, which is refused.
  EXPECT_EQ(Base64Decode("Zh=="), std::nullopt);
  EXPECT_EQ(Base64Decode("Zv=="), std::nullopt);
  EXPECT_EQ(Base64Decode("Zw=="), std::optional<std::string>("g"));  // 'w' = 110000: canonical
  // "fo" is "Zm8=": '8' leaves the two dropped bits zero; '9' does not.
  EXPECT_EQ(Base64Decode("Zm9="), std::nullopt);
  EXPECT_EQ(Base64Decode("Zm+="), std::nullopt);
  EXPECT_EQ(Base64Decode("Zm8="), std::optional<std::string>("fo"));
  EXPECT_EQ(Base64Decode("AB=="), std::nullopt);
  EXPECT_EQ(Base64Decode("AAB="), std::nullopt);
}

TEST(Base64StrictTest, RefusesWrongLength) {
  for (const std::string_view text :
       {"Z", "Zm", "Zm9", "Zm9vY", "Zm9vYm", "Zm9vYmF", "Zm9vYmFy="}) {
    EXPECT_EQ(Base64Decode(text), std::nullopt) << text;
  }
}

TEST(Base64StrictTest, RefusesTheUrlSafeAlphabet) {
  EXPECT_EQ(Base64Decode("__79"), std::nullopt);  // "//79" in base64url
  EXPECT_EQ(Base64Decode("-_8="), std::nullopt);  // "+/8=" in base64url
  EXPECT_EQ(Base64Decode("Zm9-"), std::nullopt);
  EXPECT_EQ(Base64Decode("Zm9_"), std::nullopt);
}

TEST(Base64StrictTest, RefusesOtherBytes) {
  for (const std::string_view text : {"Zm9v!mFy", "Zm9v.mFy", "Zm9v%mFy", "Zm9v\xc3\xa4mF"}) {
    EXPECT_EQ(Base64Decode(text), std::nullopt) << text;
  }
  EXPECT_EQ(Base64Decode(std::string_view("Zm9\0", 4)), std::nullopt);
}

TEST(Base64StrictTest, EmptyInputIsTheEmptyString) {
  EXPECT_EQ(Base64Decode(""), std::optional<std::string>(""));
}

}  // namespace
}  // namespace s3upload::aws
