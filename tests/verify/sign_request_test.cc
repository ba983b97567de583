// VerifySignRequest: which body is a REST request and which a policy, the version gate, and the
// limits on a REST string (kMaxRestStringBytes, kMaxRestLines) checked before it is split.
#include <gtest/gtest.h>

#include <algorithm>
#include <string>
#include <vector>

#include "verify/verify_test_support.h"

namespace s3upload::verify::verify_test {
namespace {

std::string Rule(std::string_view body, SignatureVersion version,
                 const UploadRules& rules = DocRules()) {
  return RuleOf(VerifySignRequest(body, version, rules, {}, Now()));
}

TEST(SignRequestTest, HeadersAloneMakeARestRequest) {
  EXPECT_EQ(Rule(RestBody(kV4Part1), SignatureVersion::kV4), "<accepted>");
  const SigningTask task =
      Accepted(VerifySignRequest(RestBody(kV2Part1), SignatureVersion::kV2, DocRules(), {}, Now()));
  EXPECT_EQ(task.kind, SigningTask::Kind::kRest);
  // "headers" next to anything else is not a REST request, and not a policy either.
  EXPECT_EQ(Rule(R"({"headers":"x","v4":true})", SignatureVersion::kV4), "policy.document.fields");
  EXPECT_EQ(Rule(R"({"Headers":"x"})", SignatureVersion::kV4), "policy.document.fields");
  EXPECT_EQ(Rule(R"({"headers":null})", SignatureVersion::kV4), "rest.headers.not-string");
  EXPECT_EQ(Rule(R"({"headers":""})", SignatureVersion::kV2), "rest.v2.lines");
  EXPECT_EQ(Rule(R"({"headers":""})", SignatureVersion::kV4), "version.mismatch");
  EXPECT_EQ(Rule("{}", SignatureVersion::kV4), "policy.document.fields");
}

TEST(SignRequestTest, VersionGateComesFirst) {
  UploadRules v4_only = DocRules();
  v4_only.allow_v2 = false;
  UploadRules none = DocRules();
  none.allow_v2 = false;
  none.allow_v4 = false;
  EXPECT_EQ(Rule(kPolicyV2, SignatureVersion::kV2, v4_only), "version.not-allowed");
  EXPECT_EQ(Rule(kPolicyV4, SignatureVersion::kV4, v4_only), "<accepted>");
  EXPECT_EQ(Rule(kPolicyV4, SignatureVersion::kV4, none), "version.not-allowed");
  EXPECT_EQ(Rule(RestBody(kV4Abort), SignatureVersion::kV4, none), "version.not-allowed");
  // Malformed bodies are a request problem whatever the profile.
  EXPECT_EQ(Rule("{", SignatureVersion::kV4, none), "request.json");
}

TEST(SignRequestTest, RestEntryPointChecksTheVersionToo) {
  UploadRules v2_only = DocRules();
  v2_only.allow_v4 = false;
  EXPECT_EQ(RuleOf(VerifyRestStringToSign(kV4Part1, SignatureVersion::kV4, v2_only, {}, Now())),
            "version.not-allowed");
  EXPECT_EQ(RuleOf(VerifyRestStringToSign(kV2Part1, SignatureVersion::kV2, v2_only, {}, Now())),
            "<accepted>");
}

// kV2Part1 grown to `size` bytes by its upload id.
std::string V2PartOfSize(std::size_t size) {
  std::string headers = kV2Part1;
  const std::size_t at = headers.find("UPLOADID123");
  headers.replace(at, 11, std::string(size - (headers.size() - 11), 'U'));
  return headers;
}

TEST(SignRequestTest, RestStringOfKMaxRestStringBytesIsReadOneMoreIsRefused) {
  ASSERT_EQ(kMaxRestStringBytes, 16384u);
  UploadRules rules = DocRules();
  rules.max_upload_id_length = 2 * kMaxRestStringBytes;  // so that only the string's size counts
  const std::string at_limit = V2PartOfSize(kMaxRestStringBytes);
  ASSERT_EQ(at_limit.size(), kMaxRestStringBytes);
  EXPECT_EQ(RuleOf(VerifyRestStringToSign(at_limit, SignatureVersion::kV2, rules, {}, Now())),
            "<accepted>");
  const Verdict over = VerifyRestStringToSign(V2PartOfSize(kMaxRestStringBytes + 1),
                                              SignatureVersion::kV2, rules, {}, Now());
  EXPECT_EQ(RuleOf(over), "rest.too-long");
  EXPECT_EQ(std::get<Refusal>(over).detail, "16385 bytes, at most 16384 allowed");
  // Through the whole request too, before anything else looks at the string.
  EXPECT_EQ(Rule(RestBody(std::string(kMaxRestStringBytes + 1, '\t')), SignatureVersion::kV2),
            "rest.too-long");
}

// A v2 initiate of `lines` lines: 4 fixed ones, x-amz-date, metadata headers m00, m01, ...
// (allowed in `rules`), and the resource.
std::string V2InitiateOfLines(std::size_t lines, UploadRules& rules) {
  std::string headers = "POST\n\nimage/jpeg\n\nx-amz-date:Wed, 01 May 2024 12:00:00 GMT\n";
  for (std::size_t i = 0; i + 6 < lines; ++i) {
    const std::string name = (i < 10 ? "m0" : "m") + std::to_string(i);
    rules.metadata_names.push_back(name);
    headers += "x-amz-meta-" + name + ":v\n";
  }
  return headers + "/mybucket/" + std::string(kUuid) + ".jpg?uploads";
}

TEST(SignRequestTest, RestStringOfKMaxRestLinesIsReadOneMoreIsRefused) {
  ASSERT_EQ(kMaxRestLines, 64u);
  UploadRules rules = DocRules();
  const std::string at_limit = V2InitiateOfLines(kMaxRestLines, rules);
  ASSERT_EQ(std::count(at_limit.begin(), at_limit.end(), '\n') + 1, 64);
  EXPECT_EQ(RuleOf(VerifyRestStringToSign(at_limit, SignatureVersion::kV2, rules, {}, Now())),
            "<accepted>");
  rules = DocRules();
  const std::string over = V2InitiateOfLines(kMaxRestLines + 1, rules);
  EXPECT_EQ(RuleOf(VerifyRestStringToSign(over, SignatureVersion::kV2, rules, {}, Now())),
            "rest.too-many-lines");
  // Empty lines count: the string is never split into more than kMaxRestLines pieces.
  EXPECT_EQ(Rule(RestBody(std::string(kMaxRestLines, '\n')), SignatureVersion::kV2),
            "rest.too-many-lines");
  EXPECT_EQ(Rule(RestBody(std::string(kMaxRestLines - 1, '\n')), SignatureVersion::kV2),
            "rest.trailing-newline");
}

// Lines and characters are checked in one pass (eight bytes at a time where they are printable):
// the first byte that is neither printable ASCII nor '\n' is named with its offset, wherever it
// falls in a word, and too many lines win over a bad byte.
TEST(SignRequestTest, RestCharactersAreNamedAtTheirOffset) {
  struct Case {
    std::string headers;
    std::string detail;  // of the refusal, "" when the string passes the text checks
  };
  const std::string line =
      "PUT\n\n\n\nx-amz-date:Wed, 01 May 2024 12:00:00 GMT\n/mybucket/k?uploads";
  std::vector<Case> cases = {
      {line, ""},
      {std::string(kMaxRestLines, '\n') + '\x01', "65 lines, at most 64 allowed"},
  };
  for (const std::size_t at : {0u, 1u, 7u, 8u, 9u, 15u, 16u, 30u}) {
    for (const char bad : {'\0', '\t', '\r', '\x1f', '\x7f', '\x80', '\xff'}) {
      std::string headers = line;
      headers[at] = bad;
      static constexpr char kHex[] = "0123456789abcdef";
      const auto c = static_cast<unsigned char>(bad);
      cases.push_back({headers, std::string("byte 0x") + kHex[c >> 4] + kHex[c & 0x0f] +
                                    " at offset " + std::to_string(at)});
      // Only the first one is named.
      headers[at + 3] = '\x02';
      cases.push_back({headers, cases.back().detail});
    }
  }
  // The printable extremes pass in every position of a word.
  for (const char edge : {' ', '~'}) cases.push_back({std::string(17, edge), ""});
  for (const Case& c : cases) {
    const Verdict verdict =
        VerifyRestStringToSign(c.headers, SignatureVersion::kV2, DocRules(), {}, Now());
    const auto* refusal = std::get_if<Refusal>(&verdict);
    const bool text_refusal = refusal != nullptr && (refusal->rule == "rest.charset" ||
                                                     refusal->rule == "rest.too-many-lines");
    EXPECT_EQ(text_refusal ? refusal->detail : "", c.detail) << JsonQuote(c.headers);
  }
}

}  // namespace
}  // namespace s3upload::verify::verify_test
