// webhook_notifier.cc against a scripted Transport: the request sent (method, URL, headers, the
// signature verified over the exact body sent), how answers map to results, which failures are
// retried, the Limiter, the deadline handed through to the transport, and failure messages that
// never carry the secret.
#include <gtest/gtest.h>

#include <chrono>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <thread>
#include <variant>
#include <vector>

#include "notify/fake_transport.h"
#include "s3upload/aws.h"
#include "s3upload/notify.h"
#include "s3upload/version.h"

namespace s3upload::notify {
namespace {

using namespace std::chrono_literals;
using notify_test::Error;
using notify_test::FakeTransport;
using notify_test::Response;
using outbound::FailureKind;

constexpr std::string_view kSecret = "whsec_test";
constexpr std::string_view kUrl = "https://app.example/hooks/upload?token=abc";
// hmac.new(b"whsec_test", b"1714564800." + EventJson(SampleEvent()), sha256).hexdigest()
constexpr std::string_view kExpectedSignature =
    "t=1714564800,v1=5d3d34858c7a0df7c3bb649c6bfc65af24a505908bfc44ccb99a2dbb91adde25";
// hashlib.sha256(b"uploads-bucket\0users/alice/0b1c/R\xc3\xa9\"sum\xc3\xa9\\.pdf\0"
//                b"9b2cf535f27731c974343645a3985328").hexdigest()
constexpr std::string_view kExpectedEventId =
    "b231764ca610de8d8f28322537a6a6966c7d07006cc90b46912c2e4a356aa971";

UploadEvent SampleEvent() {
  UploadEvent event;
  event.profile = "photos";
  event.bucket = "uploads-bucket";
  event.key = "users/alice/0b1c/R\xc3\xa9\"sum\xc3\xa9\\.pdf";
  event.uuid = "0b1c2d3e-4f50-6172-8394-a5b6c7d8e9f0";
  event.name = "R\xc3\xa9\"sum\xc3\xa9\\.pdf";
  event.size = 1048576;
  event.etag = "9b2cf535f27731c974343645a3985328";
  event.content_type = "application/pdf";
  event.user = "alice";
  return event;
}

std::optional<std::string> HeaderValue(const http::Fields& headers, std::string_view name) {
  std::optional<std::string> found;
  for (const auto& [header_name, value] : headers) {
    if (header_name != name) continue;
    if (found) ADD_FAILURE() << "header " << name << " sent twice";
    found = value;
  }
  return found;
}

const ReplyMembers* Members(const WebhookResult& result) {
  return std::get_if<ReplyMembers>(&result);
}

std::string FailureMessage(const WebhookResult& result) {
  const auto* failure = std::get_if<WebhookFailure>(&result);
  if (failure == nullptr) {
    ADD_FAILURE() << "expected a WebhookFailure";
    return "";
  }
  return failure->message;
}

class WebhookNotifierTest : public ::testing::Test {
 protected:
  WebhookTarget Target() {
    WebhookTarget target;
    target.url = std::string(kUrl);
    target.secret = std::make_shared<const aws::SecretKey>(std::string(kSecret));
    target.options = notify_test::TestOptions(&clock_);
    return target;
  }

  WebhookResult Notify(FakeTransport& transport, const WebhookTarget& target,
                       const UploadEvent& event) {
    WebhookNotifier notifier(transport, limiter_);
    return notifier.Notify(target, event, now_);
  }

  WebhookResult Notify(FakeTransport& transport) {
    return Notify(transport, Target(), SampleEvent());
  }

  std::chrono::steady_clock::time_point clock_{};
  outbound::Limiter limiter_{4};
  // 2024-05-01T12:00:00.750Z: the signature carries whole seconds.
  aws::TimePoint now_ = aws::TimePoint(1714564800s) + 750ms;
};

// ---------------------------------------------------------------------------------------------
// The request
// ---------------------------------------------------------------------------------------------

TEST_F(WebhookNotifierTest, SendsOneSignedJsonPost) {
  FakeTransport transport({Response(204)});
  const WebhookResult result = Notify(transport);
  ASSERT_NE(Members(result), nullptr) << FailureMessage(result);

  const std::vector<FakeTransport::Call> calls = transport.calls();
  ASSERT_EQ(calls.size(), 1u);
  const outbound::HttpRequest& request = calls[0].request;
  EXPECT_EQ(request.method, "POST");
  EXPECT_EQ(request.url, kUrl);
  EXPECT_EQ(request.body, EventJson(SampleEvent()));
  EXPECT_EQ(request.headers.size(), 4u);
  EXPECT_EQ(HeaderValue(request.headers, "Content-Type"), "application/json");
  EXPECT_EQ(HeaderValue(request.headers, "User-Agent"),
            std::string("s3-upload-signer/") + s3upload::kVersion);
  EXPECT_EQ(HeaderValue(request.headers, "X-Upload-Event-Id"), kExpectedEventId);
  EXPECT_EQ(HeaderValue(request.headers, "X-Upload-Signature"), kExpectedSignature);
}

TEST_F(WebhookNotifierTest, SignatureVerifiesOverTheExactBodySent) {
  // What a receiver does: split the header, recompute the MAC over "<t>.<raw body>".
  FakeTransport transport({Response(200)});
  Notify(transport);
  const std::vector<FakeTransport::Call> calls = transport.calls();
  ASSERT_EQ(calls.size(), 1u);
  const std::optional<std::string> header = HeaderValue(calls[0].request.headers, kSignatureHeader);
  ASSERT_TRUE(header.has_value());
  ASSERT_TRUE(header->starts_with("t="));
  const std::size_t comma = header->find(",v1=");
  ASSERT_NE(comma, std::string::npos);
  const std::string t = header->substr(2, comma - 2);
  const std::string v1 = header->substr(comma + 4);
  EXPECT_EQ(t, "1714564800");  // whole seconds of `now`, rounded down
  EXPECT_EQ(v1, aws::HexEncode(aws::HmacSha256(kSecret, t + "." + calls[0].request.body)));
  EXPECT_EQ(v1.size(), 64u);
}

TEST_F(WebhookNotifierTest, EventIdIsStableAcrossCallsAndNamesTheObjectVersion) {
  FakeTransport transport({Response(200)});
  Notify(transport);
  now_ += 5s;
  Notify(transport);  // e.g. the browser retried `success`
  UploadEvent other_version = SampleEvent();
  other_version.etag = "0cc175b9c0f1b6a831c399e269772661";
  Notify(transport, Target(), other_version);
  UploadEvent other_name = SampleEvent();
  other_name.name = "renamed.pdf";  // display text only: same object, same event
  Notify(transport, Target(), other_name);

  const std::vector<FakeTransport::Call> calls = transport.calls();
  ASSERT_EQ(calls.size(), 4u);
  const auto id = [&](int i) { return HeaderValue(calls[i].request.headers, "X-Upload-Event-Id"); };
  EXPECT_EQ(id(0), kExpectedEventId);
  EXPECT_EQ(id(1), kExpectedEventId);
  EXPECT_NE(id(2), kExpectedEventId);
  EXPECT_EQ(id(3), kExpectedEventId);
  // The later call is signed with its own time.
  EXPECT_TRUE(
      HeaderValue(calls[1].request.headers, kSignatureHeader)->starts_with("t=1714564805,"));
}

// ---------------------------------------------------------------------------------------------
// Answers
// ---------------------------------------------------------------------------------------------

TEST_F(WebhookNotifierTest, ObjectAnswerIsReturnedMemberByMember) {
  FakeTransport transport(
      {Response(200, R"({"thumbnailUrl":"https://cdn.example/t/1.png","dims": {"w": 640}})")});
  const WebhookResult result = Notify(transport);
  ASSERT_NE(Members(result), nullptr) << FailureMessage(result);
  EXPECT_EQ(*Members(result), (ReplyMembers{{"thumbnailUrl", R"("https://cdn.example/t/1.png")"},
                                            {"dims", R"({"w":640})"}}));
}

TEST_F(WebhookNotifierTest, EmptyAnswerIsSuccessWithNoMembers) {
  for (const long status : {200L, 201L, 202L, 204L}) {
    for (const std::string_view body : {"", " \r\n", "{}"}) {
      FakeTransport transport({Response(status, std::string(body))});
      const WebhookResult result = Notify(transport);
      ASSERT_NE(Members(result), nullptr) << status << " " << FailureMessage(result);
      EXPECT_TRUE(Members(result)->empty());
      EXPECT_EQ(transport.calls().size(), 1u);
    }
  }
}

TEST_F(WebhookNotifierTest, AnswerThatIsNotAnObjectIsAFailure) {
  {
    FakeTransport transport({Response(200, "[1,2]")});
    EXPECT_EQ(FailureMessage(Notify(transport)), "webhook answered 200 but not with a JSON object");
    EXPECT_EQ(transport.calls().size(), 1u);  // a 2xx is final, whatever its body
  }
  {
    FakeTransport transport({Response(201, "OK")});
    EXPECT_EQ(FailureMessage(Notify(transport)), "webhook answered 201 but not with a JSON object");
  }
  {
    FakeTransport transport({Response(200, R"({"a":1,"a":2})")});
    EXPECT_EQ(FailureMessage(Notify(transport)), "webhook answered 200 but not with a JSON object");
  }
}

TEST_F(WebhookNotifierTest, ClientErrorIsFinal) {
  for (const long status : {400L, 401L, 403L, 404L, 409L, 422L, 429L}) {
    FakeTransport transport({Response(status, R"({"error":"nope"})"), Response(200)});
    const std::string message = FailureMessage(Notify(transport));
    EXPECT_EQ(message, "webhook answered HTTP " + std::to_string(status));
    EXPECT_EQ(transport.calls().size(), 1u) << status;
  }
}

TEST_F(WebhookNotifierTest, RedirectIsAFailure) {
  FakeTransport transport({Response(302)});
  EXPECT_EQ(FailureMessage(Notify(transport)), "webhook answered HTTP 302");
  EXPECT_EQ(transport.calls().size(), 1u);
}

TEST_F(WebhookNotifierTest, ServerErrorIsRetriedThenFails) {
  FakeTransport transport({Response(503, "maintenance")});
  EXPECT_EQ(FailureMessage(Notify(transport)), "webhook answered HTTP 503 after 3 attempts");
  const std::vector<FakeTransport::Call> calls = transport.calls();
  ASSERT_EQ(calls.size(), 3u);
  // Every attempt is the same event with the same signature and id.
  for (const FakeTransport::Call& call : calls) {
    EXPECT_EQ(call.request.body, calls[0].request.body);
    EXPECT_EQ(call.request.headers, calls[0].request.headers);
  }
}

TEST_F(WebhookNotifierTest, ServerErrorThenSuccess) {
  FakeTransport transport({Response(500), Response(502), Response(200, R"({"id":7})")});
  const WebhookResult result = Notify(transport);
  ASSERT_NE(Members(result), nullptr) << FailureMessage(result);
  EXPECT_EQ(*Members(result), (ReplyMembers{{"id", "7"}}));
  EXPECT_EQ(transport.calls().size(), 3u);
}

TEST_F(WebhookNotifierTest, RetryPolicyOfTheTargetIsUsed) {
  WebhookTarget target = Target();
  target.options.retry.max_attempts = 1;
  FakeTransport transport({Response(503)});
  EXPECT_EQ(FailureMessage(Notify(transport, target, SampleEvent())), "webhook answered HTTP 503");
  EXPECT_EQ(transport.calls().size(), 1u);
}

// ---------------------------------------------------------------------------------------------
// Failures to get an answer
// ---------------------------------------------------------------------------------------------

TEST_F(WebhookNotifierTest, TimeoutsAreRetriedThenFail) {
  FakeTransport transport(
      {Error(FailureKind::kTimeout, "Operation timed out after 700 milliseconds")});
  EXPECT_EQ(FailureMessage(Notify(transport)),
            "webhook call failed (timeout): Operation timed out after 700 milliseconds after 3 "
            "attempts");
  EXPECT_EQ(transport.calls().size(), 3u);
}

TEST_F(WebhookNotifierTest, TimeoutThenSuccess) {
  FakeTransport transport({Error(FailureKind::kTimeout, "slow"), Response(204)});
  const WebhookResult result = Notify(transport);
  ASSERT_NE(Members(result), nullptr) << FailureMessage(result);
  EXPECT_EQ(transport.calls().size(), 2u);
}

TEST_F(WebhookNotifierTest, ConnectionFailuresNameTheKind) {
  {
    FakeTransport transport({Error(FailureKind::kConnect, "Connection refused")});
    EXPECT_EQ(FailureMessage(Notify(transport)),
              "webhook call failed (connection failed): Connection refused after 3 attempts");
  }
  {
    FakeTransport transport({Error(FailureKind::kProtocol, "SSL certificate problem")});
    EXPECT_EQ(FailureMessage(Notify(transport)),
              "webhook call failed (protocol error): SSL certificate problem after 3 attempts");
  }
}

TEST_F(WebhookNotifierTest, BusyLimiterFailsWithoutCalling) {
  outbound::Limiter limiter(1);
  std::optional<outbound::Limiter::Permit> held = limiter.TryAcquire(0ms);
  ASSERT_TRUE(held.has_value());
  FakeTransport transport({Response(200)});
  WebhookNotifier notifier(transport, limiter);
  const std::string message = FailureMessage(notifier.Notify(Target(), SampleEvent(), now_));
  EXPECT_TRUE(message.starts_with("webhook call failed (busy)")) << message;
  EXPECT_TRUE(transport.calls().empty());
  EXPECT_EQ(limiter.in_use(), 1);
}

TEST_F(WebhookNotifierTest, PermitIsReleasedAfterTheCall) {
  FakeTransport transport({Response(503)});
  Notify(transport);
  EXPECT_EQ(limiter_.in_use(), 0);
  FakeTransport ok({Response(200)});
  Notify(ok);
  EXPECT_EQ(limiter_.in_use(), 0);
}

TEST_F(WebhookNotifierTest, DeadlineAndConnectTimeoutArePassedThrough) {
  WebhookTarget target = Target();
  target.options.deadline = 1234ms;
  target.options.connect_timeout = 321ms;
  FakeTransport transport({Response(200)});
  Notify(transport, target, SampleEvent());
  const std::vector<FakeTransport::Call> calls = transport.calls();
  ASSERT_EQ(calls.size(), 1u);
  EXPECT_EQ(calls[0].timeouts.connect, 321ms);
  EXPECT_EQ(calls[0].timeouts.total, 1234ms);  // the clock stands still: all of it is left
}

TEST_F(WebhookNotifierTest, RetriesGetOnlyWhatIsLeftOfTheDeadline) {
  WebhookTarget target = Target();
  target.options.deadline = 1500ms;
  target.options.retry.max_attempts = 5;
  FakeTransport transport({Error(FailureKind::kTimeout, "slow")});
  transport.set_on_perform([this] { clock_ += 1000ms; });  // every attempt takes a second
  const std::string message = FailureMessage(Notify(transport, target, SampleEvent()));
  EXPECT_TRUE(message.starts_with("webhook call failed (timeout)")) << message;
  const std::vector<FakeTransport::Call> calls = transport.calls();
  ASSERT_EQ(calls.size(), 2u);  // a third attempt would start after the deadline
  EXPECT_EQ(calls[0].timeouts.total, 1500ms);
  EXPECT_GT(calls[1].timeouts.total, 0ms);
  EXPECT_LE(calls[1].timeouts.total, 500ms);
  EXPECT_LE(calls[1].timeouts.connect, calls[1].timeouts.total);
}

TEST_F(WebhookNotifierTest, NoSecretNoCall) {
  FakeTransport transport({Response(200)});
  WebhookTarget target = Target();
  target.secret = nullptr;
  EXPECT_EQ(FailureMessage(Notify(transport, target, SampleEvent())),
            "webhook not called: no secret configured");
  target.secret = std::make_shared<const aws::SecretKey>(std::string());
  EXPECT_EQ(FailureMessage(Notify(transport, target, SampleEvent())),
            "webhook not called: no secret configured");
  EXPECT_TRUE(transport.calls().empty());
}

TEST_F(WebhookNotifierTest, FailureMessagesNeverCarryTheSecretSignatureOrUrl) {
  const std::string v1(kExpectedSignature.substr(kExpectedSignature.find("v1=") + 3));
  std::vector<outbound::CallResult> answers = {
      Response(200, "[]"),
      Response(404, std::string(kSecret)),
      Response(503),
      Error(FailureKind::kTimeout, "timed out"),
      Error(FailureKind::kConnect, "refused"),
  };
  for (const outbound::CallResult& answer : answers) {
    FakeTransport transport({answer});
    const std::string message = FailureMessage(Notify(transport));
    EXPECT_FALSE(message.empty());
    EXPECT_EQ(message.find(kSecret), std::string::npos) << message;
    EXPECT_EQ(message.find(v1), std::string::npos) << message;
    EXPECT_EQ(message.find(kUrl), std::string::npos) << message;
    EXPECT_EQ(message.find("token=abc"), std::string::npos) << message;
  }
}

TEST_F(WebhookNotifierTest, UsableFromManyThreads) {
  FakeTransport transport({Response(200, R"({"ok":true})")});
  outbound::Limiter limiter(8);
  WebhookNotifier notifier(transport, limiter);
  const WebhookTarget target = Target();
  constexpr int kThreads = 8;
  constexpr int kCallsPerThread = 25;
  std::vector<int> successes(kThreads, 0);
  std::vector<std::thread> threads;
  threads.reserve(kThreads);
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      UploadEvent event = SampleEvent();
      event.key += std::to_string(t);
      for (int i = 0; i < kCallsPerThread; ++i) {
        const WebhookResult result = notifier.Notify(target, event, now_);
        if (const ReplyMembers* members = Members(result);
            members != nullptr && *members == ReplyMembers{{"ok", "true"}}) {
          ++successes[t];
        }
      }
    });
  }
  for (std::thread& thread : threads) thread.join();
  for (int t = 0; t < kThreads; ++t) EXPECT_EQ(successes[t], kCallsPerThread) << t;
  EXPECT_EQ(transport.calls().size(), static_cast<std::size_t>(kThreads * kCallsPerThread));
}

}  // namespace
}  // namespace s3upload::notify
