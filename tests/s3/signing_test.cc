// signing.cc: the signed object requests compared with requests built independently from the
// aws/ step functions (signature through DeriveSigningKey, not the Credentials cache), and the
// presigned GET URL against the AWS documentation's example, byte for byte.
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
using aws::aws_test::ReadTestFile;

aws::Credentials ExampleCredentials() {
  return aws::Credentials(std::string(kExampleAccessKeyId),
                          aws::SecretKey(std::string(kExampleSecret)));
}

aws::TimePoint ExampleTime() { return aws::ParseAmzDate("20130524T000000Z").value(); }

BucketLocation AwsExampleBucket() {
  return BucketLocation{"https://s3.amazonaws.com", verify::Addressing::kVirtualHosted,
                        "examplebucket", "us-east-1"};
}

std::string HeaderValue(const outbound::HttpRequest& request, std::string_view name) {
  for (const auto& [n, v] : request.headers) {
    if (n == name) return v;
  }
  ADD_FAILURE() << "no header " << name;
  return "";
}

// The Authorization header for an empty-payload request, built step by step without s3/.
std::string IndependentAuthorization(std::string_view method, std::string_view host,
                                     std::string_view path, std::string_view region,
                                     aws::TimePoint when) {
  const std::string amz_date = aws::FormatAmzDate(when);
  const std::string day = aws::FormatAmzDay(when);
  const aws::CanonicalHeaderBlock headers = aws::CanonicalHeaders({
      {"X-Amz-Date", amz_date},
      {"Host", std::string(host)},
      {"X-Amz-Content-Sha256", aws::Sha256Hex("")},
  });
  const std::string canonical =
      aws::CanonicalRequest(method, aws::CanonicalUri(path, false, false),
                            aws::CanonicalQueryString({}), headers, aws::Sha256Hex(""));
  const std::string scope = aws::CredentialScope(day, region, "s3");
  const std::string signature = aws::Signature(
      aws::DeriveSigningKey(aws::SecretKey(std::string(kExampleSecret)), day, region, "s3"),
      aws::StringToSign(amz_date, scope, aws::Sha256Hex(canonical)));
  return aws::AuthorizationHeader(kExampleAccessKeyId, scope, headers.signed_headers, signature);
}

TEST(SignedObjectRequestTest, CarriesHostDateAndPayloadHash) {
  const aws::Credentials credentials = ExampleCredentials();
  const outbound::HttpRequest request =
      SignedObjectRequest("HEAD", AwsExampleBucket(), "test.txt", credentials, ExampleTime());
  EXPECT_EQ(request.method, "HEAD");
  EXPECT_EQ(request.url, "https://examplebucket.s3.amazonaws.com/test.txt");
  EXPECT_EQ(request.body, "");
  EXPECT_EQ(request.headers.size(), 4u);
  EXPECT_EQ(HeaderValue(request, "Host"), "examplebucket.s3.amazonaws.com");
  EXPECT_EQ(HeaderValue(request, "x-amz-date"), "20130524T000000Z");
  EXPECT_EQ(HeaderValue(request, "x-amz-content-sha256"),
            "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
  const std::string authorization = HeaderValue(request, "Authorization");
  EXPECT_TRUE(authorization.starts_with(
      "AWS4-HMAC-SHA256 Credential=AKIAIOSFODNN7EXAMPLE/20130524/us-east-1/s3/aws4_request, "
      "SignedHeaders=host;x-amz-content-sha256;x-amz-date, Signature="))
      << authorization;
}

TEST(SignedObjectRequestTest, EqualsAnIndependentlyBuiltRequest) {
  const aws::Credentials credentials = ExampleCredentials();
  const aws::TimePoint when = aws::ParseAmzDate("20240501T120000Z").value();
  struct Case {
    BucketLocation location;
    std::string key;
    std::string host;
    std::string path;
  };
  const std::vector<Case> cases = {
      {AwsExampleBucket(), "test.txt", "examplebucket.s3.amazonaws.com", "/test.txt"},
      {{"http://localhost:7480", verify::Addressing::kVirtualHosted, "uploads", "us-east-1"},
       "u/Grüße a+b.jpg",
       "uploads.localhost:7480",
       "/u/Gr%C3%BC%C3%9Fe%20a%2Bb.jpg"},
      {{"http://127.0.0.1:7480", verify::Addressing::kPathStyle, "uploads", "eu-central-1"},
       "u/Grüße a+b.jpg",
       "127.0.0.1:7480",
       "/uploads/u/Gr%C3%BC%C3%9Fe%20a%2Bb.jpg"},
  };
  for (const Case& c : cases) {
    for (const char* method : {"HEAD", "DELETE"}) {
      const outbound::HttpRequest request =
          SignedObjectRequest(method, c.location, c.key, credentials, when);
      EXPECT_EQ(request.method, method);
      EXPECT_EQ(request.url, c.location.endpoint.substr(0, c.location.endpoint.find("://") + 3) +
                                 c.host + c.path);
      EXPECT_EQ(HeaderValue(request, "Host"), c.host);
      EXPECT_EQ(HeaderValue(request, "x-amz-date"), "20240501T120000Z");
      EXPECT_EQ(HeaderValue(request, "Authorization"),
                IndependentAuthorization(method, c.host, c.path, c.location.region, when))
          << method << " " << c.host << c.path;
    }
  }
}

TEST(SignedObjectRequestTest, SignatureDependsOnMethodKeyAndTime) {
  const aws::Credentials credentials = ExampleCredentials();
  const auto authorization = [&](const char* method, const char* key, aws::TimePoint when) {
    return HeaderValue(SignedObjectRequest(method, AwsExampleBucket(), key, credentials, when),
                       "Authorization");
  };
  const std::string base = authorization("HEAD", "a", ExampleTime());
  EXPECT_NE(base, authorization("DELETE", "a", ExampleTime()));
  EXPECT_NE(base, authorization("HEAD", "b", ExampleTime()));
  EXPECT_NE(base, authorization("HEAD", "a", ExampleTime() + std::chrono::seconds(1)));
  EXPECT_EQ(base, authorization("HEAD", "a", ExampleTime()));
}

// AWS S3 API reference, "Authenticating Requests: Using Query Parameters", example presigned GET.
TEST(PresignedGetUrlTest, ReproducesTheAwsDocumentationExample) {
  const aws::Credentials credentials = ExampleCredentials();
  const std::string url = PresignedGetUrl(AwsExampleBucket(), "test.txt", credentials,
                                          ExampleTime(), std::chrono::seconds(86400));
  EXPECT_EQ(url,
            "https://examplebucket.s3.amazonaws.com/test.txt"
            "?X-Amz-Algorithm=AWS4-HMAC-SHA256"
            "&X-Amz-Credential=AKIAIOSFODNN7EXAMPLE%2F20130524%2Fus-east-1%2Fs3%2Faws4_request"
            "&X-Amz-Date=20130524T000000Z&X-Amz-Expires=86400&X-Amz-SignedHeaders=host"
            "&X-Amz-Signature=aeeed9bbccd4d02ee5c0109b86d86835f995330da4c265957d157751f604d404");
  // The same signature as the vector the aws tests pin step by step.
  EXPECT_TRUE(url.ends_with("&X-Amz-Signature=" +
                            ReadTestFile("aws/s3-examples/presigned-get/signature.txt")));
}

TEST(PresignedGetUrlTest, PathStyleUnicodeKeyEqualsAnIndependentlyBuiltUrl) {
  const aws::Credentials credentials = ExampleCredentials();
  const BucketLocation location{"http://127.0.0.1:7480", verify::Addressing::kPathStyle, "uploads",
                                "us-east-1"};
  const aws::TimePoint when = aws::ParseAmzDate("20240501T120000Z").value();
  const std::string url =
      PresignedGetUrl(location, "u/Grüße a+b.jpg", credentials, when, std::chrono::seconds(300));

  const std::string path = "/uploads/u/Gr%C3%BC%C3%9Fe%20a%2Bb.jpg";
  const std::string scope = "20240501/us-east-1/s3/aws4_request";
  const std::string query =
      "X-Amz-Algorithm=AWS4-HMAC-SHA256"
      "&X-Amz-Credential=AKIAIOSFODNN7EXAMPLE%2F20240501%2Fus-east-1%2Fs3%2Faws4_request"
      "&X-Amz-Date=20240501T120000Z&X-Amz-Expires=300&X-Amz-SignedHeaders=host";
  const std::string canonical =
      "GET\n" + path + "\n" + query + "\nhost:127.0.0.1:7480\n\nhost\nUNSIGNED-PAYLOAD";
  const std::string signature = aws::Signature(
      aws::DeriveSigningKey(aws::SecretKey(std::string(kExampleSecret)), "20240501", "us-east-1",
                            "s3"),
      "AWS4-HMAC-SHA256\n20240501T120000Z\n" + scope + "\n" + aws::Sha256Hex(canonical));
  EXPECT_EQ(url, "http://127.0.0.1:7480" + path + "?" + query + "&X-Amz-Signature=" + signature);
}

TEST(PresignedGetUrlTest, VirtualHostedWithPortSignsTheHostWithPort) {
  const aws::Credentials credentials = ExampleCredentials();
  const BucketLocation location{"http://localhost:7480", verify::Addressing::kVirtualHosted,
                                "uploads", "us-east-1"};
  const std::string url =
      PresignedGetUrl(location, "a b", credentials, ExampleTime(), std::chrono::seconds(60));
  EXPECT_TRUE(url.starts_with("http://uploads.localhost:7480/a%20b?X-Amz-Algorithm=")) << url;
  EXPECT_NE(url.find("&X-Amz-Expires=60&"), std::string::npos);
  const std::string canonical =
      "GET\n/a%20b\n"
      "X-Amz-Algorithm=AWS4-HMAC-SHA256"
      "&X-Amz-Credential=AKIAIOSFODNN7EXAMPLE%2F20130524%2Fus-east-1%2Fs3%2Faws4_request"
      "&X-Amz-Date=20130524T000000Z&X-Amz-Expires=60&X-Amz-SignedHeaders=host\n"
      "host:uploads.localhost:7480\n\nhost\nUNSIGNED-PAYLOAD";
  const std::string signature =
      aws::Signature(aws::DeriveSigningKey(aws::SecretKey(std::string(kExampleSecret)), "20130524",
                                           "us-east-1", "s3"),
                     "AWS4-HMAC-SHA256\n20130524T000000Z\n20130524/us-east-1/s3/aws4_request\n" +
                         aws::Sha256Hex(canonical));
  EXPECT_TRUE(url.ends_with("&X-Amz-Signature=" + signature)) << url;
}

}  // namespace
}  // namespace s3upload::s3
