// REST Signature V4 strings: the documented canonical requests hash to the documented values and
// sign to the documented signatures; accepted variations (path-style, encoded keys and upload ids);
// and a mutation property: whatever single-byte change is accepted, the string to sign is the
// received first three lines plus the hash of the received canonical request, nothing else.
#include <gtest/gtest.h>

#include <random>
#include <string>

#include "verify/verify_test_support.h"

namespace s3upload::verify::verify_test {
namespace {

Verdict Rest(std::string_view headers, const UploadRules& rules = DocRules(),
             const Caller& caller = {}, TimePoint now = Now()) {
  return VerifySignRequest(RestBody(headers), SignatureVersion::kV4, rules, caller, now);
}

// What a v4 task must sign for `headers`: lines 1-3 and the hash of everything after them.
std::string ExpectedStringToSign(std::string_view headers) {
  std::size_t at = 0;
  for (int i = 0; i < 3; ++i) at = headers.find('\n', at) + 1;
  return std::string(headers.substr(0, at)) + aws::Sha256Hex(headers.substr(at));
}

struct Documented {
  const std::string* headers;
  MultipartOperation operation;
  std::string_view canonical_hash;
  std::string_view signature;
};

TEST(RestV4VerifierTest, DocumentedStringsHashAndSignAsDocumented) {
  const Documented cases[] = {
      {&kV4Initiate, MultipartOperation::kInitiate,
       "9838da4cf8018f3afd0ee7b051632118239e4f7b1879d110c0ce0fce96de20aa",
       "8f5a3d47f4eb67379f110db6674211fc9ddfd8e1288384236de72123627ca5b0"},
      {&kV4Part1, MultipartOperation::kUploadPart,
       "f43cb207689667486385ae6bd15309b55c504af9032860e0ebdcbf3d605783f1",
       "e530859fdf970c46071cb2df1a48660d0de4f887c3a2398b2acd2230a88923f2"},
      {&kV4Part2, MultipartOperation::kUploadPart,
       "875071248189ec1176126e0a6fc77de08461b81191149372e8c0203fa1266ec1",
       "7372730f9d390935d3d44e466748843c2463bbe16ed008a99a3127568f3bfcec"},
      {&kV4Complete, MultipartOperation::kComplete,
       "1dd99597a986af3d9bbaa4cb975181213e3f0ab68b82959bdf84aba524600a7a",
       "3ea5a28e1ec452486b7119e3e542c165c4c2450f253847a3671452ffc8a66bb9"},
      {&kV4Abort, MultipartOperation::kAbort,
       "3c0f574d7e9a49b4eafcbe4c48be9969b093f29fc88e0ab7dcb709d35823484b",
       "623e1afca9a2888490b56740b6f5ee2a2e2d0f990a5f8547b5d905c79a6da220"},
  };
  for (const Documented& c : cases) {
    SCOPED_TRACE(*c.headers);
    const SigningTask task = Accepted(Rest(*c.headers));
    EXPECT_EQ(task.kind, SigningTask::Kind::kRest);
    EXPECT_EQ(task.version, SignatureVersion::kV4);
    EXPECT_EQ(task.operation, c.operation);
    EXPECT_EQ(task.scope_day, "20240501");
    EXPECT_EQ(task.region, "eu-west-1");
    EXPECT_EQ(task.key, std::string(kUuid) + ".jpg");
    EXPECT_EQ(LastLine(task.string_to_sign), c.canonical_hash);
    EXPECT_EQ(task.string_to_sign, ExpectedStringToSign(*c.headers));
    EXPECT_EQ(SignV4(task), c.signature);
  }
}

TEST(RestV4VerifierTest, DocumentedPayloadHashesAreTheChunks) {
  EXPECT_EQ(aws::Sha256Hex(std::string(5 * 1024 * 1024, 'a')),
            "a29968fad2e782aa9f2040a35f05adb97ed8979eb1f572c8c8ea78637e275f3c");
  EXPECT_EQ(aws::Sha256Hex(std::string(1024 * 1024, 'a')),
            "9bc1b2a288b26af7257a36277ae3816a7d4f16e89c1e7e77d0a5c48bad62b360");
}

TEST(RestV4VerifierTest, AwsGetObjectExampleIsNeverSigned) {
  UploadRules rules = DocRules("us-east-1");
  rules.bucket = "examplebucket";
  rules.host = "examplebucket.s3.amazonaws.com";
  rules.key.shapes = {KeyRules::Shape::kAnyName};
  const TimePoint then = *aws::ParseAmzDate("20130524T000000Z");
  EXPECT_EQ(RuleOf(Rest(kAwsGetExample, rules, {}, then)), "rest.method");
  // The same request as a PUT of a part is accepted - only after "range" goes, which is unknown.
  std::string as_part =
      Replace(kAwsGetExample, "GET\n/test.txt\n\n", "PUT\n/test.txt\npartNumber=1&uploadId=U\n");
  EXPECT_EQ(RuleOf(Rest(as_part, rules, {}, then)), "rest.header.unknown");
  as_part = Replace(as_part, "range:bytes=0-9\n", "");
  as_part = Replace(as_part, "host;range;", "host;");
  const SigningTask task = Accepted(Rest(as_part, rules, {}, then));
  EXPECT_EQ(task.string_to_sign, ExpectedStringToSign(as_part));
}

TEST(RestV4VerifierTest, PathStyleProfilesSignTheBucketInThePath) {
  UploadRules rules = DocRules();
  rules.addressing = Addressing::kPathStyle;
  rules.host = "s3.eu-west-1.amazonaws.com";
  std::string headers = Replace(kV4Part1, "\n/a5d3", "\n/mybucket/a5d3");
  headers = Replace(headers, "host:mybucket.s3.amazonaws.com", "host:s3.eu-west-1.amazonaws.com");
  const SigningTask task = Accepted(Rest(headers, rules));
  EXPECT_EQ(task.key, std::string(kUuid) + ".jpg");
  EXPECT_EQ(task.string_to_sign, ExpectedStringToSign(headers));
  // Fine Uploader's own path-style strings omit the bucket (protocol P1): refused, not mis-signed.
  EXPECT_EQ(RuleOf(Rest(Replace(kV4Part1, "host:mybucket.s3.amazonaws.com",
                                "host:s3.eu-west-1.amazonaws.com"),
                        rules)),
            "rest.v4.bucket");
  // An S3-compatible store with a port.
  rules.host = "127.0.0.1:7480";
  EXPECT_EQ(RuleOf(Rest(Replace(headers, "host:s3.eu-west-1.amazonaws.com", "host:127.0.0.1:7480"),
                        rules)),
            "<accepted>");
}

TEST(RestV4VerifierTest, EncodedKeysAndUploadIds) {
  UploadRules rules = DocRules();
  rules.key.prefix = "dir/";
  rules.key.shapes = {KeyRules::Shape::kAnyName};
  // Protocol 4.2's uriEscapePath example.
  std::string headers = Replace(kV4Part1, "/a5d3c3c2-5b1e-4c43-9f1e-2d0c8a7b6e41.jpg\n",
                                "/dir/%C3%BC%20file%27s%20%281%29%2A%21~.jpg\n");
  headers = Replace(headers, "uploadId=UPLOADID123", "uploadId=Ab%2B%2F%3D~._-");
  const SigningTask task = Accepted(Rest(headers, rules));
  EXPECT_EQ(task.key, "dir/\xc3\xbc file's (1)*!~.jpg");
  EXPECT_EQ(task.string_to_sign, ExpectedStringToSign(headers));
  // Raw reserved characters in the query are not canonical.
  EXPECT_EQ(RuleOf(Rest(Replace(headers, "Ab%2B%2F%3D", "Ab+%2F%3D"), rules)),
            "rest.v4.not-canonical");
  EXPECT_EQ(RuleOf(Rest(Replace(headers, "%2F%3D", "%2f%3D"), rules)), "rest.v4.not-canonical");
  EXPECT_EQ(RuleOf(Rest(Replace(headers, "%27s", "'s"), rules)), "rest.key.encoding");
}

TEST(RestV4VerifierTest, QueryOrderIsCanonical) {
  EXPECT_EQ(RuleOf(Rest(Replace(kV4Part1, "partNumber=1&uploadId=UPLOADID123",
                                "uploadId=UPLOADID123&partNumber=1"))),
            "rest.v4.not-canonical");
}

TEST(RestV4VerifierTest, HeaderValuesMustBeCanonical) {
  EXPECT_EQ(RuleOf(Rest(Replace(kV4Initiate, "holiday%20photos", "holiday  photos"))),
            "rest.v4.not-canonical");
  EXPECT_EQ(RuleOf(Rest(Replace(kV4Initiate, "x-amz-acl:public-read", "x-amz-acl:public-read "))),
            "rest.acl");
  EXPECT_EQ(RuleOf(Rest(Replace(kV4Initiate, "category:holiday", "category: holiday"))),
            "rest.v4.not-canonical");
}

TEST(RestV4VerifierTest, ScopeAndDate) {
  EXPECT_EQ(RuleOf(Rest(kV4Part1, DocRules("us-east-1"))), "rest.v4.scope.region");
  EXPECT_EQ(RuleOf(Rest(kV4Part1, DocRules(), {}, *aws::ParseAmzDate("20240501T121500Z"))),
            "<accepted>");
  EXPECT_EQ(RuleOf(Rest(kV4Part1, DocRules(), {}, *aws::ParseAmzDate("20240501T121501Z"))),
            "rest.v4.date.skew");
}

// Every single-byte replacement, deletion and insertion: refused, or signing exactly lines 1-3 of
// the mutated string and the hash of its canonical request, which must then re-verify unchanged.
TEST(RestV4VerifierTest, MutationsNeverSignAnythingButTheReceivedCanonicalRequest) {
  std::mt19937 random(20240501);
  std::size_t accepted = 0;
  std::size_t total = 0;
  auto check = [&](const std::string& mutated) {
    ++total;
    const Verdict verdict =
        VerifyRestStringToSign(mutated, SignatureVersion::kV4, DocRules(), {}, Now());
    if (const auto* task = std::get_if<SigningTask>(&verdict)) {
      ++accepted;
      ASSERT_EQ(task->string_to_sign, ExpectedStringToSign(mutated)) << mutated;
      ASSERT_EQ(task->scope_day, "20240501");
      ASSERT_EQ(task->region, "eu-west-1");
    }
  };
  const std::string interesting =
      std::string("\n\r\t :?&=/%.-_~+,;#'\"\\AZaz09\x7f", 28) + std::string("\0\x80\xc3\xff", 4);
  for (const std::string* original : {&kV4Initiate, &kV4Part1, &kV4Complete, &kV4Abort}) {
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
  EXPECT_GT(accepted, 0u);
  EXPECT_LT(accepted, total / 4);
}

}  // namespace
}  // namespace s3upload::verify::verify_test
