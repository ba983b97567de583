// POST policies: every documented Fine Uploader body is accepted and signed byte-identically; the
// rules' boundaries; the fields of the SigningTask. Tampering cases live in the corpus.
#include <gtest/gtest.h>

#include <chrono>
#include <string>

#include "verify/verify_test_support.h"

namespace s3upload::verify::verify_test {
namespace {

using std::chrono::milliseconds;
using std::chrono::seconds;

Verdict Policy(std::string_view body, SignatureVersion version, const UploadRules& rules,
               const Caller& caller = {}, TimePoint now = Now()) {
  return VerifySignRequest(body, version, rules, caller, now);
}

constexpr std::string_view kDocKeyCondition =
    R"({"key":"a5d3c3c2-5b1e-4c43-9f1e-2d0c8a7b6e41.jpg"})";

// ----- The documented bodies -------------------------------------------------------------------

TEST(PolicyVerifierTest, DocumentV2BodyIsSignedAsIs) {
  const SigningTask task = Accepted(Policy(kPolicyV2, SignatureVersion::kV2, DocRules()));
  EXPECT_EQ(task.kind, SigningTask::Kind::kPolicy);
  EXPECT_EQ(task.version, SignatureVersion::kV2);
  EXPECT_EQ(task.string_to_sign, aws::Base64Encode(kPolicyV2));
  EXPECT_TRUE(
      task.string_to_sign.starts_with("eyJleHBpcmF0aW9uIjoiMjAyNC0wNS0wMVQxMjowNTowMC4wMDBa"));
  EXPECT_TRUE(task.string_to_sign.ends_with("XV19"));
  EXPECT_EQ(task.key, std::string(kUuid) + ".jpg");
  EXPECT_EQ(task.scope_day, "");
  EXPECT_FALSE(task.operation.has_value());
  EXPECT_EQ(SignV2(task.string_to_sign), "y3jSmdR4yxAbKcDfd+EnbLLDEqQ=");
}

TEST(PolicyVerifierTest, DocumentV4BodyIsSignedAsIs) {
  const SigningTask task = Accepted(Policy(kPolicyV4, SignatureVersion::kV4, DocRules()));
  EXPECT_EQ(task.version, SignatureVersion::kV4);
  EXPECT_EQ(task.string_to_sign, aws::Base64Encode(kPolicyV4));
  EXPECT_EQ(task.scope_day, "20240501");
  EXPECT_EQ(task.region, "eu-west-1");
  EXPECT_EQ(SignV4(task), "2aef136a1afbc770687ff6bbf2b45af9b85d94da98afaa3923918fb43f1aea9f");
}

TEST(PolicyVerifierTest, DocumentMinimalBodyIsSignedAsIs) {
  const SigningTask task = Accepted(Policy(kPolicyV2Minimal, SignatureVersion::kV2, DocRules()));
  EXPECT_EQ(task.string_to_sign, aws::Base64Encode(kPolicyV2Minimal));
}

TEST(PolicyVerifierTest, DocumentPrefixedKeyBodiesAreSignedAsIs) {
  const SigningTask v2 =
      Accepted(Policy(kPolicyV2Prefixed, SignatureVersion::kV2, PrefixedAnyRules()));
  EXPECT_EQ(v2.string_to_sign, aws::Base64Encode(kPolicyV2Prefixed));
  EXPECT_EQ(v2.key, "uploads/test file+1.jpg");
  EXPECT_EQ(SignV2(v2.string_to_sign), "T9i7D0gTR/IfeT92WuYK/kcyJdU=");

  const SigningTask v4 =
      Accepted(Policy(kPolicyV4Prefixed, SignatureVersion::kV4, PrefixedAnyRules()));
  EXPECT_EQ(v4.string_to_sign, aws::Base64Encode(kPolicyV4Prefixed));
  EXPECT_EQ(v4.region, "us-east-1");
  EXPECT_EQ(SignV4(v4), "1421427d98ce854ceeb97d46c6c48dde29ac7f1251b777eaff395dad240c6dc3");
}

TEST(PolicyVerifierTest, IframeBodyIsSignedWithTheProfileSizeRangeAdded) {
  const SigningTask task = Accepted(Policy(kPolicyV4Iframe, SignatureVersion::kV4, IframeRules()));
  const std::string expected =
      Replace(kPolicyV4Iframe, "}]}", R"(},["content-length-range","1","20000000"]]})");
  EXPECT_EQ(*aws::Base64Decode(task.string_to_sign), expected);
  EXPECT_EQ(task.region, "us-east-1");
}

TEST(PolicyVerifierTest, VerifyPolicyEntryPointMatchesTheSignRequestPath) {
  const SigningTask direct =
      Accepted(VerifyPolicy(kPolicyV4, SignatureVersion::kV4, DocRules(), {}, Now()));
  const SigningTask dispatched = Accepted(Policy(kPolicyV4, SignatureVersion::kV4, DocRules()));
  EXPECT_EQ(direct.string_to_sign, dispatched.string_to_sign);
  EXPECT_EQ(RuleOf(VerifyPolicy("[]", SignatureVersion::kV4, DocRules(), {}, Now())),
            "request.not-object");
  // A REST body given to VerifyPolicy is just a policy with the wrong members.
  EXPECT_EQ(RuleOf(VerifyPolicy(RestBody(kV4Part1), SignatureVersion::kV4, DocRules(), {}, Now())),
            "policy.document.fields");
}

// ----- Serialisation choices ------------------------------------------------------------------

TEST(PolicyVerifierTest, MissingRangeIsAddedLastFromTheProfile) {
  UploadRules rules = DocRules();
  rules.min_size = 0;
  rules.max_size = 5000;
  const std::string body =
      Replace(kPolicyV2Minimal, R"(,["content-length-range","1","20000000"])", "");
  const SigningTask task = Accepted(Policy(body, SignatureVersion::kV2, rules));
  EXPECT_EQ(*aws::Base64Decode(task.string_to_sign),
            Replace(body, "}]}", R"(},["content-length-range","0","5000"]]})"));
}

// Found by fuzz/policy_fuzzer (fuzz/corpus/policy/regression-added-range-use-after-free.json): the
// content-length-range added from the profile named itself with a temporary string that was gone
// before serialisation (heap-use-after-free). What is signed must also verify again to the same
// bytes.
TEST(PolicyVerifierTest, AddedRangeIsSerialisedFromLiveDataAndReverifies) {
  const std::string body =
      R"({"expiration":"2024-05-01T12:05:00.000Z","conditions":[{"acl":"private"},)"
      R"({"bucket":"mybucket"},{"Content-Type":"image/jpeg"},{"success_action_status":"200"},)"
      R"({"key":"a5d3c3c2-5b1e-4c43-9f1e-2d0c8a7b6e41.jpg"},)"
      R"({"x-amz-meta-qqfilename":"my%20photo%20(1).jpg"}]})";
  const SigningTask task = Accepted(Policy(body, SignatureVersion::kV2, DocRules()));
  const std::string signed_policy = *aws::Base64Decode(task.string_to_sign);
  EXPECT_EQ(signed_policy, Replace(body, "}]}", R"(},["content-length-range","1","20000000"]]})"));
  EXPECT_EQ(Accepted(Policy(signed_policy, SignatureVersion::kV2, DocRules())).string_to_sign,
            task.string_to_sign);
}

TEST(PolicyVerifierTest, RangeBoundsAsJsonNumbersStayNumbers) {
  const std::string body = Replace(kPolicyV2Minimal, R"(["content-length-range","1","20000000"])",
                                   R"(["content-length-range",1,20000000])");
  const SigningTask task = Accepted(Policy(body, SignatureVersion::kV2, DocRules()));
  EXPECT_EQ(*aws::Base64Decode(task.string_to_sign), body);
}

TEST(PolicyVerifierTest, MemberOrderIsKept) {
  const std::string conditions = kPolicyV2Minimal.substr(kPolicyV2Minimal.find("\"conditions\""));
  const std::string body = "{" + conditions.substr(0, conditions.size() - 1) +
                           R"(,"expiration":"2024-05-01T12:05:00.000Z"})";
  const SigningTask task = Accepted(Policy(body, SignatureVersion::kV2, DocRules()));
  EXPECT_EQ(*aws::Base64Decode(task.string_to_sign), body);
}

TEST(PolicyVerifierTest, WhitespaceIsNotSigned) {
  const std::string spaced =
      Replace(kPolicyV2Minimal, R"({"acl":"private"},)", "{ \"acl\" : \"private\" } ,\n");
  const SigningTask task = Accepted(Policy(spaced, SignatureVersion::kV2, DocRules()));
  EXPECT_EQ(*aws::Base64Decode(task.string_to_sign), kPolicyV2Minimal);
}

TEST(PolicyVerifierTest, HeaderLikeNamesAreCaseInsensitiveAndKeptAsReceived) {
  std::string body = Replace(kPolicyV2Minimal, R"("Content-Type")", R"("content-type")");
  body = Replace(body, R"("x-amz-meta-qqfilename")", R"("X-Amz-Meta-QQFilename")");
  const SigningTask task = Accepted(Policy(body, SignatureVersion::kV2, DocRules()));
  EXPECT_EQ(*aws::Base64Decode(task.string_to_sign), body);
  // Form-field names are exact: "Key" is not "key".
  EXPECT_EQ(RuleOf(Policy(Replace(kPolicyV2Minimal, R"("key")", R"("Key")"), SignatureVersion::kV2,
                          DocRules())),
            "policy.condition.unknown");
}

TEST(PolicyVerifierTest, OptionalConditionsMayBeAbsent) {
  // No acl (S3 default private), no success_action_status, no metadata.
  const std::string body =
      R"({"expiration":"2024-05-01T12:05:00.000Z","conditions":[{"bucket":"mybucket"},{"key":"a5d3c3c2-5b1e-4c43-9f1e-2d0c8a7b6e41.png"},{"Content-Type":"image/png"},["content-length-range","1","20000000"]]})";
  EXPECT_EQ(
      *aws::Base64Decode(Accepted(Policy(body, SignatureVersion::kV2, DocRules())).string_to_sign),
      body);
}

// ----- Boundaries -----------------------------------------------------------------------------

TEST(PolicyVerifierTest, ExpirationWindow) {
  const UploadRules rules = DocRules();  // max_policy_lifetime 15 min
  auto with_expiration = [](std::string_view expiration) {
    return Replace(kPolicyV2Minimal, "2024-05-01T12:05:00.000Z", expiration);
  };
  EXPECT_EQ(
      RuleOf(Policy(with_expiration("2024-05-01T12:15:00.000Z"), SignatureVersion::kV2, rules)),
      "<accepted>");
  EXPECT_EQ(
      RuleOf(Policy(with_expiration("2024-05-01T12:15:00.001Z"), SignatureVersion::kV2, rules)),
      "policy.expiration.too-far");
  EXPECT_EQ(
      RuleOf(Policy(with_expiration("2024-05-01T12:00:00.000Z"), SignatureVersion::kV2, rules)),
      "policy.expiration.past");
  EXPECT_EQ(
      RuleOf(Policy(with_expiration("2024-05-01T12:00:00.001Z"), SignatureVersion::kV2, rules)),
      "<accepted>");
  EXPECT_EQ(RuleOf(Policy(with_expiration("2024-05-01T12:05:00Z"), SignatureVersion::kV2, rules)),
            "<accepted>");
  EXPECT_EQ(RuleOf(Policy(with_expiration("2024-05-01T12:05:00.000+00:00"), SignatureVersion::kV2,
                          rules)),
            "policy.expiration.malformed");
}

TEST(PolicyVerifierTest, SizeRangeBoundaries) {
  UploadRules rules = DocRules();
  rules.min_size = 10;
  rules.max_size = 100;
  auto with_range = [](std::string_view min, std::string_view max) {
    return Replace(kPolicyV2Minimal, R"(["content-length-range","1","20000000"])",
                   R"(["content-length-range",)" + std::string(min) + "," + std::string(max) + "]");
  };
  EXPECT_EQ(RuleOf(Policy(with_range(R"("10")", R"("100")"), SignatureVersion::kV2, rules)),
            "<accepted>");
  EXPECT_EQ(RuleOf(Policy(with_range(R"("50")", R"("50")"), SignatureVersion::kV2, rules)),
            "<accepted>");
  EXPECT_EQ(RuleOf(Policy(with_range(R"("9")", R"("100")"), SignatureVersion::kV2, rules)),
            "policy.content-length-range.min");
  EXPECT_EQ(RuleOf(Policy(with_range(R"("10")", R"("101")"), SignatureVersion::kV2, rules)),
            "policy.content-length-range.max");
  EXPECT_EQ(RuleOf(Policy(with_range(R"("60")", R"("50")"), SignatureVersion::kV2, rules)),
            "policy.content-length-range.order");
  for (const char* bad :
       {R"("")", R"("+10")", R"(" 10")", R"("1e1")", R"("0x10")", "10.0", "-10", "1e1", "true",
        "null", R"("18446744073709551616")", "18446744073709551616"}) {
    EXPECT_EQ(RuleOf(Policy(with_range(R"("10")", bad), SignatureVersion::kV2, rules)),
              "policy.content-length-range.malformed")
        << bad;
  }
}

// The duplicate check keeps a short list of names and switches to a set for long policies: a
// repeated name (in any case) is found among the first names and far beyond them alike.
TEST(PolicyVerifierTest, RepeatedConditionNamesAreFoundInShortAndLongPolicies) {
  UploadRules rules = DocRules();
  std::string metadata;
  // 11 conditions of kPolicyV2 and 50 more: long, and still within kMaxPolicyConditions.
  for (int i = 0; i < 50; ++i) {
    rules.metadata_names.push_back("m" + std::to_string(i));
    metadata.append(R"({"x-amz-meta-m)").append(std::to_string(i)).append(R"(":"v"},)");
  }
  const std::string head = R"({"acl":"public-read"},)";
  const std::string many = Replace(kPolicyV2, head, head + metadata);
  EXPECT_EQ(RuleOf(Policy(many, SignatureVersion::kV2, rules)), "<accepted>");
  for (const int repeated : {0, 5, 30, 31, 32, 33, 49}) {
    std::string again = head;
    again.append(metadata).append(R"({"X-Amz-Meta-M)").append(std::to_string(repeated));
    again.append(R"(":"w"},)");
    EXPECT_EQ(RuleOf(Policy(Replace(kPolicyV2, head, again), SignatureVersion::kV2, rules)),
              "policy.condition.duplicate")
        << repeated;
  }
  // The acl, the very first name, repeated at the end of a long policy.
  const std::string acl_again = head + metadata.append(R"({"ACL":"private"},)");
  EXPECT_EQ(RuleOf(Policy(Replace(kPolicyV2, head, acl_again), SignatureVersion::kV2, rules)),
            "policy.condition.duplicate");
}

// kPolicyV2Minimal (7 conditions) grown to `count` conditions by metadata ones, all allowed.
std::string PolicyWithConditions(std::size_t count, UploadRules& rules) {
  std::string metadata;
  for (std::size_t i = 0; i + 7 < count; ++i) {
    rules.metadata_names.push_back("m" + std::to_string(i));
    metadata.append(R"({"x-amz-meta-m)").append(std::to_string(i)).append(R"(":""},)");
  }
  const std::string head = R"({"acl":"private"},)";
  return Replace(kPolicyV2Minimal, head, head + metadata);
}

TEST(PolicyVerifierTest, AtMostKMaxPolicyConditions) {
  ASSERT_EQ(kMaxPolicyConditions, 64u);
  UploadRules rules = DocRules();
  const std::string at_limit = PolicyWithConditions(kMaxPolicyConditions, rules);
  EXPECT_EQ(RuleOf(Policy(at_limit, SignatureVersion::kV2, rules)), "<accepted>");
  rules = DocRules();
  const std::string over = PolicyWithConditions(kMaxPolicyConditions + 1, rules);
  const Verdict verdict = Policy(over, SignatureVersion::kV2, rules);
  EXPECT_EQ(RuleOf(verdict), "policy.conditions.too-many");
  EXPECT_EQ(std::get<Refusal>(verdict).detail, "65 conditions, at most 64 allowed");
  // Counted before any condition is looked at: 65 unknown ones are refused for their number.
  std::string unknown = R"({"expiration":"2024-05-01T12:05:00.000Z","conditions":[)";
  for (int i = 0; i < 65; ++i) unknown += std::string(i ? "," : "") + R"({"x":"y"})";
  EXPECT_EQ(RuleOf(Policy(unknown + "]}", SignatureVersion::kV2, DocRules())),
            "policy.conditions.too-many");
}

TEST(PolicyVerifierTest, MetadataBudgetCountsNamesAndValues) {
  UploadRules rules = DocRules();
  // "qqfilename" (10) + "my%20photo%20(1).jpg" (20) = 30 bytes.
  rules.max_metadata_bytes = 30;
  EXPECT_EQ(RuleOf(Policy(kPolicyV2Minimal, SignatureVersion::kV2, rules)), "<accepted>");
  rules.max_metadata_bytes = 29;
  EXPECT_EQ(RuleOf(Policy(kPolicyV2Minimal, SignatureVersion::kV2, rules)), "policy.meta.size");
}

TEST(PolicyVerifierTest, V4DateSkewBoundary) {
  const UploadRules rules = DocRules();  // max_clock_skew 15 min
  auto at = [](std::string_view date) { return Replace(kPolicyV4, "20240501T120000Z", date); };
  EXPECT_EQ(RuleOf(Policy(at("20240501T121500Z"), SignatureVersion::kV4, rules)), "<accepted>");
  EXPECT_EQ(RuleOf(Policy(at("20240501T114500Z"), SignatureVersion::kV4, rules)), "<accepted>");
  EXPECT_EQ(RuleOf(Policy(at("20240501T121501Z"), SignatureVersion::kV4, rules)),
            "policy.v4.date.skew");
  EXPECT_EQ(RuleOf(Policy(at("20240501T114459Z"), SignatureVersion::kV4, rules)),
            "policy.v4.date.skew");
}

TEST(PolicyVerifierTest, CredentialDayMayBeOneDayOffTheDate) {
  // Protocol 3.2 notes: credential from the raw clock, x-amz-date from the drift-adjusted one.
  const TimePoint just_after_midnight = *aws::ParseAmzDate("20240502T000100Z");
  std::string body = Replace(kPolicyV4, "20240501T120000Z", "20240502T000100Z");
  body = Replace(body, "2024-05-01T12:05:00.000Z", "2024-05-02T00:06:00.000Z");
  const SigningTask task =
      Accepted(Policy(body, SignatureVersion::kV4, DocRules(), {}, just_after_midnight));
  EXPECT_EQ(task.scope_day, "20240501");  // the key is derived for the credential's day

  const std::string two_days = Replace(body, "/20240501/", "/20240430/");
  EXPECT_EQ(RuleOf(Policy(two_days, SignatureVersion::kV4, DocRules(), {}, just_after_midnight)),
            "policy.v4.credential.day-mismatch");
  const std::string next_day = Replace(kPolicyV4, "/20240501/", "/20240502/");
  EXPECT_EQ(RuleOf(Policy(next_day, SignatureVersion::kV4, DocRules())), "<accepted>");
}

// ----- Keys and callers -----------------------------------------------------------------------

TEST(PolicyVerifierTest, UserPrefixBindsTheKeyToTheCaller) {
  UploadRules rules = DocRules();
  rules.key.prefix = "uploads/{user}/";
  const std::string body =
      Replace(kPolicyV2Minimal, kDocKeyCondition,
              R"({"key":"uploads/alice/a5d3c3c2-5b1e-4c43-9f1e-2d0c8a7b6e41.jpg"})");
  EXPECT_EQ(RuleOf(Policy(body, SignatureVersion::kV2, rules, AsUser("alice"))), "<accepted>");
  EXPECT_EQ(RuleOf(Policy(body, SignatureVersion::kV2, rules, AsUser("bob"))), "key.prefix");
  EXPECT_EQ(RuleOf(Policy(body, SignatureVersion::kV2, rules, Caller{})), "key.user");
  EXPECT_EQ(RuleOf(Policy(body, SignatureVersion::kV2, rules, AsUser("alice/.."))), "key.user");
}

TEST(PolicyVerifierTest, ObjectHeadersNeedTheirExactValue) {
  UploadRules rules = DocRules();
  rules.object_headers["Content-Disposition"] = {"attachment"};
  const std::string body =
      Replace(kPolicyV2Minimal, kDocKeyCondition,
              std::string(kDocKeyCondition) + R"(,{"Content-Disposition":"attachment"})");
  EXPECT_EQ(RuleOf(Policy(body, SignatureVersion::kV2, rules)), "<accepted>");
  EXPECT_EQ(
      RuleOf(Policy(Replace(body, "\"attachment\"", "\"inline\""), SignatureVersion::kV2, rules)),
      "policy.content-disposition");
  EXPECT_EQ(RuleOf(Policy(Replace(body, "\"attachment\"", "\"attachment \""), SignatureVersion::kV2,
                          rules)),
            "policy.content-disposition");
}

TEST(PolicyVerifierTest, RefusalsCarryShortDetails) {
  const std::string long_key(5000, 'k');
  const Verdict verdict = Policy(
      Replace(kPolicyV2Minimal, "\"bucket\":\"mybucket\"", "\"bucket\":\"" + long_key + "\""),
      SignatureVersion::kV2, DocRules());
  const auto* refusal = std::get_if<Refusal>(&verdict);
  ASSERT_NE(refusal, nullptr);
  EXPECT_EQ(refusal->rule, "policy.bucket");
  EXPECT_LT(refusal->detail.size(), 200u);
}

}  // namespace
}  // namespace s3upload::verify::verify_test
