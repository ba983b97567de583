// sigv2.cc: SignV2 = base64(HMAC-SHA1(secret, string to sign)) against the REST examples of the S3
// developer guide, aws-sdk-php's POST policy example, and the Fine Uploader v2 vectors of the
// protocol doc (3.5 policies, 4.5 REST).
#include <gtest/gtest.h>

#include <optional>
#include <string>
#include <string_view>

#include "aws/test_support.h"
#include "s3upload/aws.h"

namespace s3upload::aws {
namespace {

using aws_test::kExampleSecret;

SecretKey ExampleSecret() { return SecretKey(std::string(kExampleSecret)); }

// ---------------------------------------------------------------------------------------------
// S3 developer guide, "Signing and authenticating REST requests" (landscape.md 4.3)
// ---------------------------------------------------------------------------------------------

TEST(SignV2Test, DeveloperGuideGetObject) {
  EXPECT_EQ(SignV2(ExampleSecret(),
                   "GET\n\n\nTue, 27 Mar 2007 19:36:42 +0000\n/johnsmith/photos/puppy.jpg"),
            "bWq2s1WEIj+Ydj0vQ697zp+IXMU=");
}

TEST(SignV2Test, DeveloperGuidePutObject) {
  EXPECT_EQ(
      SignV2(ExampleSecret(),
             "PUT\n\nimage/jpeg\nTue, 27 Mar 2007 21:15:45 +0000\n/johnsmith/photos/puppy.jpg"),
      "MyyxeRY7whkBe+bq8fHCL/2kKUg=");
}

TEST(SignV2Test, DeveloperGuideListBucket) {
  EXPECT_EQ(SignV2(ExampleSecret(), "GET\n\n\nTue, 27 Mar 2007 19:42:41 +0000\n/johnsmith/"),
            "htDYFYduRNen8P9ZfE/s9SuKy0U=");
}

TEST(SignV2Test, IsBase64OfHmacSha1) {
  const Sha1Digest mac = HmacSha1(kExampleSecret, "anything");
  EXPECT_EQ(SignV2(ExampleSecret(), "anything"),
            Base64Encode(std::string_view(reinterpret_cast<const char*>(mac.data()), mac.size())));
  EXPECT_EQ(SignV2(ExampleSecret(), "anything").size(), 28u);
}

TEST(SignV2Test, DependsOnEveryByteOfTheStringToSign) {
  const std::string base = "GET\n\n\nTue, 27 Mar 2007 19:36:42 +0000\n/johnsmith/photos/puppy.jpg";
  EXPECT_NE(SignV2(ExampleSecret(), base + "\n"), "bWq2s1WEIj+Ydj0vQ697zp+IXMU=");
  EXPECT_NE(SignV2(ExampleSecret(), "get" + base.substr(3)), "bWq2s1WEIj+Ydj0vQ697zp+IXMU=");
}

// ---------------------------------------------------------------------------------------------
// aws-sdk-php tests/S3/PostObjectTest.php: a policy signed with a secret of 35 'X'
// ---------------------------------------------------------------------------------------------

TEST(SignV2Test, AwsSdkPhpPostPolicy) {
  const std::string policy =
      R"({"expiration":"2007-12-01T12:00:00.000Z","conditions":{"acl":"public-read"}})";
  const std::string policy_base64 = Base64Encode(policy);
  EXPECT_EQ(policy_base64,
            "eyJleHBpcmF0aW9uIjoiMjAwNy0xMi0wMVQxMjowMDowMC4wMDBaIiwiY29uZGl0aW9ucyI6eyJhY2wiOiJwdW"
            "JsaWMtcmVhZCJ9fQ==");
  EXPECT_EQ(SignV2(SecretKey(std::string(35, 'X')), policy_base64), "ffajJbr1afVRb3qoFwdn9RK+qfM=");
}

// ---------------------------------------------------------------------------------------------
// Fine Uploader v2 policies (protocol doc 3.3 and 3.5): policy = base64(exact body), then SignV2.
// ---------------------------------------------------------------------------------------------

constexpr std::string_view kFineUploaderV2PolicyBody =
    R"({"expiration":"2024-05-01T12:05:00.000Z","conditions":[{"acl":"public-read"},{"bucket":"mybucket"},{"Content-Type":"image/jpeg"},{"success_action_status":"200"},{"x-amz-storage-class":"REDUCED_REDUNDANCY"},{"x-amz-server-side-encryption":"AES256"},{"key":"a5d3c3c2-5b1e-4c43-9f1e-2d0c8a7b6e41.jpg"},{"x-amz-meta-category":"holiday%20photos"},{"Cache-Control":"max-age=3600"},{"x-amz-meta-qqfilename":"my%20photo%20(1).jpg"},["content-length-range","1","20000000"]]})";

constexpr std::string_view kFineUploaderV2KeyPolicyBody =
    R"({"expiration":"2024-05-01T12:05:00.000Z","conditions":[{"acl":"private"},{"bucket":"mybucket"},{"Content-Type":"image/jpeg"},{"success_action_status":"200"},{"key":"uploads/test file+1.jpg"},{"x-amz-meta-qqfilename":"my%20photo%20(1).jpg"},["content-length-range","1","20000000"]]})";

TEST(SignV2FineUploaderTest, PolicyExample) {
  const std::string policy = Base64Encode(kFineUploaderV2PolicyBody);
  EXPECT_TRUE(policy.starts_with("eyJleHBpcmF0aW9uIjoiMjAyNC0wNS0wMVQxMjowNTowMC4wMDBa")) << policy;
  EXPECT_TRUE(policy.ends_with("XV19")) << policy;
  EXPECT_EQ(Base64Decode(policy), std::optional<std::string>(kFineUploaderV2PolicyBody));
  EXPECT_EQ(SignV2(ExampleSecret(), policy), "y3jSmdR4yxAbKcDfd+EnbLLDEqQ=");
}

TEST(SignV2FineUploaderTest, PolicyWithSpaceAndPlusInTheKey) {
  EXPECT_EQ(SignV2(ExampleSecret(), Base64Encode(kFineUploaderV2KeyPolicyBody)),
            "T9i7D0gTR/IfeT92WuYK/kcyJdU=");
}

TEST(SignV2FineUploaderTest, SigningTheJsonInsteadOfItsBase64IsDifferent) {
  EXPECT_NE(SignV2(ExampleSecret(), kFineUploaderV2PolicyBody), "y3jSmdR4yxAbKcDfd+EnbLLDEqQ=");
}

// ---------------------------------------------------------------------------------------------
// Fine Uploader v2 REST "headers" strings (protocol doc 4.3 and 4.5): signed as received.
// ---------------------------------------------------------------------------------------------

constexpr std::string_view kKey = "a5d3c3c2-5b1e-4c43-9f1e-2d0c8a7b6e41.jpg";
constexpr std::string_view kDateLine = "x-amz-date:Wed, 01 May 2024 12:00:00 GMT\n";

std::string Resource(std::string_view subresource) {
  return "/mybucket/" + std::string(kKey) + "?" + std::string(subresource);
}

TEST(SignV2FineUploaderTest, RestInitiate) {
  const std::string headers =
      "POST\n\nimage/jpeg\n\nx-amz-acl:public-read\n" + std::string(kDateLine) +
      "x-amz-meta-category:holiday%20photos\nx-amz-meta-qqfilename:my%20photo%20(1).jpg\n"
      "x-amz-server-side-encryption:AES256\nx-amz-storage-class:REDUCED_REDUNDANCY\n" +
      Resource("uploads");
  EXPECT_EQ(SignV2(ExampleSecret(), headers), "u2a2LfcGeeIao9mxRSYrOUsVXLs=");
}

TEST(SignV2FineUploaderTest, RestParts) {
  EXPECT_EQ(SignV2(ExampleSecret(), "PUT\n\n\n\n" + std::string(kDateLine) +
                                        Resource("partNumber=1&uploadId=UPLOADID123")),
            "eNJuG5gH5bET++AlOZPHiVwARyQ=");
  EXPECT_EQ(SignV2(ExampleSecret(), "PUT\n\n\n\n" + std::string(kDateLine) +
                                        Resource("partNumber=2&uploadId=UPLOADID123")),
            "6sRWud1pQE4OvmZVNlXpFn0t4mw=");
}

TEST(SignV2FineUploaderTest, RestComplete) {
  EXPECT_EQ(SignV2(ExampleSecret(), "POST\n\napplication/xml; charset=UTF-8\n\n" +
                                        std::string(kDateLine) + Resource("uploadId=UPLOADID123")),
            "f7chGl2Gzcq2zcSnXXxXMaNtsE4=");
}

TEST(SignV2FineUploaderTest, RestAbort) {
  EXPECT_EQ(SignV2(ExampleSecret(),
                   "DELETE\n\n\n\n" + std::string(kDateLine) + Resource("uploadId=UPLOADID123")),
            "Zo/WqCwetb4dguqUhYfKVRucekg=");
}

TEST(SignV2FineUploaderTest, TheDateLineIsTheRfc1123Format) {
  const std::string date = FormatRfc1123(ParseRfc1123("Wed, 01 May 2024 12:00:00 GMT").value());
  EXPECT_EQ(SignV2(ExampleSecret(),
                   "DELETE\n\n\n\nx-amz-date:" + date + "\n" + Resource("uploadId=UPLOADID123")),
            "Zo/WqCwetb4dguqUhYfKVRucekg=");
}

}  // namespace
}  // namespace s3upload::aws
