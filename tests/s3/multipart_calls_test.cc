// multipart_calls.cc: the presigned UploadPart URL and header-signed requests byte for byte
// against botocore 1.43.11 (data/botocore_presign.py prints the values), and MultipartClient on
// a fake transport: what each call sends, and how S3's answers (including a 200 carrying an
// <Error>, and a missing upload on abort) become values.
#include <gtest/gtest.h>

#include <chrono>
#include <map>
#include <string>
#include <variant>
#include <vector>

#include "aws/test_support.h"
#include "s3upload/outbound.h"
#include "s3upload/s3_multipart.h"

namespace s3upload::s3 {
namespace {

using std::chrono::milliseconds;
using std::chrono::seconds;

constexpr std::string_view kKey = "uploads/alice/0f8fad5b-d9cb-469f-a165-70867728950e.jpg";

std::shared_ptr<const aws::Credentials> ExampleCredentials() {
  return std::make_shared<const aws::Credentials>(
      std::string(aws::aws_test::kExampleAccessKeyId),
      aws::SecretKey(std::string(aws::aws_test::kExampleSecret)));
}

aws::TimePoint BotocoreNow() { return aws::ParseAmzDate("20261121T200000Z").value(); }

std::map<std::string, std::string> QueryOf(std::string_view url) {
  std::map<std::string, std::string> params;
  std::string_view query = url.substr(url.find('?') + 1);
  while (!query.empty()) {
    const std::size_t amp = query.find('&');
    const std::string_view item = query.substr(0, amp);
    const std::size_t eq = item.find('=');
    params[std::string(item.substr(0, eq))] = std::string(item.substr(eq + 1));
    query = amp == std::string_view::npos ? std::string_view() : query.substr(amp + 1);
  }
  return params;
}

TEST(PresignedUploadPartUrlTest, SameAsBotocore) {
  const std::string upload_id = "VXBsb2FkIElEIGZvciA2aWWpbmcncyBteS1tb3ZpZS5tMnRzIHVwbG9hZA~+/=";
  struct Case {
    verify::Addressing addressing;
    std::string base, signature;
  };
  for (const Case& c : {
           Case{verify::Addressing::kVirtualHosted,
                "https://mybucket.s3.eu-west-1.amazonaws.com/" + std::string(kKey),
                "41dc77458f2f07867b81c152a61ed6d8e3a0600f453d418c51cdafb3b518e61f"},
           Case{verify::Addressing::kPathStyle,
                "https://s3.eu-west-1.amazonaws.com/mybucket/" + std::string(kKey),
                "44aca53bceee42fb6dce569772585581b2678d39c1199fb9edf481ce93384748"},
       }) {
    const BucketLocation location{"https://s3.eu-west-1.amazonaws.com", c.addressing, "mybucket",
                                  "eu-west-1"};
    const std::string url =
        PresignedUploadPartUrl(location, std::string(kKey), upload_id, 7, *ExampleCredentials(),
                               BotocoreNow(), seconds(300));
    ASSERT_TRUE(url.starts_with(c.base + "?")) << url;
    // botocore orders the query differently; the parameters and the signature are the same.
    const std::map<std::string, std::string> expected = {
        {"uploadId", "VXBsb2FkIElEIGZvciA2aWWpbmcncyBteS1tb3ZpZS5tMnRzIHVwbG9hZA~%2B%2F%3D"},
        {"partNumber", "7"},
        {"X-Amz-Algorithm", "AWS4-HMAC-SHA256"},
        {"X-Amz-Credential", "AKIAIOSFODNN7EXAMPLE%2F20261121%2Feu-west-1%2Fs3%2Faws4_request"},
        {"X-Amz-Date", "20261121T200000Z"},
        {"X-Amz-Expires", "300"},
        {"X-Amz-SignedHeaders", "host"},
        {"X-Amz-Signature", c.signature},
    };
    EXPECT_EQ(QueryOf(url), expected);
  }
}

std::string HeaderValue(const outbound::HttpRequest& request, std::string_view name) {
  for (const auto& [n, v] : request.headers) {
    if (n == name) return v;
  }
  return "";
}

TEST(SignedS3RequestTest, SameAuthorizationAsBotocore) {
  const BucketLocation location{"https://s3.eu-west-1.amazonaws.com",
                                verify::Addressing::kVirtualHosted, "mybucket", "eu-west-1"};
  const outbound::HttpRequest create =
      SignedS3Request("POST", location, std::string(kKey), {{"uploads", ""}},
                      {{"Content-Type", "image/jpeg"}, {"x-amz-meta-filename", "my%20photo.jpg"}},
                      "", *ExampleCredentials(), BotocoreNow());
  EXPECT_EQ(create.url,
            "https://mybucket.s3.eu-west-1.amazonaws.com/" + std::string(kKey) + "?uploads=");
  EXPECT_EQ(HeaderValue(create, "Authorization"),
            "AWS4-HMAC-SHA256 Credential=AKIAIOSFODNN7EXAMPLE/20261121/eu-west-1/s3/aws4_request, "
            "SignedHeaders=content-type;host;x-amz-content-sha256;x-amz-date;x-amz-meta-filename, "
            "Signature=29a4dd6144d955e60a8794b1a618f7e09e74f22c6eadd92c25e7dd97e8017849");
  EXPECT_EQ(HeaderValue(create, "Content-Type"), "image/jpeg");
  EXPECT_EQ(HeaderValue(create, "x-amz-meta-filename"), "my%20photo.jpg");

  const std::string body =
      CompleteMultipartUploadBody({{1, "\"a54357aff0632cce46d942af68356b38\""}});
  EXPECT_EQ(body,
            "<CompleteMultipartUpload xmlns=\"http://s3.amazonaws.com/doc/2006-03-01/\"><Part>"
            "<PartNumber>1</PartNumber><ETag>&quot;a54357aff0632cce46d942af68356b38&quot;</ETag>"
            "</Part></CompleteMultipartUpload>");
  const outbound::HttpRequest complete = SignedS3Request(
      "POST", location, std::string(kKey), {{"uploadId", "2~abc"}},
      {{"Content-Type", "application/xml"}}, body, *ExampleCredentials(), BotocoreNow());
  EXPECT_EQ(HeaderValue(complete, "Authorization"),
            "AWS4-HMAC-SHA256 Credential=AKIAIOSFODNN7EXAMPLE/20261121/eu-west-1/s3/aws4_request, "
            "SignedHeaders=content-type;host;x-amz-content-sha256;x-amz-date, "
            "Signature=acb49428afc9dfcd9fa9b22e2aa46b13a24553cba125d9df5628dfe5fc53b26a");
  EXPECT_EQ(HeaderValue(complete, "x-amz-content-sha256"), aws::Sha256Hex(body));
  EXPECT_EQ(complete.body, body);
}

outbound::HttpResponse Answer(long status, std::string body = "") {
  return outbound::HttpResponse{status, {}, std::move(body)};
}

class FakeTransport final : public outbound::Transport {
 public:
  explicit FakeTransport(std::vector<outbound::CallResult> script) : script_(std::move(script)) {}
  outbound::CallResult Perform(const outbound::HttpRequest& request,
                               const outbound::Timeouts&) override {
    requests.push_back(request);
    return script_[std::min(requests.size() - 1, script_.size() - 1)];
  }
  std::vector<outbound::HttpRequest> requests;

 private:
  std::vector<outbound::CallResult> script_;
};

class MultipartClientTest : public ::testing::Test {
 protected:
  MultipartClient Client(FakeTransport& transport) {
    outbound::CallOptions options;
    options.sleep = [](milliseconds) {};
    return MultipartClient(location_, ExampleCredentials(), transport, limiter_, options,
                           [] { return BotocoreNow(); });
  }
  BucketLocation location_{"http://localhost:7480", verify::Addressing::kPathStyle, "uploads",
                           "us-east-1"};
  outbound::Limiter limiter_{4};
};

TEST_F(MultipartClientTest, CreateSendsTypeAndMetadata) {
  FakeTransport transport({Answer(200,
                                  "<InitiateMultipartUploadResult><UploadId>2~xyz</UploadId>"
                                  "</InitiateMultipartUploadResult>")});
  MultipartClient client = Client(transport);
  const CreateResult result =
      client.Create({"u/k.png", "image/png", {{"x-amz-meta-filename", "k.png"}}});
  ASSERT_TRUE(std::holds_alternative<CreatedUpload>(result));
  EXPECT_EQ(std::get<CreatedUpload>(result).upload_id, "2~xyz");
  ASSERT_EQ(transport.requests.size(), 1U);
  const outbound::HttpRequest& sent = transport.requests[0];
  EXPECT_EQ(sent.method, "POST");
  EXPECT_EQ(sent.url, "http://localhost:7480/uploads/u/k.png?uploads=");
  EXPECT_EQ(HeaderValue(sent, "Content-Type"), "image/png");
  EXPECT_EQ(HeaderValue(sent, "x-amz-meta-filename"), "k.png");
  EXPECT_NE(HeaderValue(sent, "Authorization").find("content-type;host;"), std::string::npos);
}

TEST_F(MultipartClientTest, ListPartsPagesWithTheMarker) {
  FakeTransport transport({Answer(200,
                                  "<ListPartsResult><IsTruncated>true</IsTruncated>"
                                  "<NextPartNumberMarker>1</NextPartNumberMarker><Part>"
                                  "<PartNumber>1</PartNumber><ETag>\"e\"</ETag><Size>5</Size>"
                                  "</Part></ListPartsResult>")});
  MultipartClient client = Client(transport);
  const ListPartsResult result = client.ListParts("k", "2~x+y", 1000, 1000);
  ASSERT_TRUE(std::holds_alternative<PartsPage>(result));
  EXPECT_EQ(std::get<PartsPage>(result).parts.size(), 1U);
  EXPECT_EQ(transport.requests[0].method, "GET");
  EXPECT_EQ(transport.requests[0].url,
            "http://localhost:7480/uploads/k?max-parts=1000&part-number-marker=1000"
            "&uploadId=2~x%2By");
  client.ListParts("k", "u", 0, 10);
  EXPECT_EQ(transport.requests[1].url, "http://localhost:7480/uploads/k?max-parts=10&uploadId=u");
}

TEST_F(MultipartClientTest, CompleteReadsTheResultAndRefusesAnErrorIn200) {
  FakeTransport ok({Answer(200,
                           "<CompleteMultipartUploadResult><Location>l</Location><Bucket>b"
                           "</Bucket><Key>k</Key><ETag>\"e-1\"</ETag>"
                           "</CompleteMultipartUploadResult>")});
  MultipartClient client = Client(ok);
  const CompleteResult done = client.Complete("k", "u", {{1, "\"e\""}});
  ASSERT_TRUE(std::holds_alternative<CompletedUpload>(done));
  EXPECT_EQ(std::get<CompletedUpload>(done).location, "l");
  EXPECT_EQ(ok.requests[0].url, "http://localhost:7480/uploads/k?uploadId=u");
  EXPECT_EQ(ok.requests[0].body, CompleteMultipartUploadBody({{1, "\"e\""}}));

  FakeTransport error_in_200({Answer(200, "<Error><Code>InternalError</Code></Error>")});
  MultipartClient failing = Client(error_in_200);
  const CompleteResult failed = failing.Complete("k", "u", {{1, "\"e\""}});
  ASSERT_TRUE(std::holds_alternative<Error>(failed));
  EXPECT_EQ(std::get<Error>(failed).kind, Error::Kind::kUnavailable);
  EXPECT_NE(std::get<Error>(failed).message.find("InternalError"), std::string::npos);

  FakeTransport invalid_part({Answer(400, "<Error><Code>InvalidPart</Code></Error>")});
  MultipartClient refusing = Client(invalid_part);
  const CompleteResult refused = refusing.Complete("k", "u", {{1, "\"e\""}});
  ASSERT_TRUE(std::holds_alternative<Error>(refused));
  EXPECT_EQ(std::get<Error>(refused).kind, Error::Kind::kRejected);
  EXPECT_EQ(invalid_part.requests.size(), 1U);  // a 4xx is not retried
}

TEST_F(MultipartClientTest, AbortTreatsAMissingUploadAsAborted) {
  for (const auto& [answer, aborted] : std::vector<std::pair<outbound::HttpResponse, bool>>{
           {Answer(204), true},
           {Answer(404, "<Error><Code>NoSuchUpload</Code></Error>"), true},
           {Answer(404, "<Error><Code>NoSuchKey</Code></Error>"), true},  // radosgw
           {Answer(404, "<Error><Code>NoSuchBucket</Code></Error>"), false},
           {Answer(403, "<Error><Code>AccessDenied</Code></Error>"), false},
       }) {
    FakeTransport transport({answer});
    MultipartClient client = Client(transport);
    const AbortResult result = client.Abort("k", "u");
    EXPECT_EQ(std::holds_alternative<Aborted>(result), aborted) << answer.body;
    EXPECT_EQ(transport.requests[0].method, "DELETE");
    EXPECT_EQ(transport.requests[0].url, "http://localhost:7480/uploads/k?uploadId=u");
  }
}

TEST_F(MultipartClientTest, FailuresAreRetriedThenReported) {
  FakeTransport transport({Answer(503), Answer(503), Answer(503)});
  MultipartClient client = Client(transport);
  const CreateResult result = client.Create({"k", "", {}});
  ASSERT_TRUE(std::holds_alternative<Error>(result));
  EXPECT_EQ(std::get<Error>(result).kind, Error::Kind::kUnavailable);
  EXPECT_EQ(transport.requests.size(), 3U);
}

}  // namespace
}  // namespace s3upload::s3
