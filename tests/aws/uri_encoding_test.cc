// uri_encoding.cc: UriEncode as SigV4 defines it (unreserved characters kept, every other byte
// %XX in upper-case hex, '/' kept or not) and strict UriDecode.
#include <gtest/gtest.h>

#include <optional>
#include <string>
#include <string_view>

#include "s3upload/aws.h"

namespace s3upload::aws {
namespace {

constexpr std::string_view kUnreserved =
    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-._~";

bool IsUnreserved(unsigned char c) {
  return kUnreserved.find(static_cast<char>(c)) != std::string_view::npos;
}

std::string UpperPercent(unsigned char c) {
  static constexpr char kHex[] = "0123456789ABCDEF";
  return std::string{'%', kHex[c >> 4], kHex[c & 15]};
}

// ---------------------------------------------------------------------------------------------
// UriEncode
// ---------------------------------------------------------------------------------------------

TEST(UriEncodeTest, EmptyString) {
  EXPECT_EQ(UriEncode("", false), "");
  EXPECT_EQ(UriEncode("", true), "");
}

TEST(UriEncodeTest, UnreservedCharactersAreKept) {
  EXPECT_EQ(UriEncode(kUnreserved, false), kUnreserved);
  EXPECT_EQ(UriEncode(kUnreserved, true), kUnreserved);
}

TEST(UriEncodeTest, EveryOtherByteIsUpperCasePercentHex) {
  for (int i = 0; i < 256; ++i) {
    const auto c = static_cast<unsigned char>(i);
    const std::string one(1, static_cast<char>(c));
    if (IsUnreserved(c)) {
      EXPECT_EQ(UriEncode(one, true), one) << i;
      continue;
    }
    EXPECT_EQ(UriEncode(one, true), UpperPercent(c)) << i;
    EXPECT_EQ(UriEncode(one, false), c == '/' ? "/" : UpperPercent(c)) << i;
  }
}

TEST(UriEncodeTest, SlashKeptOnlyWhenAskedTo) {
  EXPECT_EQ(UriEncode("a/b/c", false), "a/b/c");
  EXPECT_EQ(UriEncode("a/b/c", true), "a%2Fb%2Fc");
  EXPECT_EQ(UriEncode("/", false), "/");
  EXPECT_EQ(UriEncode("/", true), "%2F");
}

TEST(UriEncodeTest, SpaceIsPercent20NotPlus) {
  EXPECT_EQ(UriEncode("a b", true), "a%20b");
  EXPECT_EQ(UriEncode("a b", false), "a%20b");
  EXPECT_EQ(UriEncode("a+b", true), "a%2Bb");
}

TEST(UriEncodeTest, CharactersEncodeUriComponentWouldKeep) {
  // JavaScript's encodeURIComponent keeps ! ' ( ) *; SigV4 (and Fine Uploader's uriEscapePath)
  // does not.
  EXPECT_EQ(UriEncode("!'()*", true), "%21%27%28%29%2A");
}

TEST(UriEncodeTest, ReservedAndPercent) {
  EXPECT_EQ(UriEncode("a=b&c=d?e#f", true), "a%3Db%26c%3Dd%3Fe%23f");
  EXPECT_EQ(UriEncode("100%", true), "100%25");
  EXPECT_EQ(UriEncode("%20", false), "%2520");  // encoding is not idempotent
  EXPECT_EQ(UriEncode("$:@,;", false), "%24%3A%40%2C%3B");
}

TEST(UriEncodeTest, Utf8BytesAreEncodedOneByOne) {
  EXPECT_EQ(UriEncode("\xc3\xbc", true), "%C3%BC");                               // ü
  EXPECT_EQ(UriEncode("\xe2\x82\xac", true), "%E2%82%AC");                        // €
  EXPECT_EQ(UriEncode("\xf0\x9f\x98\x80", true), "%F0%9F%98%80");                 // U+1F600
  EXPECT_EQ(UriEncode("\xe6\x97\xa5\xe6\x9c\xac", false), "%E6%97%A5%E6%9C%AC");  // 日本
}

TEST(UriEncodeTest, NulByte) { EXPECT_EQ(UriEncode(std::string_view("a\0b", 3), true), "a%00b"); }

// Fine Uploader protocol doc 4.2: the object key in the resource is uriEscapePath(key).
TEST(UriEncodeTest, FineUploaderKeyExamples) {
  EXPECT_EQ(UriEncode("dir/\xc3\xbc file's (1)*!~.jpg", false),
            "dir/%C3%BC%20file%27s%20%281%29%2A%21~.jpg");
  EXPECT_EQ(UriEncode("uploads/test file+1.jpg", false), "uploads/test%20file%2B1.jpg");
}

// ---------------------------------------------------------------------------------------------
// UriDecode
// ---------------------------------------------------------------------------------------------

TEST(UriDecodeTest, PlainTextIsUnchanged) {
  EXPECT_EQ(UriDecode(""), std::optional<std::string>(""));
  EXPECT_EQ(UriDecode("abc/def~._-"), std::optional<std::string>("abc/def~._-"));
  EXPECT_EQ(UriDecode("\xc3\xbc"), std::optional<std::string>("\xc3\xbc"));
}

TEST(UriDecodeTest, DecodesEscapesInEitherCase) {
  EXPECT_EQ(UriDecode("%C3%BC"), std::optional<std::string>("\xc3\xbc"));
  EXPECT_EQ(UriDecode("%c3%bc"), std::optional<std::string>("\xc3\xbc"));
  EXPECT_EQ(UriDecode("%c3%BC"), std::optional<std::string>("\xc3\xbc"));
  EXPECT_EQ(UriDecode("a%20b%2Fc"), std::optional<std::string>("a b/c"));
  EXPECT_EQ(UriDecode("%41"), std::optional<std::string>("A"));
  EXPECT_EQ(UriDecode("%00"), std::optional<std::string>(std::string(1, '\0')));
  EXPECT_EQ(UriDecode("%25"), std::optional<std::string>("%"));
  EXPECT_EQ(UriDecode("%2520"), std::optional<std::string>("%20"));  // one level only
}

TEST(UriDecodeTest, PlusStaysPlus) {
  EXPECT_EQ(UriDecode("a+b"), std::optional<std::string>("a+b"));
  EXPECT_EQ(UriDecode("+"), std::optional<std::string>("+"));
}

TEST(UriDecodeTest, RefusesLoneOrTruncatedPercent) {
  for (const std::string_view text : {"%", "a%", "%4", "a%4", "100%", "%%", "%%41", "%4%41"}) {
    EXPECT_EQ(UriDecode(text), std::nullopt) << text;
  }
}

TEST(UriDecodeTest, RefusesBadHex) {
  for (const std::string_view text : {"%G0", "%0G", "%zz", "% 20", "%2 ", "%-1", "%+1", "%x1"}) {
    EXPECT_EQ(UriDecode(text), std::nullopt) << text;
  }
}

TEST(UriDecodeTest, RoundTripsEveryByte) {
  std::string bytes;
  for (int i = 0; i < 256; ++i) bytes += static_cast<char>(i);
  EXPECT_EQ(UriDecode(UriEncode(bytes, true)), std::optional<std::string>(bytes));
  EXPECT_EQ(UriDecode(UriEncode(bytes, false)), std::optional<std::string>(bytes));
}

TEST(UriDecodeTest, FineUploaderKeyExamplesRoundTrip) {
  EXPECT_EQ(UriDecode("dir/%C3%BC%20file%27s%20%281%29%2A%21~.jpg"),
            std::optional<std::string>("dir/\xc3\xbc file's (1)*!~.jpg"));
  EXPECT_EQ(UriDecode("uploads/test%20file%2B1.jpg"),
            std::optional<std::string>("uploads/test file+1.jpg"));
}

}  // namespace
}  // namespace s3upload::aws
