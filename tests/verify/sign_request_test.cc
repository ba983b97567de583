// VerifySignRequest: which body is a REST request and which a policy, and the version gate.
#include <gtest/gtest.h>

#include <string>

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

}  // namespace
}  // namespace s3upload::verify::verify_test
