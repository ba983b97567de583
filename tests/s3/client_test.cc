// client.cc with a fake Transport: what HEAD and DELETE send (exactly the SignedObjectRequest of
// the moment, re-signed per attempt), and how S3's answers and failures become ObjectHead /
// NotFound / Deleted / Error, including retries, the concurrency cap and S3's XML error text.
#include <gtest/gtest.h>

#include <chrono>
#include <memory>
#include <optional>
#include <string>
#include <variant>
#include <vector>

#include "aws/test_support.h"
#include "s3upload/outbound.h"
#include "s3upload/s3.h"

namespace s3upload::s3 {
namespace {

using std::chrono::milliseconds;
using std::chrono::seconds;

outbound::HttpResponse Answer(long status, http::Fields headers = {}, std::string body = "") {
  return outbound::HttpResponse{status, std::move(headers), std::move(body)};
}

outbound::CallError Failure(outbound::FailureKind kind, std::string message = "scripted") {
  return outbound::CallError{kind, std::move(message)};
}

// Plays a script of results (the last one repeats) and records what it was asked.
class FakeTransport final : public outbound::Transport {
 public:
  explicit FakeTransport(std::vector<outbound::CallResult> script) : script_(std::move(script)) {}

  outbound::CallResult Perform(const outbound::HttpRequest& request,
                               const outbound::Timeouts& timeouts) override {
    requests.push_back(request);
    timeouts_seen.push_back(timeouts);
    return script_[std::min(requests.size() - 1, script_.size() - 1)];
  }

  std::vector<outbound::HttpRequest> requests;
  std::vector<outbound::Timeouts> timeouts_seen;

 private:
  std::vector<outbound::CallResult> script_;
};

std::string HeaderValue(const outbound::HttpRequest& request, std::string_view name) {
  for (const auto& [n, v] : request.headers) {
    if (n == name) return v;
  }
  return "";
}

constexpr std::string_view kS3Error403 =
    "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
    "<Error><Code>AccessDenied</Code><Message>Access Denied</Message>"
    "<RequestId>4442587FB7D0A2F9</RequestId><HostId>abc</HostId></Error>";

// A client on a fake transport with a clock that advances one second per signature, so every
// attempt carries a different x-amz-date.
class S3ClientTest : public ::testing::Test {
 protected:
  void SetUp() override {
    credentials_ = std::make_shared<const aws::Credentials>(
        std::string(aws::aws_test::kExampleAccessKeyId),
        aws::SecretKey(std::string(aws::aws_test::kExampleSecret)));
  }

  S3Client Client(FakeTransport& transport, int max_attempts = 3) {
    outbound::CallOptions options;
    options.connect_timeout = milliseconds(700);
    options.deadline = milliseconds(5000);
    options.retry.max_attempts = max_attempts;
    options.sleep = [](milliseconds) {};  // no real waiting between attempts
    return S3Client(location_, credentials_, transport, limiter_, options,
                    [this] { return signing_time_ += seconds(1); });
  }

  // What the client must have sent for attempt n (the clock ticks once per attempt).
  outbound::HttpRequest Expected(std::string_view method, const std::string& key, int attempt) {
    return SignedObjectRequest(method, location_, key, *credentials_, start_ + seconds(attempt));
  }

  const aws::TimePoint start_ = aws::ParseAmzDate("20240501T120000Z").value();
  aws::TimePoint signing_time_ = start_;
  BucketLocation location_{"http://localhost:7480", verify::Addressing::kVirtualHosted, "uploads",
                           "us-east-1"};
  std::shared_ptr<const aws::Credentials> credentials_;
  outbound::Limiter limiter_{4};
};

void ExpectSameRequest(const outbound::HttpRequest& actual, const outbound::HttpRequest& expected) {
  EXPECT_EQ(actual.method, expected.method);
  EXPECT_EQ(actual.url, expected.url);
  EXPECT_EQ(actual.headers, expected.headers);
  EXPECT_EQ(actual.body, expected.body);
}

TEST_F(S3ClientTest, HeadReturnsSizeEtagAndContentType) {
  FakeTransport transport({Answer(200, {{"content-length", "1234"},
                                        {"etag", "\"9b2cf535f27731c974343645a3985328\""},
                                        {"content-type", "image/png"}})});
  S3Client client = Client(transport);
  const HeadResult result = client.Head("u/Grüße a.png");
  const auto* head = std::get_if<ObjectHead>(&result);
  ASSERT_NE(head, nullptr);
  EXPECT_EQ(head->size, 1234u);
  EXPECT_EQ(head->etag, "\"9b2cf535f27731c974343645a3985328\"");
  EXPECT_EQ(head->content_type, "image/png");
  ASSERT_EQ(transport.requests.size(), 1u);
  ExpectSameRequest(transport.requests[0], Expected("HEAD", "u/Grüße a.png", 1));
  EXPECT_EQ(transport.requests[0].url, "http://uploads.localhost:7480/u/Gr%C3%BC%C3%9Fe%20a.png");
  EXPECT_EQ(transport.timeouts_seen[0].connect, milliseconds(700));
}

TEST_F(S3ClientTest, HeadWithoutContentTypeGivesAnEmptyOne) {
  FakeTransport transport({Answer(200, {{"content-length", "0"}, {"etag", "\"e\""}})});
  S3Client client = Client(transport);
  const HeadResult result = client.Head("k");
  const auto* head = std::get_if<ObjectHead>(&result);
  ASSERT_NE(head, nullptr);
  EXPECT_EQ(head->size, 0u);
  EXPECT_EQ(head->content_type, "");
}

TEST_F(S3ClientTest, HeadWithoutAValidContentLengthIsNotTrusted) {
  for (const char* length : {"", "-1", "12x", "99999999999999999999999"}) {
    FakeTransport transport({Answer(200, {{"content-length", length}})});
    S3Client client = Client(transport);
    const HeadResult result = client.Head("k");
    const auto* error = std::get_if<Error>(&result);
    ASSERT_NE(error, nullptr) << length;
    EXPECT_EQ(error->kind, Error::Kind::kUnavailable);
  }
  FakeTransport transport({Answer(200)});
  S3Client client = Client(transport);
  EXPECT_TRUE(std::holds_alternative<Error>(client.Head("k")));
}

TEST_F(S3ClientTest, HeadOfAMissingObjectIsNotFoundNotAnError) {
  FakeTransport transport({Answer(404)});
  S3Client client = Client(transport);
  EXPECT_TRUE(std::holds_alternative<NotFound>(client.Head("k")));
  EXPECT_EQ(transport.requests.size(), 1u);
}

TEST_F(S3ClientTest, HeadStatusMapping) {
  struct Case {
    long status;
    Error::Kind kind;
    std::size_t attempts;
  };
  for (const Case& c :
       {Case{403, Error::Kind::kDenied, 1}, Case{400, Error::Kind::kRejected, 1},
        Case{409, Error::Kind::kRejected, 1}, Case{301, Error::Kind::kRejected, 1},
        Case{500, Error::Kind::kUnavailable, 3}, Case{503, Error::Kind::kUnavailable, 3}}) {
    FakeTransport transport({Answer(c.status)});
    S3Client client = Client(transport);
    const HeadResult result = client.Head("k");
    const auto* error = std::get_if<Error>(&result);
    ASSERT_NE(error, nullptr) << c.status;
    EXPECT_EQ(error->kind, c.kind) << c.status;
    EXPECT_EQ(error->http_status, c.status);
    EXPECT_EQ(error->message, "S3 HEAD answered " + std::to_string(c.status));
    EXPECT_EQ(transport.requests.size(), c.attempts) << c.status;
  }
}

TEST_F(S3ClientTest, EveryAttemptIsSignedAfresh) {
  FakeTransport transport({Answer(503), Answer(200, {{"content-length", "5"}})});
  S3Client client = Client(transport);
  const HeadResult result = client.Head("a b");
  ASSERT_TRUE(std::holds_alternative<ObjectHead>(result));
  ASSERT_EQ(transport.requests.size(), 2u);
  EXPECT_EQ(HeaderValue(transport.requests[0], "x-amz-date"), "20240501T120001Z");
  EXPECT_EQ(HeaderValue(transport.requests[1], "x-amz-date"), "20240501T120002Z");
  EXPECT_NE(HeaderValue(transport.requests[0], "Authorization"),
            HeaderValue(transport.requests[1], "Authorization"));
  ExpectSameRequest(transport.requests[0], Expected("HEAD", "a b", 1));
  ExpectSameRequest(transport.requests[1], Expected("HEAD", "a b", 2));
}

TEST_F(S3ClientTest, UnreachableS3IsUnavailableAfterTheRetries) {
  FakeTransport transport(
      {Failure(outbound::FailureKind::kConnect, "curl: Failed to connect to uploads.localhost")});
  S3Client client = Client(transport);
  const HeadResult head = client.Head("k");
  const auto* error = std::get_if<Error>(&head);
  ASSERT_NE(error, nullptr);
  EXPECT_EQ(error->kind, Error::Kind::kUnavailable);
  EXPECT_EQ(error->http_status, 0);
  EXPECT_EQ(error->message,
            "S3 HEAD failed after 3 attempt(s): curl: Failed to connect to uploads.localhost");
  EXPECT_EQ(transport.requests.size(), 3u);

  const DeleteResult deleted = client.Delete("k");
  ASSERT_TRUE(std::holds_alternative<Error>(deleted));
  EXPECT_EQ(std::get<Error>(deleted).kind, Error::Kind::kUnavailable);
}

TEST_F(S3ClientTest, TimeoutsAndProtocolErrorsAreUnavailableToo) {
  FakeTransport transport(
      {Failure(outbound::FailureKind::kTimeout), Failure(outbound::FailureKind::kProtocol)});
  S3Client client = Client(transport, /*max_attempts=*/2);
  const DeleteResult result = client.Delete("k");
  ASSERT_TRUE(std::holds_alternative<Error>(result));
  EXPECT_EQ(std::get<Error>(result).kind, Error::Kind::kUnavailable);
  EXPECT_EQ(transport.requests.size(), 2u);
}

TEST_F(S3ClientTest, BusyWhenTheOutboundCapIsReached) {
  outbound::Limiter full(1);
  std::optional<outbound::Limiter::Permit> held = full.TryAcquire(milliseconds(0));
  ASSERT_TRUE(held.has_value());
  FakeTransport transport({Answer(200)});
  outbound::CallOptions options;
  options.permit_wait = milliseconds(1);
  S3Client client(location_, credentials_, transport, full, options);
  const HeadResult head = client.Head("k");
  ASSERT_TRUE(std::holds_alternative<Error>(head));
  EXPECT_EQ(std::get<Error>(head).kind, Error::Kind::kBusy);
  const DeleteResult deleted = client.Delete("k");
  ASSERT_TRUE(std::holds_alternative<Error>(deleted));
  EXPECT_EQ(std::get<Error>(deleted).kind, Error::Kind::kBusy);
  EXPECT_TRUE(transport.requests.empty());
}

TEST_F(S3ClientTest, DeleteSucceedsWhetherOrNotTheObjectExisted) {
  for (long status : {200L, 204L, 404L}) {
    FakeTransport transport({Answer(status)});
    S3Client client = Client(transport);
    EXPECT_TRUE(std::holds_alternative<Deleted>(client.Delete("u/a b.png"))) << status;
    ASSERT_EQ(transport.requests.size(), 1u);
    ExpectSameRequest(transport.requests[0], Expected("DELETE", "u/a b.png", 1));
    signing_time_ = start_;
  }
}

TEST_F(S3ClientTest, DeleteInAMissingBucketIsNotSuccess) {
  FakeTransport transport({Answer(404, {},
                                  "<Error><Code>NoSuchBucket</Code><Message>The specified bucket "
                                  "does not exist</Message></Error>")});
  S3Client client = Client(transport);
  const DeleteResult result = client.Delete("k");
  const auto* error = std::get_if<Error>(&result);
  ASSERT_NE(error, nullptr);
  EXPECT_EQ(error->kind, Error::Kind::kRejected);
  EXPECT_EQ(error->http_status, 404);
  EXPECT_EQ(error->message,
            "S3 DELETE answered 404 (NoSuchBucket: The specified bucket does not exist)");

  FakeTransport no_such_key({Answer(404, {}, "<Error><Code>NoSuchKey</Code></Error>")});
  S3Client other = Client(no_such_key);
  EXPECT_TRUE(std::holds_alternative<Deleted>(other.Delete("k")));
}

TEST_F(S3ClientTest, DeleteErrorCarriesS3sCodeAndMessage) {
  FakeTransport transport(
      {Answer(403, {{"content-type", "application/xml"}}, std::string(kS3Error403))});
  S3Client client = Client(transport);
  const DeleteResult result = client.Delete("k");
  const auto* error = std::get_if<Error>(&result);
  ASSERT_NE(error, nullptr);
  EXPECT_EQ(error->kind, Error::Kind::kDenied);
  EXPECT_EQ(error->http_status, 403);
  EXPECT_EQ(error->message, "S3 DELETE answered 403 (AccessDenied: Access Denied)");
}

TEST_F(S3ClientTest, DeleteStatusMappingAndPartialXml) {
  struct Case {
    long status;
    std::string body;
    Error::Kind kind;
    std::string message;
  };
  const std::vector<Case> cases = {
      {409, "<Error><Code>OperationAborted</Code></Error>", Error::Kind::kRejected,
       "S3 DELETE answered 409 (OperationAborted)"},
      {400, "<Error><Message>bad</Message></Error>", Error::Kind::kRejected,
       "S3 DELETE answered 400 (bad)"},
      {503, "<Error><Code>SlowDown</Code><Message>Please reduce your request rate.</Message>",
       Error::Kind::kUnavailable,
       "S3 DELETE answered 503 (SlowDown: Please reduce your request rate.)"},
      {500, "not xml at all", Error::Kind::kUnavailable, "S3 DELETE answered 500"},
      {403, "<Error><Code>Unterminated", Error::Kind::kDenied, "S3 DELETE answered 403"},
  };
  for (const Case& c : cases) {
    FakeTransport transport({Answer(c.status, {}, c.body)});
    S3Client client = Client(transport);
    const DeleteResult result = client.Delete("k");
    const auto* error = std::get_if<Error>(&result);
    ASSERT_NE(error, nullptr) << c.status;
    EXPECT_EQ(error->kind, c.kind) << c.status;
    EXPECT_EQ(error->message, c.message);
  }
}

TEST_F(S3ClientTest, LongXmlTextIsCutForTheLog) {
  const std::string long_message(5000, 'm');
  FakeTransport transport(
      {Answer(400, {}, "<Error><Code>X</Code><Message>" + long_message + "</Message></Error>")});
  S3Client client = Client(transport);
  const DeleteResult result = client.Delete("k");
  ASSERT_TRUE(std::holds_alternative<Error>(result));
  EXPECT_LT(std::get<Error>(result).message.size(), 300u);
}

TEST_F(S3ClientTest, PresignGetIsThePresignedUrlAndMakesNoCall) {
  FakeTransport transport({Answer(500)});
  S3Client client = Client(transport);
  const aws::TimePoint now = aws::ParseAmzDate("20240501T120000Z").value();
  EXPECT_EQ(client.PresignGet("u/a b.png", seconds(900), now),
            PresignedGetUrl(location_, "u/a b.png", *credentials_, now, seconds(900)));
  EXPECT_TRUE(transport.requests.empty());
  EXPECT_EQ(client.location().bucket, "uploads");
}

TEST_F(S3ClientTest, PathStyleClientSendsToTheEndpointHost) {
  location_ = {"http://127.0.0.1:7480", verify::Addressing::kPathStyle, "uploads", "us-east-1"};
  FakeTransport transport({Answer(204)});
  S3Client client = Client(transport);
  ASSERT_TRUE(std::holds_alternative<Deleted>(client.Delete("x/y z")));
  ASSERT_EQ(transport.requests.size(), 1u);
  EXPECT_EQ(transport.requests[0].url, "http://127.0.0.1:7480/uploads/x/y%20z");
  EXPECT_EQ(HeaderValue(transport.requests[0], "Host"), "127.0.0.1:7480");
}

}  // namespace
}  // namespace s3upload::s3
