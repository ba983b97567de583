// The policy serialiser writes what JavaScript's JSON.stringify writes. The expected strings below
// are JSON.stringify's output for the same values (ECMA-262 QuoteJSONString), written out by hand.
#include <gtest/gtest.h>

#include <array>
#include <string>

#include "verify/internal.h"
#include "verify/verify_test_support.h"

namespace s3upload::verify::verify_test {
namespace {

std::string Quoted(std::string_view text) {
  std::string out(internal::JsonStringBound(text.size()), '\0');
  out.resize(static_cast<std::size_t>(internal::WriteJsonString(out.data(), text) - out.data()));
  return out;
}

TEST(PolicySerializerTest, StringEscapingMatchesJsonStringify) {
  EXPECT_EQ(Quoted(""), R"("")");
  EXPECT_EQ(Quoted("plain"), R"("plain")");
  EXPECT_EQ(Quoted("a\"b"), R"("a\"b")");
  EXPECT_EQ(Quoted("a\\b"), R"("a\\b")");
  EXPECT_EQ(Quoted("a/b"), R"("a/b")");  // '/' is not escaped
  EXPECT_EQ(Quoted("\b\f\n\r\t"), R"("\b\f\n\r\t")");
  EXPECT_EQ(Quoted(std::string("\0\x01\x1f", 3)), R"("\u0000\u0001\u001f")");
  EXPECT_EQ(Quoted("\x0b\x1a"), R"("\u000b\u001a")");  // lower-case hex
  EXPECT_EQ(Quoted(" ~\x7f"), "\" ~\x7f\"");           // DEL is not escaped
  EXPECT_EQ(Quoted("caf\xc3\xa9 \xe2\x80\xa8 \xf0\x9f\x98\x80"),
            "\"caf\xc3\xa9 \xe2\x80\xa8 \xf0\x9f\x98\x80\"");  // raw UTF-8, U+2028 included
  EXPECT_EQ(Quoted("<script>&'"), R"("<script>&'")");
}

// Plain runs are skipped eight bytes at a time: every byte value at every position of a long run
// (every lane of the eight) is escaped exactly as it is on its own.
TEST(PolicySerializerTest, EveryByteAtEveryPositionOfALongRunIsEscapedAsAlone) {
  // `middle` between runs of plain letters, within `quote`s.
  const auto around = [](std::size_t position, std::string_view middle, std::string_view quote) {
    std::string text(quote);
    text.append(position, 'a').append(middle).append(24 - position, 'z').append(quote);
    return text;
  };
  for (int byte = 0; byte < 256; ++byte) {
    const std::string alone = Quoted(std::string(1, static_cast<char>(byte)));
    const std::string_view escaped = std::string_view(alone).substr(1, alone.size() - 2);
    for (std::size_t position = 0; position < 24; ++position) {
      EXPECT_EQ(Quoted(around(position, std::string(1, static_cast<char>(byte)), "")),
                around(position, escaped, "\""))
          << byte << " at " << position;
    }
  }
}

// Written into the spill string (no scratch) and into a scratch buffer: the same JSON.
std::string Serialized(const internal::PolicyDocument& policy) {
  std::string spill;
  const std::string via_spill(internal::SerializePolicy(policy, {}, spill));
  std::array<char, 4096> scratch{};
  std::string unused;
  EXPECT_EQ(internal::SerializePolicy(policy, scratch, unused), via_spill);
  EXPECT_TRUE(unused.empty());
  return via_spill;
}

TEST(PolicySerializerTest, DocumentLayout) {
  internal::PolicyDocument policy;
  policy.expiration = "2024-05-01T12:05:00.000Z";
  policy.conditions.push_back({false, "acl", "private", {}, {}});
  policy.conditions.push_back({false, "key", "a\"b", {}, {}});
  policy.conditions.push_back({true, "content-length-range", {}, {1, true}, {20, false}});
  EXPECT_EQ(
      Serialized(policy),
      R"({"expiration":"2024-05-01T12:05:00.000Z","conditions":[{"acl":"private"},{"key":"a\"b"},["content-length-range","1",20]]})");
  policy.expiration_first = false;
  EXPECT_EQ(
      Serialized(policy),
      R"({"conditions":[{"acl":"private"},{"key":"a\"b"},["content-length-range","1",20]],"expiration":"2024-05-01T12:05:00.000Z"})");
  policy.conditions.clear();
  EXPECT_EQ(Serialized(policy), R"({"conditions":[],"expiration":"2024-05-01T12:05:00.000Z"})");
}

// Through the verifier: values needing escapes come out as JSON.stringify would write them, even
// when the client spelt them differently ("\/" and "\u0041" are JSON.stringify-foreign spellings).
TEST(PolicySerializerTest, VerifiedPoliciesAreRewrittenCanonically) {
  UploadRules rules = DocRules();
  rules.key.shapes = {KeyRules::Shape::kAnyName};
  rules.metadata_names.push_back("note");
  const std::string stringified =
      R"({"expiration":"2024-05-01T12:05:00.000Z","conditions":[{"bucket":"mybucket"},{"Content-Type":"image/jpeg"},{"key":"d\u00e9j\u00e0 \"vu\" & <b>/x.jpg"},{"x-amz-meta-note":"a\\b\/c\u0041"}]})";
  const std::string expected =
      "{\"expiration\":\"2024-05-01T12:05:00.000Z\",\"conditions\":[{\"bucket\":\"mybucket\"},"
      "{\"Content-Type\":\"image/jpeg\"},{\"key\":\"d\xc3\xa9j\xc3\xa0 \\\"vu\\\" & <b>/x.jpg\"},"
      "{\"x-amz-meta-note\":\"a\\\\b/cA\"},[\"content-length-range\",\"1\",\"20000000\"]]}";
  const SigningTask task =
      Accepted(VerifySignRequest(stringified, SignatureVersion::kV2, rules, {}, Now()));
  EXPECT_EQ(*aws::Base64Decode(task.string_to_sign), expected);
  EXPECT_EQ(task.key, "d\xc3\xa9j\xc3\xa0 \"vu\" & <b>/x.jpg");
  // The rewritten document verifies again to itself.
  const SigningTask again =
      Accepted(VerifySignRequest(expected, SignatureVersion::kV2, rules, {}, Now()));
  EXPECT_EQ(again.string_to_sign, task.string_to_sign);
}

TEST(PolicySerializerTest, EveryDocumentedBodyRoundTripsByteForByte) {
  struct Case {
    const std::string* body;
    SignatureVersion version;
    UploadRules rules;
  };
  const Case cases[] = {
      {&kPolicyV2, SignatureVersion::kV2, DocRules()},
      {&kPolicyV4, SignatureVersion::kV4, DocRules()},
      {&kPolicyV2Minimal, SignatureVersion::kV2, DocRules()},
      {&kPolicyV2Prefixed, SignatureVersion::kV2, PrefixedAnyRules()},
      {&kPolicyV4Prefixed, SignatureVersion::kV4, PrefixedAnyRules()},
  };
  for (const Case& c : cases) {
    const SigningTask task = Accepted(VerifySignRequest(*c.body, c.version, c.rules, {}, Now()));
    EXPECT_EQ(*aws::Base64Decode(task.string_to_sign), *c.body);
  }
}

}  // namespace
}  // namespace s3upload::verify::verify_test
