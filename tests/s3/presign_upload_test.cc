// PresignPost and PresignedPutUrl (signing.cc) byte for byte against botocore 1.43.11's
// generate_presigned_post and generate_presigned_url("put_object") for the same inputs and clock
// (data/botocore_presign.py prints them), and the structure of what they sign.
#include <gtest/gtest.h>

#include <chrono>
#include <string>
#include <string_view>
#include <vector>

#include "aws/test_support.h"
#include "s3upload/aws.h"
#include "s3upload/s3.h"

namespace s3upload::s3 {
namespace {

using aws::aws_test::kExampleAccessKeyId;
using aws::aws_test::kExampleSecret;

constexpr std::string_view kKey = "uploads/alice/0f8fad5b-d9cb-469f-a165-70867728950e.jpg";
constexpr std::string_view kEncodedName = "my%20photo%20%281%29.jpg";

aws::Credentials ExampleCredentials() {
  return aws::Credentials(std::string(kExampleAccessKeyId),
                          aws::SecretKey(std::string(kExampleSecret)));
}

// botocore's clock in the vectors; the fraction must not matter (everything is whole seconds).
aws::TimePoint VectorTime() {
  return aws::ParseAmzDate("20261121T200000Z").value() + std::chrono::milliseconds(734);
}

BucketLocation Bucket(verify::Addressing addressing = verify::Addressing::kVirtualHosted) {
  return BucketLocation{"https://s3.eu-west-1.amazonaws.com", addressing, "mybucket", "eu-west-1"};
}

PostPolicy VectorPolicy() {
  PostPolicy policy;
  policy.key = std::string(kKey);
  policy.fields = {{"Content-Type", "image/jpeg"},
                   {"success_action_status", "201"},
                   {"x-amz-meta-filename", std::string(kEncodedName)}};
  policy.min_size = 1;
  policy.max_size = 20000000;
  policy.expires = std::chrono::seconds(300);
  return policy;
}

std::string FieldValue(const http::Fields& fields, std::string_view name) {
  for (const auto& [n, v] : fields) {
    if (n == name) return v;
  }
  ADD_FAILURE() << "no field " << name;
  return "";
}

TEST(PresignPostTest, EqualsBotocoreByteForByte) {
  const aws::Credentials credentials = ExampleCredentials();
  const PresignedPost post = PresignPost(Bucket(), VectorPolicy(), credentials, VectorTime());

  EXPECT_EQ(post.url, "https://mybucket.s3.eu-west-1.amazonaws.com/");
  EXPECT_EQ(post.policy_json,
            R"({"expiration": "2026-11-21T20:05:00Z", "conditions": [{"Content-Type": )"
            R"("image/jpeg"}, {"success_action_status": "201"}, {"x-amz-meta-filename": )"
            R"("my%20photo%20%281%29.jpg"}, ["content-length-range", 1, 20000000], {"bucket": )"
            R"("mybucket"}, {"key": "uploads/alice/0f8fad5b-d9cb-469f-a165-70867728950e.jpg"}, )"
            R"({"x-amz-algorithm": "AWS4-HMAC-SHA256"}, {"x-amz-credential": )"
            R"("AKIAIOSFODNN7EXAMPLE/20261121/eu-west-1/s3/aws4_request"}, {"x-amz-date": )"
            R"("20261121T200000Z"}]})");
  // The form's order: key first, the file after all of these.
  const http::Fields expected = {
      {"key", std::string(kKey)},
      {"Content-Type", "image/jpeg"},
      {"success_action_status", "201"},
      {"x-amz-meta-filename", std::string(kEncodedName)},
      {"x-amz-algorithm", "AWS4-HMAC-SHA256"},
      {"x-amz-credential", "AKIAIOSFODNN7EXAMPLE/20261121/eu-west-1/s3/aws4_request"},
      {"x-amz-date", "20261121T200000Z"},
      {"policy",
       "eyJleHBpcmF0aW9uIjogIjIwMjYtMTEtMjFUMjA6MDU6MDBaIiwgImNvbmRpdGlvbnMiOiBbeyJDb250ZW50LVR5cG"
       "UiOiAiaW1hZ2UvanBlZyJ9LCB7InN1Y2Nlc3NfYWN0aW9uX3N0YXR1cyI6ICIyMDEifSwgeyJ4LWFtei1tZXRhLWZp"
       "bGVuYW1lIjogIm15JTIwcGhvdG8lMjAlMjgxJTI5LmpwZyJ9LCBbImNvbnRlbnQtbGVuZ3RoLXJhbmdlIiwgMSwgMj"
       "AwMDAwMDBdLCB7ImJ1Y2tldCI6ICJteWJ1Y2tldCJ9LCB7ImtleSI6ICJ1cGxvYWRzL2FsaWNlLzBmOGZhZDViLWQ5"
       "Y2ItNDY5Zi1hMTY1LTcwODY3NzI4OTUwZS5qcGcifSwgeyJ4LWFtei1hbGdvcml0aG0iOiAiQVdTNC1ITUFDLVNIQT"
       "I1NiJ9LCB7IngtYW16LWNyZWRlbnRpYWwiOiAiQUtJQUlPU0ZPRE5ON0VYQU1QTEUvMjAyNjExMjEvZXUtd2VzdC0x"
       "L3MzL2F3czRfcmVxdWVzdCJ9LCB7IngtYW16LWRhdGUiOiAiMjAyNjExMjFUMjAwMDAwWiJ9XX0="},
      {"x-amz-signature", "023e35841327614f0e04b0ba649dc038eb4ed392f614fafc941a4553ddedafe0"},
  };
  EXPECT_EQ(post.fields, expected);
  EXPECT_EQ(post.expiration, aws::ParseAmzDate("20261121T200500Z").value());
}

TEST(PresignPostTest, SignatureIsTheV4SignatureOfThePolicyField) {
  const aws::Credentials credentials = ExampleCredentials();
  const PresignedPost post = PresignPost(Bucket(), VectorPolicy(), credentials, VectorTime());
  const std::string policy = FieldValue(post.fields, "policy");
  EXPECT_EQ(aws::Base64Decode(policy).value(), post.policy_json);
  const std::string expected =
      aws::Signature(aws::DeriveSigningKey(aws::SecretKey(std::string(kExampleSecret)), "20261121",
                                           "eu-west-1", "s3"),
                     policy);
  EXPECT_EQ(FieldValue(post.fields, "x-amz-signature"), expected);
}

TEST(PresignPostTest, PathStyleUrlAndRedirectField) {
  const aws::Credentials credentials = ExampleCredentials();
  PostPolicy policy = VectorPolicy();
  policy.fields = {{"Content-Type", "text/plain"},
                   {"success_action_redirect", "https://app.example.com/done?a=1&b=\"2\""}};
  policy.min_size = policy.max_size = 5;
  const PresignedPost post =
      PresignPost(Bucket(verify::Addressing::kPathStyle), policy, credentials, VectorTime());
  EXPECT_EQ(post.url, "https://s3.eu-west-1.amazonaws.com/mybucket/");
  EXPECT_NE(post.policy_json.find(R"({"success_action_redirect": )"
                                  R"("https://app.example.com/done?a=1&b=\"2\""})"),
            std::string::npos)
      << post.policy_json;
  EXPECT_NE(post.policy_json.find(R"(["content-length-range", 5, 5])"), std::string::npos);
  EXPECT_EQ(post.fields[2],
            (std::pair<std::string, std::string>{"success_action_redirect",
                                                 "https://app.example.com/done?a=1&b=\"2\""}));
}

TEST(PresignedPutUrlTest, EqualsBotocoreByteForByte) {
  const aws::Credentials credentials = ExampleCredentials();
  const std::vector<aws::Header> headers = {{"content-length", "12345"},
                                            {"Content-Type", "image/jpeg"},
                                            {"x-amz-meta-filename", std::string(kEncodedName)}};
  EXPECT_EQ(PresignedPutUrl(Bucket(), std::string(kKey), headers, credentials, VectorTime(),
                            std::chrono::seconds(300)),
            "https://mybucket.s3.eu-west-1.amazonaws.com/uploads/alice/"
            "0f8fad5b-d9cb-469f-a165-70867728950e.jpg?X-Amz-Algorithm=AWS4-HMAC-SHA256&"
            "X-Amz-Credential=AKIAIOSFODNN7EXAMPLE%2F20261121%2Feu-west-1%2Fs3%2Faws4_request&"
            "X-Amz-Date=20261121T200000Z&X-Amz-Expires=300&X-Amz-SignedHeaders=content-length%"
            "3Bcontent-type%3Bhost%3Bx-amz-meta-filename&X-Amz-Signature="
            "48b1750f4fa618eaf6025f427a3bc500c15ca7eb6dd0764911c35957986c3f2b");
  EXPECT_EQ(PresignedPutUrl(Bucket(verify::Addressing::kPathStyle), std::string(kKey), headers,
                            credentials, VectorTime(), std::chrono::seconds(300)),
            "https://s3.eu-west-1.amazonaws.com/mybucket/uploads/alice/"
            "0f8fad5b-d9cb-469f-a165-70867728950e.jpg?X-Amz-Algorithm=AWS4-HMAC-SHA256&"
            "X-Amz-Credential=AKIAIOSFODNN7EXAMPLE%2F20261121%2Feu-west-1%2Fs3%2Faws4_request&"
            "X-Amz-Date=20261121T200000Z&X-Amz-Expires=300&X-Amz-SignedHeaders=content-length%"
            "3Bcontent-type%3Bhost%3Bx-amz-meta-filename&X-Amz-Signature="
            "af10c411e72a4d055f3a100a0bcca9b90c795ebe358b275aa72f9a6ea45a4e4a");
}

TEST(PresignedPutUrlTest, EveryBoundHeaderChangesTheSignature) {
  const aws::Credentials credentials = ExampleCredentials();
  const auto url = [&](std::string length, std::string type) {
    return PresignedPutUrl(Bucket(), std::string(kKey),
                           {{"content-length", std::move(length)}, {"content-type", type}},
                           credentials, VectorTime(), std::chrono::seconds(300));
  };
  const std::string base = url("10", "image/png");
  EXPECT_NE(base.find("X-Amz-SignedHeaders=content-length%3Bcontent-type%3Bhost&"),
            std::string::npos);
  EXPECT_NE(base, url("11", "image/png"));
  EXPECT_NE(base, url("10", "image/gif"));
}

}  // namespace
}  // namespace s3upload::s3
