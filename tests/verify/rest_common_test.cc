// The pieces both REST verifiers share: the in-place check of UriEncode's spelling, the query
// parser's views, and the upload id alphabet (also public: IsWellFormedUploadId).
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "s3upload/aws.h"
#include "verify/internal.h"
#include "verify/verify_test_support.h"

namespace s3upload::verify::verify_test {
namespace {

using internal::IsCanonicalUriEncoding;

// What the check stands for: decoding and encoding again gives the same text.
bool RoundTrips(std::string_view text, bool encode_slash) {
  const std::optional<std::string> decoded = aws::UriDecode(text);
  return decoded && aws::UriEncode(*decoded, encode_slash) == text;
}

TEST(RestCommonTest, CanonicalUriEncodingTable) {
  struct Case {
    std::string_view text;
    bool with_slash;     // encode_slash=false: '/' kept
    bool without_slash;  // encode_slash=true
  };
  const Case cases[] = {
      {"", true, true},       {"abcXYZ019-._~", true, true},
      {"a/b", true, false},   {"a%2Fb", false, true},
      {"%20", true, true},    {"%2f", false, false},  // lower-case hex is another spelling
      {"%41", false, false},                          // 'A' is written as it is
      {"%7E", false, false},  {"%25", true, true},
      {"%C3%BC", true, true}, {"%c3%bc", false, false},
      {"%", false, false},    {"%4", false, false},
      {"a%4", false, false},  {"%G0", false, false},
      {"+", false, false},    {" ", false, false},
      {"=", false, false},    {"\x80", false, false},
  };
  for (const Case& c : cases) {
    EXPECT_EQ(IsCanonicalUriEncoding(c.text, false), c.with_slash) << c.text;
    EXPECT_EQ(IsCanonicalUriEncoding(c.text, true), c.without_slash) << c.text;
    EXPECT_EQ(RoundTrips(c.text, false), c.with_slash) << c.text;
    EXPECT_EQ(RoundTrips(c.text, true), c.without_slash) << c.text;
  }
}

// Every string of up to four characters over an alphabet that covers each branch: the in-place
// check agrees with decoding and encoding again.
TEST(RestCommonTest, CanonicalUriEncodingAgreesWithTheRoundTrip) {
  const std::string alphabet = std::string("%2F0aA/ +~") + '\xc3';
  std::vector<std::string> texts = {""};
  for (int length = 1; length <= 4; ++length) {
    std::vector<std::string> longer;
    for (const std::string& text : texts) {
      if (static_cast<int>(text.size()) != length - 1) continue;
      for (const char c : alphabet) longer.push_back(text + c);
    }
    texts.insert(texts.end(), longer.begin(), longer.end());
  }
  for (const std::string& text : texts) {
    for (const bool encode_slash : {false, true}) {
      ASSERT_EQ(IsCanonicalUriEncoding(text, encode_slash), RoundTrips(text, encode_slash))
          << JsonQuote(text) << " encode_slash=" << encode_slash;
    }
  }
}

TEST(RestCommonTest, QueryItemsPointIntoTheQueryOrTheDecodedParts) {
  internal::RestScratch scratch;
  std::pmr::vector<internal::QueryItem> items(scratch.resource());
  std::string decoded;
  const std::string query = "partNumber=2&uploadId=Ab%2B%2F%3D&x&y=";
  ASSERT_FALSE(internal::ParseQuery(query, /*decode=*/true, items, decoded));
  ASSERT_EQ(items.size(), 4u);
  EXPECT_EQ(items[0].name, "partNumber");
  EXPECT_EQ(items[0].name.data(), query.data());  // no escape: the query itself
  EXPECT_EQ(items[0].value, "2");
  EXPECT_EQ(items[1].value, "Ab+/=");
  EXPECT_EQ(items[2].name, "x");
  EXPECT_FALSE(items[2].has_equals);
  EXPECT_TRUE(items[3].has_equals);
  EXPECT_EQ(items[3].value, "");
  // Raw when not decoding.
  items.clear();
  ASSERT_FALSE(internal::ParseQuery(query, /*decode=*/false, items, decoded));
  EXPECT_EQ(items[1].value, "Ab%2B%2F%3D");
  // Refusals.
  for (const std::string_view bad : {"a=1&", "&a", "a=%2", "a%zz=1", "=1"}) {
    items.clear();
    const std::optional<Refusal> refusal = internal::ParseQuery(bad, true, items, decoded);
    ASSERT_TRUE(refusal) << bad;
    EXPECT_EQ(refusal->rule, "rest.query.syntax") << bad;
  }
}

TEST(RestCommonTest, UploadIdAlphabet) {
  UploadRules rules = DocRules();
  auto rule_for = [&rules](std::string_view id) {
    internal::RestScratch scratch;
    std::pmr::vector<internal::QueryItem> items(scratch.resource());
    items.push_back({"partNumber", "1", true});
    items.push_back({"uploadId", id, true});
    const auto identified = internal::IdentifyOperation("PUT", items, rules);
    if (const auto* refusal = std::get_if<Refusal>(&identified)) return refusal->rule;
    EXPECT_EQ(std::get<internal::RestOperation>(identified).upload_id, id);
    return std::string("<accepted>");
  };
  EXPECT_EQ(rule_for("AZaz09._~+/=-"), "<accepted>");
  for (int c = 0; c < 256; ++c) {
    const char byte = static_cast<char>(c);
    const bool allowed = (c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') ||
                         (c >= 'A' && c <= 'Z') ||
                         std::string_view("._~+/=-").find(byte) != std::string_view::npos;
    EXPECT_EQ(rule_for(std::string("id") + byte), allowed ? "<accepted>" : "rest.upload-id") << c;
    // The public form check (the multipart handler's) is the same alphabet.
    EXPECT_EQ(IsWellFormedUploadId(std::string("id") + byte), allowed) << c;
  }
  EXPECT_EQ(rule_for(""), "rest.upload-id");
  EXPECT_FALSE(IsWellFormedUploadId(""));
  EXPECT_TRUE(IsWellFormedUploadId(std::string(kMaxUploadIdBytes, 'a')));
  EXPECT_FALSE(IsWellFormedUploadId(std::string(kMaxUploadIdBytes + 1, 'a')));
  rules.max_upload_id_length = 3;
  EXPECT_EQ(rule_for("abc"), "<accepted>");
  EXPECT_EQ(rule_for("abcd"), "rest.upload-id");
  EXPECT_FALSE(IsWellFormedUploadId("abcd", 3));
}

}  // namespace
}  // namespace s3upload::verify::verify_test
