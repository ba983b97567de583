// REST Signature V2 strings: the documented strings are signed as received, the accepted
// variations, and a mutation property: no single-byte change yields a task that signs anything but
// the received string.
#include <gtest/gtest.h>

#include <random>
#include <string>

#include "verify/verify_test_support.h"

namespace s3upload::verify::verify_test {
namespace {

Verdict Rest(std::string_view headers, const UploadRules& rules = DocRules(),
             const Caller& caller = {}, TimePoint now = Now()) {
  return VerifySignRequest(RestBody(headers), SignatureVersion::kV2, rules, caller, now);
}

struct Documented {
  const std::string* headers;
  MultipartOperation operation;
  std::string_view signature;
};

TEST(RestV2VerifierTest, DocumentedStringsAreSignedAsReceived) {
  const Documented cases[] = {
      {&kV2Initiate, MultipartOperation::kInitiate, "u2a2LfcGeeIao9mxRSYrOUsVXLs="},
      {&kV2Part1, MultipartOperation::kUploadPart, "eNJuG5gH5bET++AlOZPHiVwARyQ="},
      {&kV2Part2, MultipartOperation::kUploadPart, "6sRWud1pQE4OvmZVNlXpFn0t4mw="},
      {&kV2Complete, MultipartOperation::kComplete, "f7chGl2Gzcq2zcSnXXxXMaNtsE4="},
      {&kV2Abort, MultipartOperation::kAbort, "Zo/WqCwetb4dguqUhYfKVRucekg="},
  };
  for (const Documented& c : cases) {
    SCOPED_TRACE(*c.headers);
    const SigningTask task = Accepted(Rest(*c.headers));
    EXPECT_EQ(task.kind, SigningTask::Kind::kRest);
    EXPECT_EQ(task.version, SignatureVersion::kV2);
    EXPECT_EQ(task.string_to_sign, *c.headers);
    EXPECT_EQ(task.operation, c.operation);
    EXPECT_EQ(task.key, std::string(kUuid) + ".jpg");
    EXPECT_EQ(SignV2(task.string_to_sign), c.signature);
  }
}

TEST(RestV2VerifierTest, EntryPointWithoutJson) {
  const SigningTask task =
      Accepted(VerifyRestStringToSign(kV2Part1, SignatureVersion::kV2, DocRules(), {}, Now()));
  EXPECT_EQ(task.string_to_sign, kV2Part1);
}

TEST(RestV2VerifierTest, EncodedKeysAreDecodedForTheKeyRules) {
  const std::string headers =
      Replace(kV2Part1, "a5d3c3c2-5b1e-4c43-9f1e-2d0c8a7b6e41.jpg", "uploads/test%20file%2B1.jpg");
  const SigningTask task = Accepted(Rest(headers, PrefixedAnyRules()));
  EXPECT_EQ(task.key, "uploads/test file+1.jpg");
  EXPECT_EQ(task.string_to_sign, headers);
  // The same key spelt another way is not the string S3 computes.
  EXPECT_EQ(RuleOf(Rest(Replace(headers, "%2B", "+"), PrefixedAnyRules())), "rest.key.encoding");
  EXPECT_EQ(RuleOf(Rest(Replace(headers, "%2B", "%2b"), PrefixedAnyRules())), "rest.key.encoding");
}

TEST(RestV2VerifierTest, UploadIdsAndPartNumbers) {
  const std::string odd_id = Replace(kV2Part1, "UPLOADID123", "Ab0.~_-+/=");
  EXPECT_EQ(RuleOf(Rest(odd_id)), "<accepted>");
  EXPECT_EQ(RuleOf(Rest(Replace(kV2Part1, "partNumber=1&", "partNumber=10000&"))), "<accepted>");
  EXPECT_EQ(RuleOf(Rest(Replace(kV2Part1, "partNumber=1&", "partNumber=10001&"))),
            "rest.part-number");
  EXPECT_EQ(RuleOf(Rest(Replace(kV2Part1, "partNumber=1&", "partNumber=0&"))), "rest.part-number");
  EXPECT_EQ(RuleOf(Rest(Replace(kV2Part1, "partNumber=1&", "partNumber=01&"))), "rest.part-number");
  EXPECT_EQ(RuleOf(Rest(Replace(kV2Part1, "partNumber=1&", "partNumber=&"))), "rest.part-number");
  EXPECT_EQ(RuleOf(Rest(Replace(kV2Part1, "partNumber=1&", "partNumber=-1&"))), "rest.part-number");
  EXPECT_EQ(RuleOf(Rest(Replace(kV2Part1, "partNumber=1&", "partNumber=99999999999999999999&"))),
            "rest.part-number");
  // The default: kMaxUploadIdBytes.
  EXPECT_EQ(RuleOf(Rest(Replace(kV2Part1, "UPLOADID123", std::string(kMaxUploadIdBytes, 'U')))),
            "<accepted>");
  EXPECT_EQ(RuleOf(Rest(Replace(kV2Part1, "UPLOADID123", std::string(kMaxUploadIdBytes + 1, 'U')))),
            "rest.upload-id");
  UploadRules short_ids = DocRules();
  short_ids.max_upload_id_length = 11;
  EXPECT_EQ(RuleOf(Rest(kV2Part1, short_ids)), "<accepted>");
  short_ids.max_upload_id_length = 10;
  EXPECT_EQ(RuleOf(Rest(kV2Part1, short_ids)), "rest.upload-id");
  EXPECT_EQ(RuleOf(Rest(Replace(kV2Abort, "uploadId=UPLOADID123", "uploadId="))), "rest.upload-id");
  // Sub-resources in another order than S3's are not the canonical resource.
  EXPECT_EQ(RuleOf(Rest(Replace(kV2Part1, "partNumber=1&uploadId=UPLOADID123",
                                "uploadId=UPLOADID123&partNumber=1"))),
            "rest.v2.not-canonical");
}

TEST(RestV2VerifierTest, InitiateContentType) {
  const std::string no_type = Replace(kV2Initiate, "POST\n\nimage/jpeg\n", "POST\n\n\n");
  EXPECT_EQ(RuleOf(Rest(no_type)), "rest.content-type.missing");
  UploadRules lenient = DocRules();
  lenient.require_content_type = false;
  EXPECT_EQ(RuleOf(Rest(no_type, lenient)), "<accepted>");
  EXPECT_EQ(RuleOf(Rest(Replace(kV2Initiate, "image/jpeg", "image/svg+xml"))), "<accepted>");
  EXPECT_EQ(RuleOf(Rest(Replace(kV2Initiate, "image/jpeg", "image"))), "rest.content-type.syntax");
}

TEST(RestV2VerifierTest, MinimalInitiateIsAccepted) {
  const std::string minimal =
      "POST\n\nimage/png\n\nx-amz-date:Wed, 01 May 2024 12:10:00 GMT\n"
      "/mybucket/A5D3C3C2-5B1E-4C43-9F1E-2D0C8A7B6E41.PNG?uploads";
  const SigningTask task = Accepted(Rest(minimal));
  EXPECT_EQ(task.operation, MultipartOperation::kInitiate);
}

TEST(RestV2VerifierTest, DateSkewBoundary) {
  EXPECT_EQ(RuleOf(Rest(Replace(kV2Part1, "12:00:00", "12:15:00"))), "<accepted>");
  EXPECT_EQ(RuleOf(Rest(Replace(kV2Part1, "12:00:00", "12:15:01"))), "rest.v2.date.skew");
  EXPECT_EQ(RuleOf(Rest(Replace(kV2Part1, "12:00:00", "11:45:00"))), "<accepted>");
  EXPECT_EQ(RuleOf(Rest(Replace(kV2Part1, "12:00:00 GMT", "12:00:00 +0000"))), "<accepted>");
}

TEST(RestV2VerifierTest, MetadataBudgetIsShared) {
  UploadRules rules = DocRules();
  // category (8) + holiday%20photos (16) + qqfilename (10) + my%20photo%20(1).jpg (20) = 54.
  rules.max_metadata_bytes = 54;
  EXPECT_EQ(RuleOf(Rest(kV2Initiate, rules)), "<accepted>");
  rules.max_metadata_bytes = 53;
  EXPECT_EQ(RuleOf(Rest(kV2Initiate, rules)), "rest.meta.size");
}

// Every single-byte replacement, deletion and insertion of every documented string is either
// refused or yields a task that signs exactly the mutated string (which then also re-verifies).
TEST(RestV2VerifierTest, MutationsNeverSignAnythingButTheReceivedString) {
  std::mt19937 random(20240501);
  std::size_t accepted = 0;
  std::size_t total = 0;
  auto check = [&](const std::string& mutated) {
    ++total;
    const Verdict verdict =
        VerifyRestStringToSign(mutated, SignatureVersion::kV2, DocRules(), {}, Now());
    if (const auto* task = std::get_if<SigningTask>(&verdict)) {
      ++accepted;
      ASSERT_EQ(task->string_to_sign, mutated);
      ASSERT_EQ(task->version, SignatureVersion::kV2);
    }
  };
  const std::string interesting =
      std::string("\n\r\t :?&=/%.-_~+,;#'\"\\AZaz09\x7f", 28) + std::string("\0\x80\xc3\xff", 4);
  for (const std::string* original : {&kV2Initiate, &kV2Part1, &kV2Complete, &kV2Abort}) {
    for (std::size_t i = 0; i < original->size(); ++i) {
      std::string candidates = interesting;
      candidates += static_cast<char>((*original)[i] + 1);
      candidates += static_cast<char>((*original)[i] - 1);
      for (int r = 0; r < 4; ++r) candidates += static_cast<char>(random() & 0xff);
      for (const char c : candidates) {
        std::string replaced = *original;
        replaced[i] = c;
        if (replaced != *original) check(replaced);
      }
      // Insertions: the separators and one letter and digit are enough to shift every field.
      for (const char c : std::string_view("\n\r :&=/%?a0")) {
        std::string inserted = *original;
        inserted.insert(i, 1, c);
        check(inserted);
      }
      std::string deleted = *original;
      deleted.erase(i, 1);
      check(deleted);
    }
  }
  // Some mutations are harmless and stay canonical (another part number, another upload id or
  // uuid digit, another second); most are refused.
  EXPECT_GT(accepted, 0u);
  EXPECT_LT(accepted, total / 4);
}

}  // namespace
}  // namespace s3upload::verify::verify_test
